using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>One pooling call's sizes, and the pooling objectives written from the definition in double precision.</summary>
internal sealed record PoolCase(string Name, int Batch, int Channels, int Height, int Width,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH = 0, int PadW = 0)
{
    public int OutHeight => Pooling.OutputSize(Height, KernelH, StrideH, PadH);
    public int OutWidth => Pooling.OutputSize(Width, KernelW, StrideW, PadW);
    public int InputLength => Batch * Channels * Height * Width;
    public int OutputLength => Batch * Channels * OutHeight * OutWidth;

    public void MaxForward(float[] input, float[] output, int[] argmax) =>
        Pooling.MaxForward(input, output, argmax, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);
    public void MaxForwardReference(float[] input, float[] output, int[] argmax) =>
        Pooling.MaxForwardReference(input, output, argmax, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);
    public void MaxBackward(float[] doutput, int[] argmax, float[] dinput) =>
        Pooling.MaxBackward(doutput, argmax, dinput, Batch, Channels, Height, Width, OutHeight, OutWidth);
    public void AvgForward(float[] input, float[] output) =>
        Pooling.AvgForward(input, output, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);
    public void AvgForwardReference(float[] input, float[] output) =>
        Pooling.AvgForwardReference(input, output, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);
    public void AvgBackward(float[] doutput, float[] dinput) =>
        Pooling.AvgBackward(doutput, dinput, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);
    public void AvgBackwardReference(float[] doutput, float[] dinput) =>
        Pooling.AvgBackwardReference(doutput, dinput, Batch, Channels, Height, Width, KernelH, KernelW, StrideH, StrideW, PadH, PadW);

    /// <summary>L = sum(pool(x) * R): the max (padding = -inf) or the mean over KH*KW (padding = 0) of each window.</summary>
    public double Objective(double[] x, double[] r, bool max)
    {
        double total = 0;
        int outHeight = OutHeight, outWidth = OutWidth;
        for (int plane = 0; plane < Batch * Channels; plane++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double pooled = max ? double.NegativeInfinity : 0;
            for (int kh = 0; kh < KernelH; kh++)
            for (int kw = 0; kw < KernelW; kw++)
            {
                int ih = oh * StrideH - PadH + kh, iw = ow * StrideW - PadW + kw;
                if (ih < 0 || ih >= Height || iw < 0 || iw >= Width) continue;
                double value = x[(plane * Height + ih) * Width + iw];
                pooled = max ? Math.Max(pooled, value) : pooled + value;
            }
            if (!max) pooled /= KernelH * KernelW;
            total += pooled * r[(plane * outHeight + oh) * outWidth + ow];
        }
        return total;
    }

    public override string ToString() => Name;
}

public class PoolingTests
{
    private static readonly PoolCase[] GradientCases =
    [
        new("2x2 stride 2 (fast), odd 7x9", 2, 3, 7, 9, 2, 2, 2, 2),
        new("2x2 stride 2 (fast), 6x37: vector and tail", 1, 2, 6, 37, 2, 2, 2, 2),
        new("3x3 stride 2 padding 1", 2, 2, 7, 8, 3, 3, 2, 2, 1, 1),
        new("3x3 stride 1: overlapping windows", 1, 2, 6, 5, 3, 3, 1, 1),
        new("2x3 stride (1,2) padding (1,1)", 2, 1, 5, 7, 2, 3, 1, 2, 1, 1),
        new("window covers the whole plane", 1, 3, 3, 4, 3, 4, 1, 1),
    ];

    public static TheoryData<string> GradientCaseNames => new(GradientCases.Select(c => c.Name));

    private static PoolCase Case(string name) => GradientCases.Single(c => c.Name == name);

    [Theory]
    [InlineData(28, 2, 2, 0, 14)]
    [InlineData(7, 2, 2, 0, 3)]    // floor: the last row is dropped
    [InlineData(7, 3, 2, 1, 4)]
    [InlineData(5, 3, 1, 1, 5)]
    public void OutputSize_FollowsPyTorchFormula(int input, int kernel, int stride, int padding, int expected) =>
        Assert.Equal(expected, Pooling.OutputSize(input, kernel, stride, padding));

    [Fact]
    public void OutputSize_PaddingOverHalfTheKernel_Throws() =>
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.OutputSize(8, 3, 2, 2)).ParamName);

    // Inputs are distinct values 0.125 apart and the step is 1e-3, far below half the gap, so no
    // nudge changes a window's argmax: L is linear there and central differences are exact up to
    // double rounding. Each dinput entry is a float sum of at most KH*KW/stride terms of R (|R| <= 1):
    // 1e-6 absolute covers its rounding.
    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void MaxBackward_MatchesFiniteDifferences(string caseName)
    {
        PoolCase c = Case(caseName);
        var random = new Random(Array.IndexOf(GradientCases, c) + 3);
        float[] input = TestData.Distinct(random, c.InputLength), seed = TestData.Uniform(random, c.OutputLength);
        var output = new float[c.OutputLength];
        var argmax = new int[c.OutputLength];
        c.MaxForward(input, output, argmax);
        var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten
        c.MaxBackward(seed, argmax, dinput);

        double[] x = TestData.ToDouble(input), r = TestData.ToDouble(seed);
        double[] expected = TestData.FiniteDifferences(x, () => c.Objective(x, r, max: true), 1e-3);
        TestData.AssertClose(expected, dinput, new double[expected.Length], 0, 1e-6, "dinput");

        // The forward pass is exact: the maximum of float values is one of them.
        double[] expectedOutput = MaxOutputs(c, x);
        TestData.AssertClose(expectedOutput, output, new double[expectedOutput.Length], 0, 0, "output");
    }

    private static double[] MaxOutputs(PoolCase c, double[] x)
    {
        var r = new double[c.OutputLength];
        return TestData.FiniteDifferences(r, () => c.Objective(x, r, max: true), 0.5);   // dL/dR = output (L is linear in R)
    }

    // L is linear in x for average pooling: central differences are exact up to double rounding.
    // dinput entries are float sums of at most KH*KW terms R/(KH*KW), |R| <= 1: 1e-6 absolute.
    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void AvgBackward_MatchesFiniteDifferences(string caseName)
    {
        PoolCase c = Case(caseName);
        var random = new Random(Array.IndexOf(GradientCases, c) + 30);
        float[] input = TestData.Uniform(random, c.InputLength), seed = TestData.Uniform(random, c.OutputLength);
        var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten
        c.AvgBackward(seed, dinput);

        double[] x = TestData.ToDouble(input), r = TestData.ToDouble(seed);
        double[] expected = TestData.FiniteDifferences(x, () => c.Objective(x, r, max: false), 1e-3);
        TestData.AssertClose(expected, dinput, new double[expected.Length], 0, 1e-6, "dinput");

        // Forward: output = dL/dR; a float mean of at most 12 values in [-1, 1]: 1e-6 absolute.
        var output = new float[c.OutputLength];
        c.AvgForward(input, output);
        var zeroSeed = new double[c.OutputLength];
        double[] expectedOutput = TestData.FiniteDifferences(zeroSeed, () => c.Objective(x, zeroSeed, max: false), 0.5);
        TestData.AssertClose(expectedOutput, output, new double[expectedOutput.Length], 0, 1e-6, "output");
    }

    [Fact]
    public void AvgForward_CountsPaddingInTheDivisor()
    {
        // PyTorch's count_include_pad=True: a 3x3 window at the corner of a padded plane of ones holds 4 ones, divided by 9.
        var input = TestData.Filled(16, 1f);
        var output = new float[16];
        Pooling.AvgForward(input, output, 1, 1, 4, 4, 3, 3, 1, 1, 1, 1);
        Assert.Equal(4f / 9f, output[0], 6);
        Assert.Equal(6f / 9f, output[1], 6);
        Assert.Equal(1f, output[5], 6);
    }

    // The 2x2 stride 2 fast kernels against the plain reference loops, on output widths that cover the
    // scalar step (1, 3), one or two 4-output steps (4, 5, 7), 8-output steps with and without an
    // overlapping last step (8, 14, 16, 18), and odd heights and widths (a row or column in no window).
    // Max pooling is exact, ties included: values come from a set of five, so many windows hold ties,
    // and the fast kernel must pick the same (first, row-major) element as the reference.
    [Theory]
    [InlineData(1, 1, 2, 2)]
    [InlineData(2, 3, 7, 9)]
    [InlineData(1, 2, 6, 37)]
    [InlineData(3, 2, 17, 33)]
    [InlineData(1, 1, 5, 16)]
    [InlineData(2, 4, 28, 28)]
    [InlineData(1, 3, 10, 10)]
    [InlineData(2, 1, 4, 14)]
    [InlineData(1, 1, 3, 6)]
    public void TwoByTwoFastKernels_MatchReference(int batch, int channels, int height, int width)
    {
        var c = new PoolCase($"{batch}x{channels}x{height}x{width}", batch, channels, height, width, 2, 2, 2, 2);
        var random = new Random(height * 100 + width);
        float[] ties = Array.ConvertAll(new float[c.InputLength], _ => random.Next(5) * 0.5f);
        float[] smooth = TestData.Uniform(random, c.InputLength);
        foreach (float[] input in new[] { ties, smooth })
        {
            var output = new float[c.OutputLength];
            var argmax = new int[c.OutputLength];
            var expectedOutput = new float[c.OutputLength];
            var expectedArgmax = new int[c.OutputLength];
            c.MaxForward(input, output, argmax);
            c.MaxForwardReference(input, expectedOutput, expectedArgmax);
            Assert.Equal(expectedOutput, output);
            Assert.Equal(expectedArgmax, argmax);

            // Average of four floats: the fast kernel sums in a different order than the double
            // reference; two roundings of values <= 4 in magnitude: 1e-6 absolute.
            c.AvgForward(input, output);
            c.AvgForwardReference(input, expectedOutput);
            TestData.AssertClose(expectedOutput, output, new float[output.Length], 0, 1e-6, "average");
        }

        // Backward of the average spreads doutput/4 exactly (a power of two): bit-equal to the reference.
        float[] seed = TestData.Uniform(random, c.OutputLength);
        var dinput = TestData.Filled(c.InputLength, float.NaN);
        var expectedDinput = TestData.Filled(c.InputLength, float.NaN);
        c.AvgBackward(seed, dinput);
        c.AvgBackwardReference(seed, expectedDinput);
        Assert.Equal(expectedDinput, dinput);
    }

    [Theory]
    [InlineData(2, 2, 0)]    // fast kernel
    [InlineData(3, 1, 1)]    // reference loop, overlapping windows and padding
    public void MaxForward_NaNInWindow_Propagates(int kernel, int stride, int padding)
    {
        var c = new PoolCase("nan", 1, 1, 4, 20, kernel, kernel, stride, stride, padding, padding);
        float[] input = TestData.Uniform(new Random(1), c.InputLength);
        input[1 * 20 + 3] = float.NaN;        // row 1, column 3
        var output = new float[c.OutputLength];
        var argmax = new int[c.OutputLength];
        c.MaxForward(input, output, argmax);
        Assert.Contains(float.NaN, output);
        for (int o = 0; o < output.Length; o++)
        {
            if (float.IsNaN(output[o])) Assert.Equal(1 * 20 + 3, argmax[o]);
        }
    }

    [Fact]
    public void MaxBackward_OverlappingWindows_AddAtTheSharedMaximum()
    {
        // 1x3 plane [0, 5, 1], window 1x2 stride 1: both windows pick the 5.
        float[] input = [0f, 5f, 1f];
        var output = new float[2];
        var argmax = new int[2];
        Pooling.MaxForward(input, output, argmax, 1, 1, 1, 3, 1, 2, 1, 1, 0, 0);
        Assert.Equal([1, 1], argmax);
        var dinput = TestData.Filled(3, 9f);
        Pooling.MaxBackward([0.25f, 0.5f], argmax, dinput, 1, 1, 1, 3, 1, 2);
        Assert.Equal([0f, 0.75f, 0f], dinput);
    }

    [Fact]
    public void MaxBackward_ArgmaxOutsidePlane_ThrowsNamingIndex()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Pooling.MaxBackward(new float[4], [0, 1, 9, 2], new float[8], 1, 2, 2, 2, 1, 2));
        Assert.Equal("argmax", error.ParamName);
        Assert.Contains("argmax[2] = 9", error.Message);
    }

    [Fact]
    public void BadSpanLengths_ThrowNamingTheArgument()
    {
        Assert.Equal("input", Assert.Throws<ArgumentException>(() =>
            Pooling.MaxForward(new float[15], new float[4], new int[4], 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)).ParamName);
        Assert.Equal("argmax", Assert.Throws<ArgumentException>(() =>
            Pooling.MaxForward(new float[16], new float[4], new int[3], 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() =>
            Pooling.AvgForward(new float[16], new float[5], 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)).ParamName);
        Assert.Equal("dinput", Assert.Throws<ArgumentException>(() =>
            Pooling.AvgBackward(new float[4], new float[17], 1, 1, 4, 4, 2, 2, 2, 2, 0, 0)).ParamName);
        var error = Assert.Throws<ArgumentException>(() => Pooling.GlobalAvgForward(new float[12], new float[2], 1, 3, 4));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("needs 3", error.Message);
    }

    // Global average: L = sum_{b,c} R[b,c] * mean(x[b,c,:]); linear, so central differences are exact.
    // Forward is a float sum of S = 29 values in [-1, 1] times 1/S: 1e-6 absolute; backward is one
    // float product R/S per entry: 1e-7 absolute.
    [Fact]
    public void GlobalAverage_MatchesFiniteDifferences()
    {
        const int batch = 3, channels = 5, spatial = 29;
        var random = new Random(8);
        float[] input = TestData.Uniform(random, batch * channels * spatial), seed = TestData.Uniform(random, batch * channels);
        var output = new float[batch * channels];
        Pooling.GlobalAvgForward(input, output, batch, channels, spatial);
        var dinput = TestData.Filled(input.Length, float.NaN);
        Pooling.GlobalAvgBackward(seed, dinput, batch, channels, spatial);

        double[] x = TestData.ToDouble(input), r = TestData.ToDouble(seed);
        double Objective()
        {
            double total = 0;
            for (int plane = 0; plane < batch * channels; plane++)
            {
                double sum = 0;
                for (int s = 0; s < spatial; s++) sum += x[plane * spatial + s];
                total += r[plane] * sum / spatial;
            }
            return total;
        }
        TestData.AssertClose(TestData.FiniteDifferences(x, Objective, 1e-3), dinput, new double[x.Length], 0, 1e-7, "dinput");
        TestData.AssertClose(TestData.FiniteDifferences(r, Objective, 0.5), output, new double[r.Length], 0, 1e-6, "output");
    }
}
