using System.Runtime.InteropServices;
using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// Inference's fused convolution + bias + activation + 2x2 max pooling (<see cref="Conv2D.ForwardMaxPoolChannels"/>,
/// <c>Conv2D.ForwardMaxPoolPlanes</c>) against the reference convolution followed by the reference pooling, on
/// awkward shapes; bit-identical results for every split across threads; NaN propagation; bad spans.
/// </summary>
public class Conv2DMaxPoolTests
{
    // Odd planes (the pooling drops the last row or column), channels 1, 3, 7 in and 1, 6, 16, 17, 33 out, padding
    // 0 to 2, and, for the channel-vector kernel alone, stride 2 and dilation 2; LeNet's two layers at 1 and 5 samples.
    private static readonly ConvCase[] Cases =
    [
        new ConvCase("LeNet conv1 b1", 1, 1, 28, 28, 6, 5, 5, PadH: 2, PadW: 2),
        new ConvCase("LeNet conv2 b1", 1, 6, 14, 14, 16, 5, 5),
        new ConvCase("LeNet conv2 b5", 5, 6, 14, 14, 16, 5, 5),
        new ConvCase("3x3x11x13 -> 7, 3x3 pad 1", 3, 3, 11, 13, 7, 3, 3, PadH: 1, PadW: 1),
        new ConvCase("2x7x9x9 -> 17, 3x3", 2, 7, 9, 9, 17, 3, 3),
        new ConvCase("1x1x5x6 -> 1, 2x2 pad 1", 1, 1, 5, 6, 1, 2, 2, PadH: 1, PadW: 1),
        new ConvCase("1x2x2x4 -> 3, 1x1 (2 windows)", 1, 2, 2, 4, 3, 1, 1),
        new ConvCase("4x3x17x15 -> 33, 5x5 pad 2", 4, 3, 17, 15, 33, 5, 5, PadH: 2, PadW: 2),
        new ConvCase("2x3x19x17 -> 16, 3x3 stride 2 pad 1", 2, 3, 19, 17, 16, 3, 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1),
        new ConvCase("3x7x13x12 -> 6, 3x3 dilation 2 pad 2", 3, 7, 13, 12, 6, 3, 3, PadH: 2, PadW: 2, DilationH: 2, DilationW: 2),
        new ConvCase("2x2x9x41 -> 5, 3x3 pad 1 (20 pooled columns: two chunks of 16)", 2, 2, 9, 41, 5, 3, 3, PadH: 1, PadW: 1),
    ];

    public static TheoryData<string, bool> KernelCases()
    {
        var data = new TheoryData<string, bool>();
        foreach (ConvCase c in Cases)
        {
            data.Add(c.Name, true);
            if (c.StrideH == 1 && c.DilationH == 1) data.Add(c.Name, false);
        }
        return data;
    }

    private static ConvCase Case(string name) => Cases.Single(c => c.Name == name);

    private static int PooledLength(ConvCase c) => c.Batch * c.OutChannels * (c.OutHeight / 2) * (c.OutWidth / 2);

    private static void Run(ConvCase c, bool channels, float[] input, float[] weight, float[] bias, float[] pooled, float[] scratch, Activation activation)
    {
        if (channels)
            Conv2D.ForwardMaxPoolChannels(input, weight, bias, pooled, scratch, activation, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
        else
            Conv2D.ForwardMaxPoolPlanes(input, weight, bias, pooled, scratch, activation, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
    }

    private static float[] Scratch(ConvCase c, bool channels, float fill) =>
        TestData.Filled(Conv2D.MaxPoolScratchSize(channels, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH), fill);

    // pooled = activation(max over each 2x2 window of the reference convolution + bias), the window of scale the
    // largest |conv| of |input| and |weight| (the per-sample convolution tests' bound: 3e-5 of it).
    private static (float[] Expected, float[] Scale) Reference(ConvCase c, float[] input, float[] weight, float[] bias, Activation activation)
    {
        var conv = new float[c.OutputLength];
        var magnitude = new float[c.OutputLength];
        c.ForwardReference(input, weight, new float[c.OutChannels], conv);
        c.ForwardReference(TestData.Abs(input), TestData.Abs(weight), TestData.Abs(bias), magnitude);
        int ph = c.OutHeight / 2, pw = c.OutWidth / 2;
        var expected = new float[PooledLength(c)];
        var scale = new float[expected.Length];
        for (int plane = 0; plane < c.Batch * c.OutChannels; plane++)
        for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++)
        {
            float best = float.NegativeInfinity, size = 0f;
            for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                int at = (plane * c.OutHeight + 2 * y + i) * c.OutWidth + 2 * x + j;
                best = Math.Max(best, conv[at]);
                size = Math.Max(size, magnitude[at]);
            }
            float value = best + bias[plane % c.OutChannels];
            expected[(plane * ph + y) * pw + x] = activation == Activation.ReLU ? Math.Max(value, 0f) : value;
            scale[(plane * ph + y) * pw + x] = size;
        }
        return (expected, scale);
    }

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void FusedConvolutionAndPooling_MatchesReferenceConvolutionThenPooling(string name, bool channels)
    {
        ConvCase c = Case(name);
        var random = new Random(c.Name.Length * 17 + (channels ? 1 : 0));
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        foreach (Activation activation in new[] { Activation.ReLU, Activation.Identity })
        {
            var pooled = TestData.Filled(PooledLength(c), float.NaN);
            Run(c, channels, input, weight, bias, pooled, Scratch(c, channels, float.NaN), activation);
            var (expected, scale) = Reference(c, input, weight, bias, activation);
            TestData.AssertClose(expected, pooled, scale, 3e-5, 1e-6, $"{c} {(channels ? "channels" : "planes")} {activation}");
        }
    }

    // The argmax of each window is one of its 4 positions, and the reference activated convolution there is the
    // window's maximum (to the kernels' rounding); where the window's maximum is not positive under ReLU every
    // position ties at 0 and the first wins, as in Pooling.MaxForward.
    [Theory]
    [MemberData(nameof(KernelCases))]
    public void FusedConvolutionAndPooling_WithArgmax_PicksEachWindowsMaximum(string name, bool channels)
    {
        if (!channels) return;   // the argmax is written by the channel-vector kernel only
        ConvCase c = Case(name);
        var random = new Random(c.Name.Length * 29);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        foreach (Activation activation in new[] { Activation.ReLU, Activation.Identity })
        {
            var pooled = new float[PooledLength(c)];
            var argmax = TestData.Filled(PooledLength(c), 0f).Select(_ => -1).ToArray();
            Conv2D.ForwardMaxPoolChannels(input, weight, bias, pooled, argmax, Scratch(c, true, float.NaN), activation,
                c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
            var (expected, scale) = Reference(c, input, weight, bias, activation);
            TestData.AssertClose(expected, pooled, scale, 3e-5, 1e-6, $"{c} {activation} pooled");
            var conv = new float[c.OutputLength];
            c.ForwardReference(input, weight, bias, conv);
            int ph = c.OutHeight / 2, pw = c.OutWidth / 2, plane = c.OutHeight * c.OutWidth;
            for (int o = 0; o < pooled.Length; o++)
            {
                int channelPlane = o / (ph * pw), q = o % (ph * pw), y = q / pw, x = q % pw;
                int first = 2 * y * c.OutWidth + 2 * x;
                Assert.Contains(argmax[o], new[] { first, first + 1, first + c.OutWidth, first + c.OutWidth + 1 });
                float at = conv[channelPlane * plane + argmax[o]];
                if (activation == Activation.ReLU) at = Math.Max(at, 0f);
                Assert.True(Math.Abs(at - expected[o]) <= 6e-5 * scale[o] + 1e-6, $"{c} {activation} window {o}: argmax value {at}, maximum {expected[o]}");
                if (activation == Activation.ReLU && pooled[o] == 0f) Assert.Equal(first, argmax[o]);
            }
        }
    }

    [Fact]
    public void FusedConvolutionAndPooling_WithoutBias_AddsNothing()
    {
        ConvCase c = Case("2x7x9x9 -> 17, 3x3");
        var random = new Random(3);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        foreach (bool channels in new[] { true, false })
        {
            var pooled = new float[PooledLength(c)];
            Run(c, channels, input, weight, [], pooled, Scratch(c, channels, float.NaN), Activation.Identity);
            var (expected, scale) = Reference(c, input, weight, new float[c.OutChannels], Activation.Identity);
            TestData.AssertClose(expected, pooled, scale, 3e-5, 1e-6, $"{c} no bias");
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void FusedConvolutionAndPooling_GivesIdenticalBits_ForEverySplitAcrossThreads(string name, bool channels)
    {
        ConvCase c = Case(name);
        var random = new Random(11);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        float[] Pooled(int parts)
        {
            var pooled = new float[PooledLength(c)];
            Conv2D.SequentialParts = parts;
            try { Run(c, channels, input, weight, bias, pooled, Scratch(c, channels, float.NaN), Activation.ReLU); }
            finally { Conv2D.SequentialParts = 0; }
            return pooled;
        }

        float[] one = Pooled(1);
        foreach (int parts in new[] { 2, 3, 4 }) Assert.Equal(one, Pooled(parts));
        var pool = new float[PooledLength(c)];
        Run(c, channels, input, weight, bias, pool, Scratch(c, channels, 0f), Activation.ReLU);
        Assert.Equal(one, pool);
    }

    // Where the CPU has AVX-512, the Vector256 kernels (what an AVX2 machine runs) against the Vector512 ones: the
    // same chain of multiply-adds per value, so the same bits, argmax included. Elsewhere both runs take Vector256.
    [Theory]
    [MemberData(nameof(KernelCases))]
    public void FusedConvolutionAndPooling_GivesIdenticalBits_OnVector256AndVector512(string name, bool channels)
    {
        ConvCase c = Case(name);
        var random = new Random(13);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        (float[] Pooled, int[] Argmax) Pooled(bool vector256)
        {
            var pooled = new float[PooledLength(c)];
            var argmax = new int[PooledLength(c)];
            Conv2D.SequentialParts = 2;   // this thread only: ForceVector256 is per thread
            Gemm.ForceVector256 = vector256;
            try
            {
                if (channels)
                    Conv2D.ForwardMaxPoolChannels(input, weight, bias, pooled, argmax, Scratch(c, true, float.NaN), Activation.ReLU,
                        c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
                else Run(c, channels, input, weight, bias, pooled, Scratch(c, channels, float.NaN), Activation.ReLU);
            }
            finally
            {
                Conv2D.SequentialParts = 0;
                Gemm.ForceVector256 = false;
            }
            return (pooled, argmax);
        }

        var (wide, wideArgmax) = Pooled(vector256: false);
        var (narrow, narrowArgmax) = Pooled(vector256: true);
        Assert.Equal(wide, narrow);
        Assert.Equal(wideArgmax, narrowArgmax);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FusedConvolutionAndPooling_PropagatesNaN_ToTheWindowsThatReadIt(bool channels)
    {
        ConvCase c = Case("LeNet conv2 b1");
        var random = new Random(5);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        input[0] = float.NaN;   // channel 0, row 0, column 0: read by conv output (0, 0) alone, in pooled window (0, 0) of every channel
        var pooled = new float[PooledLength(c)];
        Run(c, channels, input, weight, bias, pooled, Scratch(c, channels, 0f), Activation.ReLU);
        int windows = (c.OutHeight / 2) * (c.OutWidth / 2);
        for (int oc = 0; oc < c.OutChannels; oc++)
        {
            Assert.True(float.IsNaN(pooled[oc * windows]), $"channel {oc} window 0");
            Assert.False(float.IsNaN(pooled[oc * windows + 1]), $"channel {oc} window 1");
        }
    }

    private static float[] Prepared(ConvCase c, bool channels, float fill) =>
        TestData.Filled(Conv2D.MaxPoolPreparedSize(channels, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH), fill);

    private static void RunPrepared(ConvCase c, bool channels, float[] input, float[] weight, float[] bias, float[] pooled, float[] prepared, float[] scratch)
    {
        if (channels)
            Conv2D.ForwardMaxPoolChannels(input, weight, bias, pooled, default, prepared, scratch, Activation.ReLU, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
        else
            Conv2D.ForwardMaxPoolPlanes(input, weight, bias, pooled, prepared, scratch, Activation.ReLU, c.Batch, c.InChannels, c.Height, c.Width, c.OutChannels, c.KernelH, c.StrideH, c.PadH, c.DilationH);
    }

    // The prepared overloads keep the arranged weights between calls. Each call must give the bits the overload
    // without them gives for the weights and bias of that call: the first call (a NaN-filled buffer), calls with the
    // same weights (nothing arranged), a changed weight, a changed bias, no bias after a bias and zeros after none,
    // new weights, and a scratch buffer another layer wrote in between (it holds no arranged weights).
    [Theory]
    [MemberData(nameof(KernelCases))]
    public void FusedConvolutionAndPooling_WithPreparedWeights_FollowsEveryChangeOfTheWeights(string name, bool channels)
    {
        ConvCase c = Case(name);
        var random = new Random(c.Name.Length * 31 + (channels ? 1 : 0));
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels);
        float[] prepared = Prepared(c, channels, float.NaN), scratch = Scratch(c, channels, float.NaN);
        int call = 0;
        void Check(float[] w, float[] b, string what)
        {
            var expected = new float[PooledLength(c)];
            Run(c, channels, input, w, b, expected, Scratch(c, channels, float.NaN), Activation.ReLU);
            var pooled = TestData.Filled(PooledLength(c), float.NaN);
            RunPrepared(c, channels, input, w, b, pooled, prepared, scratch);
            Assert.True(MemoryMarshal.Cast<float, int>(expected).SequenceEqual(MemoryMarshal.Cast<float, int>(pooled)), $"{c} {(channels ? "channels" : "planes")}, call {call}: {what}");
            call++;
        }
        Check(weight, bias, "first call");
        Check(weight, bias, "same weights");
        Check(weight, bias, "same weights again");
        weight[c.WeightLength / 2] += 0.25f;
        Check(weight, bias, "one weight changed");
        bias[c.OutChannels - 1] -= 0.5f;
        Check(weight, bias, "one bias changed");
        Array.Fill(weight, 0f);
        Check(weight, bias, "zero weights");
        Check(weight, [], "no bias after a bias");
        Check(weight, new float[c.OutChannels], "zero bias after no bias");
        weight = TestData.Uniform(random, c.WeightLength);
        Check(weight, bias, "new weights");
        Array.Fill(scratch, 7f);
        Check(weight, bias, "scratch overwritten in between");
    }

    [Fact]
    public void FusedConvolutionAndPooling_WithPreparedWeights_ArrangesOnlyWhenTheWeightsChange()
    {
        // The arranged weights live in the prepared buffer: poisoning them shows whether a call arranged again.
        ConvCase c = Case("LeNet conv2 b1");
        var random = new Random(5);
        float[] input = TestData.Uniform(random, c.InputLength), weight = TestData.Uniform(random, c.WeightLength);
        float[] bias = TestData.Uniform(random, c.OutChannels), pooled = new float[PooledLength(c)];
        float[] prepared = Prepared(c, true, 0f), scratch = Scratch(c, true, 0f);
        RunPrepared(c, true, input, weight, bias, pooled, prepared, scratch);
        Assert.DoesNotContain(pooled, float.IsNaN);
        prepared[0] = float.NaN;   // the first arranged weight: used by the first channel block's first tap
        RunPrepared(c, true, input, weight, bias, pooled, prepared, scratch);
        Assert.Contains(pooled, float.IsNaN);
        weight[1] += 1f;           // a new weight: arranged again, the poison overwritten
        RunPrepared(c, true, input, weight, bias, pooled, prepared, scratch);
        Assert.DoesNotContain(pooled, float.IsNaN);
        // Bit for bit: a weight going from 0 to -0 (equal as floats) is a change too.
        weight[1] = 0f;
        RunPrepared(c, true, input, weight, bias, pooled, prepared, scratch);
        prepared[0] = float.NaN;
        weight[1] = -0f;
        RunPrepared(c, true, input, weight, bias, pooled, prepared, scratch);
        Assert.DoesNotContain(pooled, float.IsNaN);
    }

    [Fact]
    public void FusedConvolutionAndPooling_RejectsAPreparedBufferOfTheWrongSize()
    {
        ConvCase c = Case("LeNet conv1 b1");
        float[] input = new float[c.InputLength], weight = new float[c.WeightLength], bias = new float[c.OutChannels];
        int size = Conv2D.MaxPoolPreparedSize(false, 1, 28, 28, 6, 5, 1, 2, 1);
        var error = Assert.Throws<ArgumentException>(() => Conv2D.ForwardMaxPoolPlanes(input, weight, bias, new float[6 * 14 * 14], new float[size - 1],
            Scratch(c, false, 0f), Activation.ReLU, 1, 1, 28, 28, 6, 5, 1, 2, 1));
        Assert.Equal("prepared", error.ParamName);
        Assert.Contains("Conv2D.MaxPoolPreparedSize", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.ForwardMaxPoolPlanes(input, weight, bias, new float[6 * 14 * 14], [],
            Scratch(c, false, 0f), Activation.ReLU, 1, 1, 28, 28, 6, 5, 1, 2, 1));
    }

    [Fact]
    public void FusedConvolutionAndPooling_RejectsWrongSpans_NamingThem()
    {
        ConvCase c = Case("LeNet conv2 b1");
        float[] input = new float[c.InputLength], weight = new float[c.WeightLength], bias = new float[c.OutChannels];
        float[] scratch = Scratch(c, true, 0f);
        var error = Assert.Throws<ArgumentException>(() => Conv2D.ForwardMaxPoolChannels(input, weight, bias, new float[399], scratch, Activation.ReLU,
            1, 6, 14, 14, 16, 5, 1, 0, 1));
        Assert.Equal("pooled", error.ParamName);
        Assert.Contains("[1,16,5,5] needs 400", error.Message);
        error = Assert.Throws<ArgumentException>(() => Conv2D.ForwardMaxPoolChannels(input, weight, bias, new float[400], new float[10], Activation.ReLU,
            1, 6, 14, 14, 16, 5, 1, 0, 1));
        Assert.Equal("scratch", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.ForwardMaxPoolChannels(input, weight, bias, new float[400], scratch, Activation.Sigmoid,
            1, 6, 14, 14, 16, 5, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2D.MaxPoolScratchSize(false, 1, 6, 14, 14, 16, 5, 2, 0, 1));
    }
}
