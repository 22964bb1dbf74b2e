using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// The batched convolution kernels (im2col + one matrix product per chunk of samples, chunks split across threads):
/// shapes large enough to make several chunks and run on the pool, compared with the double-precision reference;
/// results identical for every split; the fused bias + activation epilogue.
/// </summary>
public class Conv2DChunkTests
{
    // Several chunks each, odd batch so the last chunk is short, padding, stride and dilation; LeNet-5's two
    // convolutions at batch 64 (22 and 32 chunks) and one sample.
    private static readonly ConvCase[] Cases =
    [
        new ConvCase("13x3x17x19 -> 7, 3x3 pad 1", 13, 3, 17, 19, 7, 3, 3, PadH: 1, PadW: 1),
        new ConvCase("9x2x23x21 -> 5, 5x3 stride 2x1 pad 2x1", 9, 2, 23, 21, 5, 5, 3, StrideH: 2, StrideW: 1, PadH: 2, PadW: 1),
        new ConvCase("7x4x15x16 -> 9, 3x3 dilation 2", 7, 4, 15, 16, 9, 3, 3, DilationH: 2, DilationW: 2),
        new ConvCase("5x17x9x9 -> 33, 1x1", 5, 17, 9, 9, 33, 1, 1),
        new ConvCase("LeNet conv1 b64", 64, 1, 28, 28, 6, 5, 5, PadH: 2, PadW: 2),
        new ConvCase("LeNet conv2 b64", 64, 6, 14, 14, 16, 5, 5),
        new ConvCase("LeNet conv2 b1", 1, 6, 14, 14, 16, 5, 5),
        // Where AVX-512 runs, the input gradient of these takes the sample-lane kernel (Conv2D.InputGradientLanes.cs):
        // a last block of one sample, two blocks of input channels (the second of one), rows of 6 and 11 positions.
        new ConvCase("LeNet conv2 b17 (lanes: a last block of 1)", 17, 6, 14, 14, 16, 5, 5),
        new ConvCase("33x7x9x11 -> 5, 3x3 (lanes: 2 channel blocks)", 33, 7, 9, 11, 5, 3, 3),
        new ConvCase("16x2x6x6 -> 3, 5x5 pad 2 (lanes: a row's last 2 positions)", 16, 2, 6, 6, 3, 5, 5, PadH: 2, PadW: 2),
        // Both gradients in the lanes (the weight gradient too, with AVX-512): a last block of 4 samples, 7 output
        // channels (a tile of 1 past the first 6), 50 taps (a tile of 2 past 48).
        new ConvCase("20x2x6x6 -> 7, 5x5 pad 2 (both gradients in lanes)", 20, 2, 6, 6, 7, 5, 5, PadH: 2, PadW: 2),
    ];

    public static TheoryData<string> ChunkedCases => new(Cases.Select(c => c.Name));

    private static ConvCase Case(string name) => Cases.Single(c => c.Name == name);

    // Each sum has at most B*OH*OW terms (dweight): 64*784 = 50176 for LeNet conv1, so float rounding stays below
    // 50176 * 2^-24 = 3e-3 of the sum of magnitudes in the worst case; sums of random-signed terms grow like the
    // square root, and 2e-4 * scale holds with a wide margin (the per-sample kernels' own bound is 3e-5 at 414 terms).
    [Theory]
    [MemberData(nameof(ChunkedCases))]
    public void ChunkedKernels_MatchReference(string name) => AssertMatchesReference(Case(name));

    // The Vector256 kernels (an AVX2 machine's direct correlation and weight gradient, and its GEMM tiles) where the CPU
    // has AVX-512, on this thread only (ForceVector256 is per thread, so the parts run here one after another).
    [Theory]
    [MemberData(nameof(ChunkedCases))]
    public void ChunkedKernels_OnVector256_MatchReference(string name)
    {
        Conv2D.SequentialParts = 2;
        Gemm.ForceVector256 = true;
        try
        {
            AssertMatchesReference(Case(name));
        }
        finally
        {
            Conv2D.SequentialParts = 0;
            Gemm.ForceVector256 = false;
        }
    }

    private static void AssertMatchesReference(ConvCase c)
    {
        var random = new Random(c.Name.Length * 31 + c.Batch);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels), seed = TestData.Uniform(random, c.OutputLength);
        var scratch = new float[c.ScratchSize];

        var output = new float[c.OutputLength];
        var expected = new float[c.OutputLength];
        var scale = new float[c.OutputLength];
        c.Forward(input, weight, bias, output, scratch);
        c.ForwardReference(input, weight, bias, expected);
        c.ForwardReference(TestData.Abs(input), TestData.Abs(weight), TestData.Abs(bias), scale);
        TestData.AssertClose(expected, output, scale, 3e-5, 1e-6, $"{c} output");

        var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten
        var dweight = TestData.Filled(c.WeightLength, 0.5f);      // accumulated
        var dbias = TestData.Filled(c.OutChannels, 0.5f);
        c.Backward(seed, input, weight, dinput, dweight, dbias, scratch);
        var expectedDinput = new float[c.InputLength];
        var expectedDweight = TestData.Filled(c.WeightLength, 0.5f);
        var expectedDbias = TestData.Filled(c.OutChannels, 0.5f);
        c.BackwardReference(seed, input, weight, expectedDinput, expectedDweight, expectedDbias);
        var scaleDinput = new float[c.InputLength];
        var scaleDweight = TestData.Filled(c.WeightLength, 0.5f);
        var scaleDbias = TestData.Filled(c.OutChannels, 0.5f);
        c.BackwardReference(TestData.Abs(seed), TestData.Abs(input), TestData.Abs(weight), scaleDinput, scaleDweight, scaleDbias);
        TestData.AssertClose(expectedDinput, dinput, scaleDinput, 3e-5, 1e-6, $"{c} dinput");
        TestData.AssertClose(expectedDweight, dweight, scaleDweight, 2e-4, 1e-6, $"{c} dweight");
        TestData.AssertClose(expectedDbias, dbias, scaleDbias, 2e-4, 1e-6, $"{c} dbias");
    }

    [Theory]
    [MemberData(nameof(ChunkedCases))]
    public void ChunkedKernels_GiveIdenticalBits_ForEverySplitAcrossThreads(string name)
    {
        ConvCase c = Case(name);
        var random = new Random(7);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels), seed = TestData.Uniform(random, c.OutputLength);
        (float[] Output, float[] Dinput, float[] Dweight, float[] Dbias) Run(int parts)
        {
            var scratch = TestData.Filled(c.ScratchSize, float.NaN);   // what scratch held before means nothing
            var output = new float[c.OutputLength];
            var dinput = new float[c.InputLength];
            var dweight = new float[c.WeightLength];
            var dbias = new float[c.OutChannels];
            Conv2D.SequentialParts = parts;
            try
            {
                c.Forward(input, weight, bias, output, scratch);
                c.Backward(seed, input, weight, dinput, dweight, dbias, scratch);
            }
            finally
            {
                Conv2D.SequentialParts = 0;
            }
            return (output, dinput, dweight, dbias);
        }

        var one = Run(1);
        foreach (int parts in new[] { 2, 3, 4 })
        {
            var split = Run(parts);
            Assert.Equal(one.Output, split.Output);
            Assert.Equal(one.Dinput, split.Dinput);
            Assert.Equal(one.Dweight, split.Dweight);
            Assert.Equal(one.Dbias, split.Dbias);
        }
        // And on the shared pool, whatever its size.
        var pooled = (Output: new float[c.OutputLength], Dweight: new float[c.WeightLength]);
        var scratch = new float[c.ScratchSize];
        c.Forward(input, weight, bias, pooled.Output, scratch);
        c.Backward(seed, input, weight, new float[c.InputLength], pooled.Dweight, new float[c.OutChannels], scratch);
        Assert.Equal(one.Output, pooled.Output);
        Assert.Equal(one.Dweight, pooled.Dweight);
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Identity)]
    public void FusedActivation_EqualsConvolutionThenActivation(Activation activation)
    {
        // Rows of 12 outputs (vector steps with an overlapping last one), rows of 5 (one by one), and a stride (im2col).
        foreach (var c in new[]
        {
            new ConvCase("11x3x13x12 -> 6, 3x3 pad 1", 11, 3, 13, 12, 6, 3, 3, PadH: 1, PadW: 1),
            new ConvCase("5x2x6x7 -> 8, 3x3", 5, 2, 6, 7, 8, 3, 3),
            new ConvCase("4x3x9x9 -> 5, 3x3 stride 2", 4, 3, 9, 9, 5, 3, 3, StrideH: 2, StrideW: 2),
        })
            FusedEqualsSeparate(c, activation);
    }

    private static void FusedEqualsSeparate(ConvCase c, Activation activation)
    {
        var random = new Random(5);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        var scratch = new float[c.ScratchSize];
        var separate = new float[c.OutputLength];
        c.Forward(input, weight, bias, separate, scratch);
        Activations.Forward(activation, separate, separate);
        var fused = new float[c.OutputLength];
        Conv2D.Forward(input, weight, bias, fused, scratch, activation, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels,
            c.KernelH, c.KernelW, c.StrideH, c.StrideW, c.PadH, c.PadW, c.DilationH, c.DilationW);
        Assert.Equal(separate, fused);   // the same operations in the same order
    }

    [Fact]
    public void FusedActivation_WhoseBackwardReadsTheInput_IsRejected_NamingTheArgument()
    {
        var c = new ConvCase("1x1x5x5 -> 1, 3x3", 1, 1, 5, 5, 1, 3, 3);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.Forward(new float[c.InputLength], new float[c.WeightLength], [],
            new float[c.OutputLength], new float[c.ScratchSize], Activation.GELU, 1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1));
        Assert.Equal("activation", error.ParamName);
    }

    [Fact]
    public void TooSmallScratch_IsRejected_NamingScratchSize()
    {
        var c = new ConvCase("LeNet conv2 b64", 64, 6, 14, 14, 16, 5, 5);
        var error = Assert.Throws<ArgumentException>(() => c.Forward(new float[c.InputLength], new float[c.WeightLength], new float[16],
            new float[c.OutputLength], new float[c.ScratchSize - 1]));
        Assert.Equal("scratch", error.ParamName);
        Assert.Contains("Conv2D.ScratchSize", error.Message);
    }

    [Fact]
    public void InputGradient_TakesTheSampleLanes_WhereTheGridWouldWasteMost()
    {
        // The cases above that name the lanes do run them wherever the direct path runs (AVX2 + FMA, or AVX-512).
        bool direct = Conv2D.DirectSupported;
        Assert.Equal(direct, Conv2D.LaneGradients(64, 6, 14, 14, 16, 5, 0).Input);     // LeNet-5's conv2
        Assert.Equal(direct, Conv2D.LaneGradients(17, 6, 14, 14, 16, 5, 0).Input);
        Assert.Equal(direct, Conv2D.LaneGradients(33, 7, 9, 11, 5, 3, 0).Input);
        Assert.Equal(direct, Conv2D.LaneGradients(16, 2, 6, 6, 3, 5, 2).Input);
        Assert.False(Conv2D.LaneGradients(15, 6, 14, 14, 16, 5, 0).Input);             // fewer samples than lanes
        Assert.False(Conv2D.LaneGradients(64, 1, 28, 28, 6, 5, 2).Input);              // LeNet-5's conv1: little to gain
        Assert.False(Conv2D.LaneGradients(64, 16, 28, 28, 32, 3, 1).Input);            // 3x3 same padding: little to gain
        Assert.Equal(direct, Conv2D.LaneGradients(20, 2, 6, 6, 7, 5, 2).Input);

        // The weight gradient: where AVX-512 runs, for few output channels on planes the grid fills poorly.
        bool wide = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;
        Assert.Equal(wide, Conv2D.LaneGradients(64, 1, 28, 28, 6, 5, 2).Weight);       // LeNet-5's conv1
        Assert.Equal(wide, Conv2D.LaneGradients(20, 2, 6, 6, 7, 5, 2).Weight);
        Assert.False(Conv2D.LaneGradients(64, 6, 14, 14, 16, 5, 0).Weight);            // LeNet-5's conv2: 16 channels fill the channel vectors
        Assert.False(Conv2D.LaneGradients(15, 1, 28, 28, 6, 5, 2).Weight);             // fewer samples than lanes
    }

    // The sample-lane input gradient on Vector256 (AVX2's tiles of one position, two halves of 8 samples, and 8 x 8
    // transposes) computes each value with the same chain of multiply-adds as on Vector512: the same bits.
    [Theory]
    [InlineData("LeNet conv2 b17 (lanes: a last block of 1)")]
    [InlineData("33x7x9x11 -> 5, 3x3 (lanes: 2 channel blocks)")]
    [InlineData("16x2x6x6 -> 3, 5x5 pad 2 (lanes: a row's last 2 positions)")]
    public void SampleLaneInputGradient_GivesTheSameBits_OnVector256AndVector512(string name)
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) return;   // nothing to compare with
        ConvCase c = Case(name);
        var random = new Random(11);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] seed = TestData.Uniform(random, c.OutputLength);
        float[] InputGradient(bool narrow)
        {
            var dinput = new float[c.InputLength];
            Conv2D.SequentialParts = 2;
            Gemm.ForceVector256 = narrow;
            try
            {
                c.Backward(seed, input, weight, dinput, [], [], TestData.Filled(c.ScratchSize, float.NaN));
            }
            finally
            {
                Conv2D.SequentialParts = 0;
                Gemm.ForceVector256 = false;
            }
            return dinput;
        }
        Assert.Equal(InputGradient(false), InputGradient(true));
    }
}
