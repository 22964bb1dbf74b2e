using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// One convolution's sizes, with thin wrappers that pass them to the kernels in the right order. PadH and PadW pad
/// above and left; PadBottom and PadRight (when not -1) pad below and right differently, through the kernels'
/// per-side overloads (Keras's padding="same").
/// </summary>
internal sealed record ConvCase(string Name, int Batch, int InChannels, int Height, int Width, int OutChannels,
    int KernelH, int KernelW, int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0, int DilationH = 1, int DilationW = 1,
    int PadBottom = -1, int PadRight = -1)
{
    public int Bottom => PadBottom < 0 ? PadH : PadBottom;
    public int Right => PadRight < 0 ? PadW : PadRight;
    public bool Symmetric => Bottom == PadH && Right == PadW;
    public int OutHeight => Conv2D.OutputSize(Height, KernelH, StrideH, PadH, Bottom, DilationH);
    public int OutWidth => Conv2D.OutputSize(Width, KernelW, StrideW, PadW, Right, DilationW);
    public int InputLength => Batch * InChannels * Height * Width;
    public int WeightLength => OutChannels * InChannels * KernelH * KernelW;
    public int OutputLength => Batch * OutChannels * OutHeight * OutWidth;
    public int ScratchSize => Symmetric
        ? Conv2D.ScratchSize(Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW)
        : Conv2D.ScratchSize(Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, Bottom, Right, DilationH, DilationW);

    public void Forward(float[] input, float[] weight, float[] bias, float[] output, float[] scratch)
    {
        if (Symmetric)
        {
            Conv2D.Forward(input, weight, bias, output, scratch, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW);
        }
        else
        {
            Conv2D.Forward(input, weight, bias, output, scratch, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, Bottom, Right, DilationH, DilationW);
        }
    }

    public void ForwardReference(float[] input, float[] weight, float[] bias, float[] output)
    {
        if (Symmetric)
        {
            Conv2D.ForwardReference(input, weight, bias, output, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW);
        }
        else
        {
            Conv2D.ForwardReference(input, weight, bias, output, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, Bottom, Right, DilationH, DilationW);
        }
    }

    public void Backward(float[] doutput, float[] input, float[] weight, float[] dinput, float[] dweight, float[] dbias, float[] scratch)
    {
        if (Symmetric)
        {
            Conv2D.Backward(doutput, input, weight, dinput, dweight, dbias, scratch, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW);
        }
        else
        {
            Conv2D.Backward(doutput, input, weight, dinput, dweight, dbias, scratch, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, Bottom, Right, DilationH, DilationW);
        }
    }

    public void BackwardReference(float[] doutput, float[] input, float[] weight, float[] dinput, float[] dweight, float[] dbias)
    {
        if (Symmetric)
        {
            Conv2D.BackwardReference(doutput, input, weight, dinput, dweight, dbias, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW);
        }
        else
        {
            Conv2D.BackwardReference(doutput, input, weight, dinput, dweight, dbias, Batch, InChannels, Height, Width, OutChannels,
                KernelH, KernelW, StrideH, StrideW, PadH, PadW, Bottom, Right, DilationH, DilationW);
        }
    }

    /// <summary>
    /// L = sum(conv(x, w) + b) * R) in double precision, written here from the definition (not from the
    /// kernels) so that finite differences of it check the kernels independently.
    /// </summary>
    public double Objective(double[] x, double[] w, double[] b, double[] r)
    {
        double total = 0;
        int outHeight = OutHeight, outWidth = OutWidth;
        for (int n = 0; n < Batch; n++)
        for (int oc = 0; oc < OutChannels; oc++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double sum = b.Length == 0 ? 0 : b[oc];
            for (int ic = 0; ic < InChannels; ic++)
            for (int kh = 0; kh < KernelH; kh++)
            for (int kw = 0; kw < KernelW; kw++)
            {
                int ih = oh * StrideH - PadH + kh * DilationH, iw = ow * StrideW - PadW + kw * DilationW;
                if (ih < 0 || ih >= Height || iw < 0 || iw >= Width) continue;
                sum += w[((oc * InChannels + ic) * KernelH + kh) * KernelW + kw] * x[((n * InChannels + ic) * Height + ih) * Width + iw];
            }
            total += sum * r[((n * OutChannels + oc) * outHeight + oh) * outWidth + ow];
        }
        return total;
    }

    public override string ToString() => Name;
}

internal static class TestData
{
    public static float[] Uniform(Random random, int length, float low = -1f, float high = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    /// <summary>Distinct values spaced <paramref name="gap"/> apart, shuffled: max pooling has no ties, and any nudge smaller than gap/2 keeps every argmax.</summary>
    public static float[] Distinct(Random random, int length, float gap = 0.125f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (i - length / 2) * gap;
        random.Shuffle(values);
        return values;
    }

    public static float[] Abs(float[] values) => Array.ConvertAll(values, MathF.Abs);

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    public static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    /// <summary>
    /// Central differences of <paramref name="objective"/> with respect to every entry of <paramref name="point"/>
    /// (perturbed in place and restored).
    /// </summary>
    public static double[] FiniteDifferences(double[] point, Func<double> objective, double step)
    {
        var gradient = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            double saved = point[i];
            point[i] = saved + step;
            double plus = objective();
            point[i] = saved - step;
            double minus = objective();
            point[i] = saved;
            gradient[i] = (plus - minus) / (2 * step);
        }
        return gradient;
    }

    /// <summary>Asserts |actual[i] - expected[i]| &lt;= relative * scale[i] + absolute for every i, naming the first failure.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, ReadOnlySpan<double> scale,
        double relative, double absolute, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * scale[i] + absolute;
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= tolerance,
                $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}; error {error:E3} exceeds tolerance {tolerance:E3}.");
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> scale,
        double relative, double absolute, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * scale[i] + absolute;
            double error = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(error <= tolerance,
                $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}; error {error:E3} exceeds tolerance {tolerance:E3}.");
        }
    }
}
