using System.Numerics.Tensors;

namespace NetGen.Initialization;

/// <summary>
/// Fills weights and biases as each <see cref="WeightInit"/> member documents, from a seeded <see cref="Rng"/>.
/// Weights are viewed as [rows, fanIn] row-major (rows = weights.Length / fanIn): [units, inputs] for a dense layer,
/// [outChannels, inChannels·kernelArea] for a convolution. Runs once when a network is built.
/// </summary>
public static class Initializers
{
    /// <summary>
    /// Fills <paramref name="weights"/> according to <paramref name="init"/>. <paramref name="scale"/> is the layer's
    /// <c>InitScale</c>: the value for <see cref="WeightInit.Constant"/>, the bound for <see cref="WeightInit.Uniform"/>,
    /// the standard deviation for <see cref="WeightInit.Normal"/> (those three require it), and the gain for
    /// <see cref="WeightInit.Orthogonal"/> (NaN means 1). Other members ignore it.
    /// </summary>
    /// <exception cref="ArgumentException">A required scale is NaN, a fan is not positive, or (orthogonal) the length is not a multiple of fanIn.</exception>
    public static void Fill(Span<float> weights, WeightInit init, int fanIn, int fanOut, double scale, ref Rng rng)
    {
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "fanIn must be > 0.");
        switch (init)
        {
            case WeightInit.Default:
                FillUniform(weights, 1.0 / Math.Sqrt(fanIn), ref rng);
                break;
            case WeightInit.Zeros:
                weights.Clear();
                break;
            case WeightInit.Constant:
                weights.Fill((float)RequireScale(scale, init));
                break;
            case WeightInit.Uniform:
                FillUniform(weights, RequireScale(scale, init), ref rng);
                break;
            case WeightInit.Normal:
                FillNormal(weights, RequireScale(scale, init), ref rng);
                break;
            case WeightInit.GlorotUniform:
                FillUniform(weights, Math.Sqrt(6.0 / (fanIn + RequireFanOut(fanOut, init))), ref rng);
                break;
            case WeightInit.GlorotNormal:
                FillNormal(weights, Math.Sqrt(2.0 / (fanIn + RequireFanOut(fanOut, init))), ref rng);
                break;
            case WeightInit.HeUniform:
                FillUniform(weights, Math.Sqrt(6.0 / fanIn), ref rng);
                break;
            case WeightInit.HeNormal:
                FillNormal(weights, Math.Sqrt(2.0 / fanIn), ref rng);
                break;
            case WeightInit.LeCunUniform:
                FillUniform(weights, Math.Sqrt(3.0 / fanIn), ref rng);
                break;
            case WeightInit.LeCunNormal:
                FillNormal(weights, Math.Sqrt(1.0 / fanIn), ref rng);
                break;
            case WeightInit.Orthogonal:
                FillOrthogonal(weights, fanIn, double.IsNaN(scale) ? 1.0 : scale, ref rng);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown weight initialization.");
        }
    }

    /// <summary>
    /// Fills a bias: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for <see cref="WeightInit.Default"/> (PyTorch's Linear/Conv bias),
    /// zeros for every other member (Keras's default bias).
    /// </summary>
    public static void FillBias(Span<float> bias, WeightInit init, int fanIn, ref Rng rng)
    {
        if (init != WeightInit.Default)
        {
            bias.Clear();
            return;
        }
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "fanIn must be > 0.");
        FillUniform(bias, 1.0 / Math.Sqrt(fanIn), ref rng);
    }

    private static void FillUniform(Span<float> values, double bound, ref Rng rng)
    {
        float b = (float)bound;
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextUniform(-b, b);
    }

    private static void FillNormal(Span<float> values, double standardDeviation, ref Rng rng)
    {
        float s = (float)standardDeviation;
        for (int i = 0; i < values.Length; i++) values[i] = s * rng.NextGaussian();
    }

    // torch.nn.init.orthogonal_: QR of a Gaussian [rows, cols] matrix (of its transpose when rows < cols), Q's columns
    // multiplied by sign(diag R). Gram-Schmidt gives the QR whose R has a positive diagonal, which is exactly that
    // sign-corrected Q. Done in place on the float storage with double dot products, each vector orthogonalized twice
    // ("twice is enough", Giraud et al.) so the result is orthonormal to float precision.
    private static void FillOrthogonal(Span<float> weights, int cols, double gain, ref Rng rng)
    {
        if (weights.Length % cols != 0)
            throw new ArgumentException($"weights holds {weights.Length} floats, not a multiple of fanIn {cols}: it cannot be viewed as [rows, fanIn].", nameof(weights));
        int rows = weights.Length / cols;
        for (int i = 0; i < weights.Length; i++) weights[i] = rng.NextGaussian();
        if (rows <= cols) OrthonormalizeRows(weights, rows, cols);
        else OrthonormalizeColumns(weights, rows, cols);
        if (gain != 1.0) TensorPrimitives.Multiply(weights, (float)gain, weights);
    }

    // Rows of w[rows, cols] (rows <= cols) become orthonormal: W·W^T = I.
    private static void OrthonormalizeRows(Span<float> w, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = w.Slice(r * cols, cols);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int q = 0; q < r; q++)
                {
                    ReadOnlySpan<float> previous = w.Slice(q * cols, cols);
                    TensorPrimitives.MultiplyAdd(previous, (float)-DotInDouble(row, previous), row, row);
                }
            }
            TensorPrimitives.Multiply(row, (float)(1.0 / Math.Sqrt(DotInDouble(row, row))), row);
        }
    }

    // Columns of w[rows, cols] (rows > cols) become orthonormal: W^T·W = I. Strided, scalar: it runs once.
    private static void OrthonormalizeColumns(Span<float> w, int rows, int cols)
    {
        for (int c = 0; c < cols; c++)
        {
            for (int pass = 0; pass < 2; pass++)
            {
                for (int q = 0; q < c; q++)
                {
                    double dot = 0;
                    for (int r = 0; r < rows; r++) dot += (double)w[r * cols + c] * w[r * cols + q];
                    for (int r = 0; r < rows; r++) w[r * cols + c] = (float)(w[r * cols + c] - dot * w[r * cols + q]);
                }
            }
            double squares = 0;
            for (int r = 0; r < rows; r++) squares += (double)w[r * cols + c] * w[r * cols + c];
            double inverseNorm = 1.0 / Math.Sqrt(squares);
            for (int r = 0; r < rows; r++) w[r * cols + c] = (float)(w[r * cols + c] * inverseNorm);
        }
    }

    private static double DotInDouble(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static double RequireScale(double scale, WeightInit init)
    {
        if (double.IsNaN(scale) || double.IsInfinity(scale))
            throw new ArgumentException($"WeightInit.{init} needs a finite InitScale (got {scale}); set InitScale on the layer.", nameof(scale));
        return scale;
    }

    private static int RequireFanOut(int fanOut, WeightInit init)
    {
        if (fanOut <= 0) throw new ArgumentOutOfRangeException(nameof(fanOut), fanOut, $"WeightInit.{init} needs fanOut > 0.");
        return fanOut;
    }
}
