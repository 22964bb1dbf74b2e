using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// The direct path's weight gradient in vectors of 16 output channels (5x5 kernels with many channels, as LeNet's
/// conv 6->16): against the double-precision reference and finite differences, on shapes that take it (checked),
/// and bit-identical for every split across threads.
/// </summary>
public class Conv2DChannelWeightGradientTests
{
    // Channels 16, 17 (a second, nearly empty vector block), 32 and 33 out, 1, 3, 6, 7 in (odd kernel-row counts
    // repeat a row), padding 0 to 2, odd planes, one and several chunks.
    private static readonly ConvCase[] Cases =
    [
        new ConvCase("LeNet conv2 b64", 64, 6, 14, 14, 16, 5, 5),
        new ConvCase("LeNet conv2 b1", 1, 6, 14, 14, 16, 5, 5),
        new ConvCase("3x7x11x9 -> 16, pad 1", 3, 7, 11, 9, 16, 5, 5, PadH: 1, PadW: 1),
        new ConvCase("2x3x9x13 -> 32, pad 2", 2, 3, 9, 13, 32, 5, 5, PadH: 2, PadW: 2),
        new ConvCase("5x1x7x7 -> 33, pad 2", 5, 1, 7, 7, 33, 5, 5, PadH: 2, PadW: 2),
        new ConvCase("9x6x12x10 -> 24", 9, 6, 12, 10, 24, 5, 5),
    ];

    public static TheoryData<string> CaseNames => new(Cases.Select(c => c.Name));

    private static ConvCase Case(string name) => Cases.Single(c => c.Name == name);

    private static bool TakesChannelPath(ConvCase c) =>
        Conv2D.UsesChannelWeightGradient(c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.PadH);

    [Fact]
    public void ChannelWeightGradient_IsChosen_ForManyChannels_NotForLeNetConv1()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;   // the positions kernel everywhere
        foreach (ConvCase c in Cases.Where(c => c.OutChannels != 33)) Assert.True(TakesChannelPath(c), c.Name);
        Assert.False(Conv2D.UsesChannelWeightGradient(64, 1, 28, 28, 6, 5, 2), "LeNet conv1: 6 channels fill 6 of 16 lanes");
        Assert.False(Conv2D.UsesChannelWeightGradient(4, 6, 14, 14, 16, 3, 1), "3x3 kernels: not written for them");
    }

    // Sums of up to B*OH*OW terms (6400 for LeNet conv2 at 64): 2e-4 of the sum of magnitudes, as the chunked kernels' bound.
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ChannelWeightGradient_MatchesReference(string name)
    {
        ConvCase c = Case(name);
        var random = new Random(c.Name.Length * 13 + c.Batch);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] seed = TestData.Uniform(random, c.OutputLength);
        var dinput = TestData.Filled(c.InputLength, float.NaN);
        var dweight = TestData.Filled(c.WeightLength, 0.5f);
        var dbias = TestData.Filled(c.OutChannels, 0.5f);
        c.Backward(seed, input, weight, dinput, dweight, dbias, TestData.Filled(c.ScratchSize, float.NaN));
        var expectedDinput = new float[c.InputLength];
        var expectedDweight = TestData.Filled(c.WeightLength, 0.5f);
        var expectedDbias = TestData.Filled(c.OutChannels, 0.5f);
        c.BackwardReference(seed, input, weight, expectedDinput, expectedDweight, expectedDbias);
        var scaleDinput = new float[c.InputLength];
        var scaleDweight = TestData.Filled(c.WeightLength, 0.5f);
        var scaleDbias = TestData.Filled(c.OutChannels, 0.5f);
        c.BackwardReference(TestData.Abs(seed), TestData.Abs(input), TestData.Abs(weight), scaleDinput, scaleDweight, scaleDbias);
        TestData.AssertClose(expectedDweight, dweight, scaleDweight, 2e-4, 1e-6, $"{c} dweight");
        TestData.AssertClose(expectedDbias, dbias, scaleDbias, 2e-4, 1e-6, $"{c} dbias");
        TestData.AssertClose(expectedDinput, dinput, scaleDinput, 3e-5, 1e-6, $"{c} dinput");
    }

    [Fact]
    public void ChannelWeightGradient_MatchesFiniteDifferences()
    {
        ConvCase c = new("2x2x6x7 -> 17, pad 1", 2, 2, 6, 7, 17, 5, 5, PadH: 1, PadW: 1);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.True(TakesChannelPath(c));
        var random = new Random(21);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels), seed = TestData.Uniform(random, c.OutputLength);
        var dweight = new float[c.WeightLength];
        var dbias = new float[c.OutChannels];
        c.Backward(seed, input, weight, new float[c.InputLength], dweight, dbias, new float[c.ScratchSize]);
        double[] x = TestData.ToDouble(input), w = TestData.ToDouble(weight), b = TestData.ToDouble(bias), r = TestData.ToDouble(seed);
        double[] expected = TestData.FiniteDifferences(w, () => c.Objective(x, w, b, r), 1e-3);
        double[] absX = TestData.ToDouble(TestData.Abs(input)), absW = TestData.ToDouble(TestData.Abs(weight));
        double[] absB = TestData.ToDouble(TestData.Abs(bias)), absR = TestData.ToDouble(TestData.Abs(seed));
        double[] scale = TestData.FiniteDifferences(absW, () => c.Objective(absX, absW, absB, absR), 1e-3);
        TestData.AssertClose(expected, dweight, scale, 1e-5, 1e-6, "dweight");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ChannelWeightGradient_GivesIdenticalBits_ForEverySplitAcrossThreads(string name)
    {
        ConvCase c = Case(name);
        var random = new Random(5);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] seed = TestData.Uniform(random, c.OutputLength);
        float[] Dweight(int parts)
        {
            var dweight = new float[c.WeightLength];
            Conv2D.SequentialParts = parts;
            try { c.Backward(seed, input, weight, [], dweight, [], TestData.Filled(c.ScratchSize, float.NaN)); }
            finally { Conv2D.SequentialParts = 0; }
            return dweight;
        }

        float[] one = Dweight(1);
        foreach (int parts in new[] { 2, 3, 4 }) Assert.Equal(one, Dweight(parts));
        var pool = new float[c.WeightLength];
        c.Backward(seed, input, weight, [], pool, [], new float[c.ScratchSize]);
        Assert.Equal(one, pool);
    }
}
