using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// The split that <see cref="Dense.ForwardTwoLayers"/> and <see cref="DenseBfloat16.ForwardTwoLayers"/> share: the
/// hidden units cut into <see cref="Segments"/> segments whatever the thread count, each thread computing its
/// segments' hidden units and their share of the second product into a stack buffer of partial sums, which the caller
/// adds in segment order. Only the dot-product kernel (float or bfloat16 weights) differs between the two.
/// </summary>
internal static unsafe class TwoLayerShares
{
    /// <summary>
    /// Multiply-adds of both products (rows x hidden x (inputs + units)) from which the pass splits across the cores:
    /// half <see cref="Gemm.DotParallelThreshold"/>, since one wake serves two products and there is no barrier between
    /// them. LeNet-5's 400 -> 120 -> 84 at one row (58,080) measured 2.2 us on two cores against 3.4 us on one.
    /// </summary>
    public const long ParallelMultiplyAdds = 1 << 15;

    /// <summary>Segments of the hidden units: fixed, so results do not depend on the thread count.</summary>
    public const int Segments = 2;

    /// <summary>Partial sums kept on the caller's stack (16 KB) at most; more falls back to two one-layer calls.</summary>
    private const int MaxPartialFloats = 4096;

    /// <summary>Whether the shapes fit the two-layer pass: the partial sums fit the stack buffer, every segment has a group of four hidden units.</summary>
    public static bool Fit(int batch, int hiddenUnits, int units) =>
        (long)Segments * batch * units <= MaxPartialFloats && hiddenUnits >= 4 * Segments;

    /// <summary>Floats of partial sums the caller allocates: [segment, batch, units].</summary>
    public static int PartialFloats(int batch, int units) => Segments * batch * units;

    /// <summary>The segments that part <paramref name="part"/> of <paramref name="parts"/> computes: [first, end).</summary>
    public static (int First, int End) SegmentsOf(int part, int parts) => (part * Segments / parts, (part + 1) * Segments / parts);

    /// <summary>The hidden units of one segment, [start, end), whole groups of four but the last.</summary>
    public static (int Start, int End) HiddenUnitsOf(int segment, int hiddenUnits)
    {
        int groups = (hiddenUnits + 3) / 4;
        return (groups * segment / Segments * 4, Math.Min(hiddenUnits, groups * (segment + 1) / Segments * 4));
    }

    /// <summary>row[i] = activation(row[i] + bias[i]) over one segment of a hidden row (bias null: none).</summary>
    public static void BiasAndActivate(float* row, float* bias, int count, Activation activation)
    {
        var values = new Span<float>(row, count);
        if (bias != null) TensorPrimitives.Add(values, new ReadOnlySpan<float>(bias, count), values);
        if (activation != Activation.Identity) Activations.Forward(activation, values, values);
    }

    /// <summary>output[b, :] = activation2(Σ_segments partials[segment, b, :] + bias2), the segments added in order.</summary>
    public static void Combine(float* partials, Span<float> output, ReadOnlySpan<float> bias2, Activation activation2, int batch, int units)
    {
        for (int b = 0; b < batch; b++)
        {
            Span<float> y = output.Slice(b * units, units);
            TensorPrimitives.Add(new ReadOnlySpan<float>(partials + (nint)b * units, units),
                new ReadOnlySpan<float>(partials + (nint)(batch + b) * units, units), y);
            if (!bias2.IsEmpty) TensorPrimitives.Add(y, bias2.Slice(0, units), y);
            if (activation2 != Activation.Identity) Activations.Forward(activation2, y, y);
        }
    }
}
