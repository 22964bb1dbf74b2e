using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

public class Conv2DTests
{
    // Shapes for the gradient checks: odd sizes, stride 2, padding 1 and 2, dilation 2, non-square
    // kernels, strides and paddings, the 1x1 fast path and 1x1 through the general path.
    private static readonly ConvCase[] GradientCases =
    [
        new("3x3, odd sizes", 2, 3, 7, 5, 4, 3, 3),
        new("3x3, stride 2, padding 1", 2, 3, 9, 8, 5, 3, 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
        new("5x5, padding 2", 1, 2, 5, 6, 3, 5, 5, PadH: 2, PadW: 2),
        new("3x3, dilation 2, padding 2", 2, 2, 9, 7, 3, 3, 3, PadH: 2, PadW: 2, DilationH: 2, DilationW: 2),
        new("2x3, stride (1,2), padding (1,0)", 2, 3, 6, 7, 2, 2, 3, StrideH: 1, StrideW: 2, PadH: 1, PadW: 0),
        new("1x3, stride (2,1), padding (0,2), dilation (1,2)", 1, 2, 7, 8, 3, 1, 3, StrideH: 2, StrideW: 1, PadH: 0, PadW: 2, DilationH: 1, DilationW: 2),
        new("1x1, fast path", 2, 5, 3, 7, 4, 1, 1),
        new("1x1, stride 2, padding 1", 1, 3, 5, 5, 2, 1, 1, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
        new("5x5 over a padded 3x3 input: one output", 1, 1, 3, 3, 1, 5, 5, PadH: 1, PadW: 1),
        new("2x2, stride 3 skips inputs", 3, 1, 10, 11, 2, 2, 2, StrideH: 3, StrideW: 3),
        // Keras's padding="same", which pads the odd row and column below and right (Conv2D.SamePadding):
        new("3x3, stride 2, Keras same on 8x7: rows (0, 1), columns (1, 1)", 2, 3, 8, 7, 4, 3, 3, StrideH: 2, StrideW: 2,
            PadH: 0, PadW: 1, PadBottom: 1, PadRight: 1),
        new("4x4 even kernel, Keras same: 1 above and left, 2 below and right", 2, 2, 6, 5, 3, 4, 4, PadH: 1, PadW: 1, PadBottom: 2, PadRight: 2),
        new("5x5, stride 2, Keras same on 8x8: 1 before, 2 after", 1, 2, 8, 8, 3, 5, 5, StrideH: 2, StrideW: 2,
            PadH: 1, PadW: 1, PadBottom: 2, PadRight: 2),
        new("2x2, stride 2, Keras same on 5x6: padded below only", 2, 2, 5, 6, 2, 2, 2, StrideH: 2, StrideW: 2, PadBottom: 1, PadRight: 0),
    ];

    public static TheoryData<string> GradientCaseNames => new(GradientCases.Select(c => c.Name));

    private static ConvCase Case(string name) => GradientCases.Single(c => c.Name == name);

    [Theory]
    [InlineData(28, 5, 1, 2, 1, 28)]   // LeNet-5's first convolution keeps 28x28
    [InlineData(14, 5, 1, 0, 1, 10)]   // ... its second one gives 10x10
    [InlineData(7, 3, 2, 1, 1, 4)]
    [InlineData(8, 3, 2, 1, 1, 4)]     // floor((8 + 2 - 3) / 2) + 1
    [InlineData(9, 3, 1, 2, 2, 9)]     // dilation 2: the kernel spans 5
    [InlineData(5, 1, 2, 1, 1, 4)]
    [InlineData(3, 5, 1, 1, 1, 1)]
    public void OutputSize_FollowsPyTorchFormula(int input, int kernel, int stride, int padding, int dilation, int expected) =>
        Assert.Equal(expected, Conv2D.OutputSize(input, kernel, stride, padding, dilation));

    [Theory]
    [InlineData(8, 3, 2, 0, 1, 1, 4)]   // Keras's same: ceil(8 / 2)
    [InlineData(8, 4, 1, 1, 2, 1, 8)]
    [InlineData(5, 2, 2, 0, 1, 1, 3)]
    [InlineData(7, 3, 2, 1, 0, 1, 3)]   // the sides add up: (7 + 1 - 3) / 2 + 1, rounded down
    public void OutputSize_PaddedPerSide_CountsBothSides(int input, int kernel, int stride, int before, int after, int dilation, int expected) =>
        Assert.Equal(expected, Conv2D.OutputSize(input, kernel, stride, before, after, dilation));

    // Keras / TensorFlow's padding="same", worked by hand: out = ceil(in / s), total = max((out - 1) * s + extent - in, 0),
    // total / 2 before, the rest after.
    [Theory]
    [InlineData(8, 3, 2, 1, 0, 1)]   // out 4, total 3*2 + 3 - 8 = 1: PyTorch's padding=1 pads 1 before as well
    [InlineData(7, 3, 2, 1, 1, 1)]   // total 6 + 3 - 7 = 2
    [InlineData(8, 4, 1, 1, 1, 2)]   // even kernel: total 3
    [InlineData(9, 5, 3, 1, 1, 1)]   // out 3, total 6 + 5 - 9 = 2
    [InlineData(8, 1, 2, 1, 0, 0)]   // a pointwise stride pads nothing (total -1 -> 0)
    [InlineData(5, 3, 1, 2, 2, 2)]   // dilation 2: the kernel spans 5
    [InlineData(5, 2, 2, 1, 0, 1)]
    public void SamePadding_FollowsKeras(int input, int kernel, int stride, int dilation, int before, int after)
    {
        Assert.Equal((before, after), Conv2D.SamePadding(input, kernel, stride, dilation));
        Assert.Equal((input + stride - 1) / stride, Conv2D.OutputSize(input, kernel, stride, before, after, dilation));
    }

    /// <summary>
    /// A 4x4 input holding 1..16 and a 3x3 kernel of ones, stride 2, Keras's same padding (0 before, 1 after in each
    /// dimension): the windows start at rows and columns 0 and 2, so the outputs are the sums below, worked by hand
    /// (tf.nn.conv2d(..., strides=2, padding="SAME") gives them). PyTorch's padding=1 would start at -1 (1+2+5+6 = 14).
    /// </summary>
    [Fact]
    public void Forward_KerasSamePadding_Stride2_MatchesHandComputedWindows()
    {
        float[] input = Enumerable.Range(1, 16).Select(v => (float)v).ToArray();
        float[] weight = TestData.Filled(9, 1f);
        (int before, int after) = Conv2D.SamePadding(4, 3, 2, 1);
        Assert.Equal((0, 1), (before, after));
        var output = new float[4];
        var scratch = new float[Conv2D.ScratchSize(1, 1, 4, 4, 1, 3, 3, 2, 2, before, before, after, after, 1, 1)];
        Conv2D.Forward(input, weight, [], output, scratch, 1, 1, 4, 4, 1, 3, 3, 2, 2, before, before, after, after, 1, 1);
        // [0,0]: rows 0-2, columns 0-2; [0,1]: rows 0-2, columns 2-3 (column 4 is padding); [1,0]: rows 2-3, columns 0-2; [1,1]: rows 2-3, columns 2-3.
        Assert.Equal([1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11, 3 + 4 + 7 + 8 + 11 + 12, 9 + 10 + 11 + 13 + 14 + 15, 11 + 12 + 15 + 16], output);

        var reference = new float[4];
        Conv2D.ForwardReference(input, weight, [], reference, 1, 1, 4, 4, 1, 3, 3, 2, 2, before, before, after, after, 1, 1);
        Assert.Equal(output, reference);
    }

    [Fact]
    public void OutputSize_KernelLongerThanPaddedInput_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.OutputSize(4, 3, 1, 0, 2));
        Assert.Equal("kernel", error.ParamName);
        Assert.Contains("5", error.Message);   // the dilated kernel spans 5 positions
    }

    [Fact]
    public void ScratchSize_IsWorkspacesOfChunksPlusPartials_AndNeverGrowsForSmallerBatches()
    {
        // IC*KH*KW = 27 rows, OH*OW = 5*4 = 20 columns, OC = 5: one sample's workspace is 20 * (27 + 5) = 640 floats,
        // so a chunk takes 65536 / 640 = 102 samples; one partial is 5*27 weights + 5 biases = 140 floats.
        Assert.Equal(1 * 640 + 1 * 140, Conv2D.ScratchSize(1, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1));
        Assert.Equal(64 * 640 + 1 * 140, Conv2D.ScratchSize(64, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1));
        Assert.Equal(2 * 102 * 640 + 2 * 140, Conv2D.ScratchSize(150, 3, 9, 8, 5, 3, 3, 2, 2, 1, 1, 1, 1));
        // Stride 1 and dilation 1 also size the direct path's layout (Conv2D.Direct.cs), never less than im2col's:
        // LeNet-5's second convolution at batch 64 takes 100 * (150 + 16) = 16600 floats a sample, 3 samples a chunk,
        // 22 chunks and 4 workspaces on the im2col path.
        Assert.True(Conv2D.ScratchSize(64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1) >= 4 * 3 * 16600 + 22 * (16 * 150 + 16));
        for (int batch = 1; batch < 64; batch++)
            Assert.True(Conv2D.ScratchSize(batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1) <= Conv2D.ScratchSize(64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1), $"batch {batch}");
    }

    // Finite differences run on ConvCase.Objective, a double-precision convolution written in the test.
    // The objective is linear in each parameter, so central differences are exact up to double rounding
    // (~1e-16 * |L| / step ~ 1e-12 here); the tolerance is set by the float kernel alone.
    // Each gradient entry is a float sum of n terms; its rounding error is at most about n * 2^-24 times
    // the sum of the terms' magnitudes ("scale", the same gradient with |x|, |w|, |R|). Here n <= 150,
    // so 1e-5 * scale covers the worst case; 1e-6 absolute covers gradients that are exactly zero.
    // The double-precision reference rounds once at the end: 1e-7 * scale.
    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void Backward_MatchesFiniteDifferences(string caseName)
    {
        ConvCase c = Case(caseName);
        var random = new Random(Array.IndexOf(GradientCases, c) + 17);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels), seed = TestData.Uniform(random, c.OutputLength);

        var dinput = new float[c.InputLength];
        var dweight = new float[c.WeightLength];
        var dbias = new float[c.OutChannels];
        c.Backward(seed, input, weight, dinput, dweight, dbias, new float[c.ScratchSize]);

        var referenceDinput = new float[c.InputLength];
        var referenceDweight = new float[c.WeightLength];
        var referenceDbias = new float[c.OutChannels];
        c.BackwardReference(seed, input, weight, referenceDinput, referenceDweight, referenceDbias);

        double[] x = TestData.ToDouble(input), w = TestData.ToDouble(weight), b = TestData.ToDouble(bias), r = TestData.ToDouble(seed);
        double[] expectedDinput = TestData.FiniteDifferences(x, () => c.Objective(x, w, b, r), 1e-3);
        double[] expectedDweight = TestData.FiniteDifferences(w, () => c.Objective(x, w, b, r), 1e-3);
        double[] expectedDbias = TestData.FiniteDifferences(b, () => c.Objective(x, w, b, r), 1e-3);

        double[] absX = TestData.ToDouble(TestData.Abs(input)), absW = TestData.ToDouble(TestData.Abs(weight));
        double[] absB = TestData.ToDouble(TestData.Abs(bias)), absR = TestData.ToDouble(TestData.Abs(seed));
        double[] scaleDinput = TestData.FiniteDifferences(absX, () => c.Objective(absX, absW, absB, absR), 1e-3);
        double[] scaleDweight = TestData.FiniteDifferences(absW, () => c.Objective(absX, absW, absB, absR), 1e-3);
        double[] scaleDbias = TestData.FiniteDifferences(absB, () => c.Objective(absX, absW, absB, absR), 1e-3);

        TestData.AssertClose(expectedDinput, dinput, scaleDinput, 1e-5, 1e-6, "dinput");
        TestData.AssertClose(expectedDweight, dweight, scaleDweight, 1e-5, 1e-6, "dweight");
        TestData.AssertClose(expectedDbias, dbias, scaleDbias, 1e-5, 1e-6, "dbias");
        TestData.AssertClose(expectedDinput, referenceDinput, scaleDinput, 1e-7, 1e-9, "reference dinput");
        TestData.AssertClose(expectedDweight, referenceDweight, scaleDweight, 1e-7, 1e-9, "reference dweight");
        TestData.AssertClose(expectedDbias, referenceDbias, scaleDbias, 1e-7, 1e-9, "reference dbias");
    }

    // Forward against the objective itself: L(x, w, b) = sum(output * R), and output = dL/dR.
    [Theory]
    [MemberData(nameof(GradientCaseNames))]
    public void Forward_MatchesDefinition(string caseName)
    {
        ConvCase c = Case(caseName);
        var random = new Random(Array.IndexOf(GradientCases, c) + 91);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        var output = new float[c.OutputLength];
        c.Forward(input, weight, bias, output, new float[c.ScratchSize]);

        double[] x = TestData.ToDouble(input), w = TestData.ToDouble(weight), b = TestData.ToDouble(bias);
        var r = new double[c.OutputLength];
        double[] expected = TestData.FiniteDifferences(r, () => c.Objective(x, w, b, r), 0.5);
        double[] absX = TestData.ToDouble(TestData.Abs(input)), absW = TestData.ToDouble(TestData.Abs(weight)), absB = TestData.ToDouble(TestData.Abs(bias));
        double[] scale = TestData.FiniteDifferences(r, () => c.Objective(absX, absW, absB, r), 0.5);
        // A float sum of at most IC*KH*KW + 1 <= 28 terms: 1e-5 * scale is above its worst-case rounding.
        TestData.AssertClose(expected, output, scale, 1e-5, 1e-6, "output");
    }

    // Random valid shapes (fixed seed) through the fast kernels and the double-precision reference.
    // Every sum has at most 2 * 9 * 23 = 414 terms (dweight sums over batch and output positions), so
    // float rounding stays below 414 * 2^-24 = 2.5e-5 of the sum of magnitudes: tolerance 3e-5 * scale,
    // where scale is the reference run on absolute values.
    [Fact]
    public void FastKernels_MatchReference_OnRandomAwkwardShapes()
    {
        var random = new Random(2024);
        int pointwise = 0, strided = 0, dilated = 0;
        for (int trial = 0; trial < 60; trial++)
        {
            ConvCase c = RandomCase(random, trial);
            if (c.KernelH == 1 && c.KernelW == 1 && c.StrideH == 1 && c.StrideW == 1 && c.PadH == 0 && c.PadW == 0) pointwise++;
            if (c.StrideH > 1 || c.StrideW > 1) strided++;
            if (c.DilationH > 1 || c.DilationW > 1) dilated++;
            bool withBias = trial % 3 != 0;
            float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
            float[] bias = withBias ? TestData.Uniform(random, c.OutChannels) : [];
            float[] seed = TestData.Uniform(random, c.OutputLength);
            var scratch = new float[c.ScratchSize];

            var output = new float[c.OutputLength];
            var expectedOutput = new float[c.OutputLength];
            var scaleOutput = new float[c.OutputLength];
            c.Forward(input, weight, bias, output, scratch);
            c.ForwardReference(input, weight, bias, expectedOutput);
            c.ForwardReference(TestData.Abs(input), TestData.Abs(weight), TestData.Abs(bias), scaleOutput);
            TestData.AssertClose(expectedOutput, output, scaleOutput, 3e-5, 1e-6, $"{c} output");

            var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten
            var dweight = new float[c.WeightLength];
            var dbias = withBias ? new float[c.OutChannels] : [];
            c.Backward(seed, input, weight, dinput, dweight, dbias, scratch);
            var expectedDinput = new float[c.InputLength];
            var expectedDweight = new float[c.WeightLength];
            var expectedDbias = withBias ? new float[c.OutChannels] : [];
            c.BackwardReference(seed, input, weight, expectedDinput, expectedDweight, expectedDbias);
            var scaleDinput = new float[c.InputLength];
            var scaleDweight = new float[c.WeightLength];
            var scaleDbias = withBias ? new float[c.OutChannels] : [];
            c.BackwardReference(TestData.Abs(seed), TestData.Abs(input), TestData.Abs(weight), scaleDinput, scaleDweight, scaleDbias);
            TestData.AssertClose(expectedDinput, dinput, scaleDinput, 3e-5, 1e-6, $"{c} dinput");
            TestData.AssertClose(expectedDweight, dweight, scaleDweight, 3e-5, 1e-6, $"{c} dweight");
            TestData.AssertClose(expectedDbias, dbias, scaleDbias, 3e-5, 1e-6, $"{c} dbias");
        }
        // The random shapes really did exercise each path.
        Assert.True(pointwise > 0 && strided > 0 && dilated > 0, $"pointwise {pointwise}, strided {strided}, dilated {dilated}");
    }

    // Random shapes with a different padding on each side (fixed seed), through the fast kernels and the reference, as
    // above; stride-1 square kernels among them, which must leave the direct path (it pads every side alike).
    [Fact]
    public void FastKernels_MatchReference_OnRandomPerSidePaddings()
    {
        var random = new Random(2026);
        int squareStrideOne = 0;
        for (int trial = 0; trial < 40; trial++)
        {
            ConvCase c;
            while (true)
            {
                int kernel = random.Next(1, 6), stride = random.Next(1, 3), dilation = random.Next(1, 3);
                int height = random.Next(1, 11), width = random.Next(1, 20);
                int top = random.Next(0, 3), left = random.Next(0, 3), bottom = random.Next(0, 3), right = random.Next(0, 3);
                if (top == bottom && left == right) continue;
                if (dilation * (kernel - 1) + 1 > Math.Min(height + top + bottom, width + left + right)) continue;
                int batch = random.Next(1, 4), inChannels = random.Next(1, 5), outChannels = random.Next(1, 7);
                c = new ConvCase($"trial {trial}: B{batch} IC{inChannels} {height}x{width} OC{outChannels} k{kernel} s{stride} d{dilation} " +
                    $"pads {top},{left},{bottom},{right}", batch, inChannels, height, width, outChannels, kernel, kernel, stride, stride,
                    top, left, dilation, dilation, bottom, right);
                break;
            }
            if (c.StrideH == 1 && c.DilationH == 1) squareStrideOne++;
            float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
            float[] bias = TestData.Uniform(random, c.OutChannels), seed = TestData.Uniform(random, c.OutputLength);
            var scratch = new float[c.ScratchSize];

            var output = new float[c.OutputLength];
            var expectedOutput = new float[c.OutputLength];
            var scaleOutput = new float[c.OutputLength];
            c.Forward(input, weight, bias, output, scratch);
            c.ForwardReference(input, weight, bias, expectedOutput);
            c.ForwardReference(TestData.Abs(input), TestData.Abs(weight), TestData.Abs(bias), scaleOutput);
            TestData.AssertClose(expectedOutput, output, scaleOutput, 3e-5, 1e-6, $"{c} output");

            var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten
            var dweight = new float[c.WeightLength];
            var dbias = new float[c.OutChannels];
            c.Backward(seed, input, weight, dinput, dweight, dbias, scratch);
            var expectedDinput = new float[c.InputLength];
            var expectedDweight = new float[c.WeightLength];
            var expectedDbias = new float[c.OutChannels];
            c.BackwardReference(seed, input, weight, expectedDinput, expectedDweight, expectedDbias);
            var scaleDinput = new float[c.InputLength];
            var scaleDweight = new float[c.WeightLength];
            var scaleDbias = new float[c.OutChannels];
            c.BackwardReference(TestData.Abs(seed), TestData.Abs(input), TestData.Abs(weight), scaleDinput, scaleDweight, scaleDbias);
            TestData.AssertClose(expectedDinput, dinput, scaleDinput, 3e-5, 1e-6, $"{c} dinput");
            TestData.AssertClose(expectedDweight, dweight, scaleDweight, 3e-5, 1e-6, $"{c} dweight");
            TestData.AssertClose(expectedDbias, dbias, scaleDbias, 3e-5, 1e-6, $"{c} dbias");
        }
        Assert.True(squareStrideOne > 0, "no stride-1 case: the direct path's exclusion went untested");
    }

    private static ConvCase RandomCase(Random random, int trial)
    {
        while (true)
        {
            bool pointwise = trial % 5 == 0;
            int kernelH = pointwise ? 1 : random.Next(1, 6), kernelW = pointwise ? 1 : random.Next(1, 6);
            int strideH = pointwise ? 1 : random.Next(1, 4), strideW = pointwise ? 1 : random.Next(1, 4);
            int padH = pointwise ? 0 : random.Next(0, 3), padW = pointwise ? 0 : random.Next(0, 3);
            int dilationH = pointwise ? 1 : random.Next(1, 3), dilationW = pointwise ? 1 : random.Next(1, 3);
            int height = random.Next(1, 10), width = random.Next(1, 24);
            if (dilationH * (kernelH - 1) + 1 > height + 2 * padH || dilationW * (kernelW - 1) + 1 > width + 2 * padW) continue;
            int batch = random.Next(1, 3), inChannels = random.Next(1, 6), outChannels = random.Next(1, 7);
            string name = $"trial {trial}: B{batch} IC{inChannels} {height}x{width} OC{outChannels} k{kernelH}x{kernelW} " +
                          $"s{strideH},{strideW} p{padH},{padW} d{dilationH},{dilationW}";
            return new ConvCase(name, batch, inChannels, height, width, outChannels,
                kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        }
    }

    [Theory]
    [InlineData("3x3, stride 2, padding 1")]
    [InlineData("1x1, fast path")]
    public void Backward_AccumulatesWeightAndBias_OverwritesInput(string caseName)
    {
        ConvCase c = Case(caseName);
        var random = new Random(5);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] seed = TestData.Uniform(random, c.OutputLength);
        var scratch = new float[c.ScratchSize];

        var freshDinput = new float[c.InputLength];
        var freshDweight = new float[c.WeightLength];
        var freshDbias = new float[c.OutChannels];
        c.Backward(seed, input, weight, freshDinput, freshDweight, freshDbias, scratch);

        var dinput = TestData.Filled(c.InputLength, float.NaN);
        var dweight = TestData.Filled(c.WeightLength, 0.5f);
        var dbias = TestData.Filled(c.OutChannels, -2f);
        c.Backward(seed, input, weight, dinput, dweight, dbias, scratch);

        Assert.Equal(freshDinput, dinput);   // overwritten: the NaNs are gone, bit for bit the fresh result
        // Accumulated: the starting value joins the per-sample float sums (batch 2) at a different
        // place, which changes at most two roundings of 2^-24 * (|gradient| + |start|) each.
        TestData.AssertClose(freshDweight.Select(g => g + 0.5f).ToArray(), dweight, TestData.Abs(freshDweight), 3e-7, 3e-7 * 0.5, "dweight");
        TestData.AssertClose(freshDbias.Select(g => g - 2f).ToArray(), dbias, TestData.Abs(freshDbias), 3e-7, 3e-7 * 2, "dbias");
    }

    [Theory]
    [InlineData("3x3, dilation 2, padding 2")]
    [InlineData("1x1, fast path")]
    public void Backward_EmptyGradientSpans_AreSkipped(string caseName)
    {
        ConvCase c = Case(caseName);
        var random = new Random(6);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] seed = TestData.Uniform(random, c.OutputLength);
        var scratch = new float[c.ScratchSize];
        var allDinput = new float[c.InputLength];
        var allDweight = new float[c.WeightLength];
        var allDbias = new float[c.OutChannels];
        c.Backward(seed, input, weight, allDinput, allDweight, allDbias, scratch);

        var dweight = new float[c.WeightLength];
        c.Backward(seed, input, weight, [], dweight, [], scratch);         // first layer, no bias
        Assert.Equal(allDweight, dweight);

        var dinput = new float[c.InputLength];
        c.Backward(seed, input, weight, dinput, [], [], scratch);          // frozen layer
        Assert.Equal(allDinput, dinput);
    }

    [Fact]
    public void Forward_BadSpanLengths_ThrowNamingTheArgument()
    {
        ConvCase c = Case("3x3, stride 2, padding 1");
        float[] input = new float[c.InputLength], weight = new float[c.WeightLength], bias = new float[c.OutChannels];
        float[] output = new float[c.OutputLength], scratch = new float[c.ScratchSize];

        var error = Assert.Throws<ArgumentException>(() => c.Forward(new float[c.InputLength - 1], weight, bias, output, scratch));
        Assert.Equal("input", error.ParamName);
        Assert.Contains($"needs {c.InputLength}", error.Message);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => c.Forward(input, new float[c.WeightLength + 1], bias, output, scratch)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => c.Forward(input, weight, new float[1], output, scratch)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => c.Forward(input, weight, bias, new float[c.OutputLength + 3], scratch)).ParamName);
        error = Assert.Throws<ArgumentException>(() => c.Forward(input, weight, bias, output, new float[c.ScratchSize - 1]));
        Assert.Equal("scratch", error.ParamName);
        Assert.Contains($"at least {c.ScratchSize}", error.Message);
        Assert.Equal("dinput", Assert.Throws<ArgumentException>(() =>
            c.Backward(output, input, weight, new float[3], new float[c.WeightLength], bias, scratch)).ParamName);
        Assert.Equal("dweight", Assert.Throws<ArgumentException>(() =>
            c.Backward(output, input, weight, [], new float[3], bias, scratch)).ParamName);
        Assert.Equal("doutput", Assert.Throws<ArgumentException>(() =>
            c.Backward(input, input, weight, [], [], [], scratch)).ParamName);
    }
}
