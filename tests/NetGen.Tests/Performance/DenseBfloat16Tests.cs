using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Performance;

/// <summary>
/// <see cref="DenseBfloat16"/>: rounding to bfloat16, and the layer with bfloat16 weights against the same weights
/// multiplied in double, on the one-sample (weight rows split across cores) and batched shapes.
/// </summary>
public class DenseBfloat16Tests
{
    [Theory]
    [InlineData(1f, (ushort)0x3F80)]
    [InlineData(-2.5f, (ushort)0xC020)]
    [InlineData(1.00390625f, (ushort)0x3F80)]     // 1 + 2^-8: a tie between 0x3F80 and 0x3F81, to even
    [InlineData(1.01171875f, (ushort)0x3F82)]     // 1 + 3·2^-8: a tie between 0x3F81 and 0x3F82, to even
    [InlineData(1.0039064f, (ushort)0x3F81)]      // one float ulp above the first tie: up
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    [InlineData(3.4028235e38f, (ushort)0x7F80)]   // float.MaxValue rounds up to infinity, as IEEE rounding does
    public void FromSingle_RoundsToNearestEven(float value, ushort expected) =>
        Assert.Equal(expected, DenseBfloat16.FromSingle(value));

    [Fact]
    public void FromSingle_KeepsNaN() => Assert.True(float.IsNaN(DenseBfloat16.ToSingle(DenseBfloat16.FromSingle(float.NaN))));

    [Theory]
    [InlineData(1, 784, 256, Activation.ReLU)]
    [InlineData(1, 128, 10, Activation.Identity)]
    [InlineData(7, 17, 3, Activation.Tanh)]
    [InlineData(64, 129, 65, Activation.Sigmoid)]
    public void Forward_MatchesDoubleProductOfTheSameWeights(int batch, int inputs, int units, Activation activation)
    {
        float[] input = Numerics.Random(batch * inputs, 11), bias = Numerics.Random(units, 12);
        var weight = new ushort[units * inputs];
        DenseBfloat16.Convert(Numerics.Random(units * inputs, 13), weight);
        float[] output = Numerics.Random(batch * units, 14), expected = new float[batch * units];
        DenseBfloat16.Forward(input, weight, bias, output, batch, inputs, units, activation);
        DenseBfloat16.ForwardReference(input, weight, bias, expected, batch, inputs, units, activation);
        // Inputs and weights in [-1, 1]: the float sum of k + 1 terms errs by at most gamma_(k+2)·(k + 1) <= 5e-5 for
        // k = 784, plus a few ulps from the float activation.
        Numerics.AssertClose(expected, output, 1e-4, 1e-5, $"{batch}x{inputs}->{units} {activation}");
    }

    [Fact]
    public void Forward_ShortWeight_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            DenseBfloat16.Forward(new float[6], new ushort[5], [], new float[4], 2, 3, 2, Activation.Identity));
        Assert.Equal("weight", error.ParamName);
    }
}

/// <summary>
/// The AVX-512 pair path (32 weights per load, input deinterleaved) on awkward input lengths, the two-layer pass,
/// and results that do not depend on how the rows or segments are split across threads.
/// </summary>
public class DenseBfloat16PathTests
{
    private static ushort[] Weights(int count, ulong seed)
    {
        var weight = new ushort[count];
        DenseBfloat16.Convert(Numerics.Random(count, seed), weight);
        return weight;
    }

    [Theory]
    [InlineData(1, 32, 4)]
    [InlineData(1, 33, 5)]      // one input past a block: the scalar tail
    [InlineData(1, 47, 9)]      // 32 + 15
    [InlineData(2, 63, 7)]
    [InlineData(1, 65, 17)]
    [InlineData(3, 784, 13)]    // 24 blocks of 32, then 16 widened
    [InlineData(1, 1000, 6)]
    [InlineData(1, 4097, 4)]    // past MaxPairedInputs: the widening path
    public void Forward_AwkwardInputLengths_MatchDoubleProduct(int batch, int inputs, int units)
    {
        float[] input = Numerics.Random(batch * inputs, 21), bias = Numerics.Random(units, 22);
        ushort[] weight = Weights(units * inputs, 23);
        float[] output = new float[batch * units], expected = new float[batch * units];
        DenseBfloat16.Forward(input, weight, bias, output, batch, inputs, units, Activation.Identity);
        DenseBfloat16.ForwardReference(input, weight, bias, expected, batch, inputs, units, Activation.Identity);
        // Float sums of up to 4098 terms of magnitude <= 1: gamma_n * n <= 1e-3 in the worst case, far less in practice.
        Numerics.AssertClose(expected, output, 2e-4 * Math.Sqrt(inputs / 100.0 + 1), 1e-5, $"{batch}x{inputs}->{units}");
    }

    [Theory]
    [InlineData(1, 784, 256, 128, Activation.ReLU, Activation.ReLU)]   // the MNIST MLP's first two layers
    [InlineData(3, 65, 17, 9, Activation.Tanh, Activation.Identity)]
    [InlineData(1, 20, 12, 10, Activation.ReLU, Activation.Tanh)]
    [InlineData(2, 100, 7, 5, Activation.Sigmoid, Activation.Identity)]  // under 8 hidden units: two Forward calls
    [InlineData(64, 129, 65, 33, Activation.ReLU, Activation.Identity)]  // partials past 16 KB: two Forward calls
    public void ForwardTwoLayers_MatchesTwoReferenceLayers(int batch, int inputs, int hidden, int units, Activation first, Activation second)
    {
        float[] input = Numerics.Random(batch * inputs, 31), bias1 = Numerics.Random(hidden, 32), bias2 = Numerics.Random(units, 33);
        ushort[] weight1 = Weights(hidden * inputs, 34), weight2 = Weights(units * hidden, 35);
        float[] hiddenOut = new float[batch * hidden], output = new float[batch * units];
        DenseBfloat16.ForwardTwoLayers(input, weight1, bias1, first, hiddenOut, weight2, bias2, second, output, batch, inputs, hidden, units);

        float[] expectedHidden = new float[batch * hidden], expected = new float[batch * units];
        DenseBfloat16.ForwardReference(input, weight1, bias1, expectedHidden, batch, inputs, hidden, first);
        DenseBfloat16.ForwardReference(hiddenOut, weight2, bias2, expected, batch, hidden, units, second);
        Numerics.AssertClose(expectedHidden, hiddenOut, 1e-4, 1e-5, "hidden");
        // The second layer against the reference on the kernel's own hidden values: its sums alone.
        Numerics.AssertClose(expected, output, 1e-4, 1e-5, "output");
    }

    // The AVX2 pair path (Vector256 loads of 16 weights split by a shift and an AND) where the CPU has AVX-512: this
    // thread only (ForceVector256 is per thread), its parts one after another.
    [Theory]
    [InlineData(1, 784, 256, 128, Activation.ReLU, Activation.ReLU)]
    [InlineData(3, 65, 17, 9, Activation.Tanh, Activation.Identity)]
    [InlineData(2, 100, 40, 5, Activation.Sigmoid, Activation.Identity)]   // 100 = 3 x 32 + 4: the widened and the scalar tail
    public void ForwardTwoLayers_OnVector256_MatchesTwoReferenceLayers(int batch, int inputs, int hidden, int units, Activation first, Activation second)
    {
        float[] input = Numerics.Random(batch * inputs, 61), bias1 = Numerics.Random(hidden, 62), bias2 = Numerics.Random(units, 63);
        ushort[] weight1 = Weights(hidden * inputs, 64), weight2 = Weights(units * hidden, 65);
        float[] hiddenOut = new float[batch * hidden], output = new float[batch * units];
        DenseBfloat16.SequentialParts = 2;
        Gemm.ForceVector256 = true;
        try
        {
            DenseBfloat16.ForwardTwoLayers(input, weight1, bias1, first, hiddenOut, weight2, bias2, second, output, batch, inputs, hidden, units);
        }
        finally
        {
            DenseBfloat16.SequentialParts = 0;
            Gemm.ForceVector256 = false;
        }
        float[] expectedHidden = new float[batch * hidden], expected = new float[batch * units];
        DenseBfloat16.ForwardReference(input, weight1, bias1, expectedHidden, batch, inputs, hidden, first);
        DenseBfloat16.ForwardReference(hiddenOut, weight2, bias2, expected, batch, hidden, units, second);
        Numerics.AssertClose(expectedHidden, hiddenOut, 1e-4, 1e-5, "hidden");
        Numerics.AssertClose(expected, output, 1e-4, 1e-5, "output");
    }

    [Fact]
    public void ForwardTwoLayers_NoBias_MatchesTwoReferenceLayers()
    {
        float[] input = Numerics.Random(300, 41);
        ushort[] weight1 = Weights(64 * 300, 42), weight2 = Weights(10 * 64, 43);
        float[] hidden = new float[64], output = new float[10], expectedHidden = new float[64], expected = new float[10];
        DenseBfloat16.ForwardTwoLayers(input, weight1, [], Activation.ReLU, hidden, weight2, [], Activation.Identity, output, 1, 300, 64, 10);
        DenseBfloat16.ForwardReference(input, weight1, [], expectedHidden, 1, 300, 64, Activation.ReLU);
        DenseBfloat16.ForwardReference(hidden, weight2, [], expected, 1, 64, 10, Activation.Identity);
        Numerics.AssertClose(expectedHidden, hidden, 1e-4, 1e-5, "hidden");
        Numerics.AssertClose(expected, output, 1e-4, 1e-5, "output");
    }

    [Theory]
    [InlineData(1, 784, 256, 128)]
    [InlineData(2, 65, 30, 9)]
    public void Results_AreBitIdentical_ForEveryThreadSplit(int batch, int inputs, int hidden, int units)
    {
        float[] input = Numerics.Random(batch * inputs, 51), bias1 = Numerics.Random(hidden, 52), bias2 = Numerics.Random(units, 53);
        ushort[] weight1 = Weights(hidden * inputs, 54), weight2 = Weights(units * hidden, 55);
        (float[] Layer, float[] Hidden, float[] Output) Run()
        {
            float[] layer = new float[batch * hidden], hiddenOut = new float[batch * hidden], output = new float[batch * units];
            DenseBfloat16.Forward(input, weight1, bias1, layer, batch, inputs, hidden, Activation.ReLU);
            DenseBfloat16.ForwardTwoLayers(input, weight1, bias1, Activation.ReLU, hiddenOut, weight2, bias2, Activation.Identity, output, batch, inputs, hidden, units);
            return (layer, hiddenOut, output);
        }

        var pooled = Run();
        Assert.True(pooled.Layer.AsSpan().SequenceEqual(pooled.Hidden), "ForwardTwoLayers' hidden layer differs from Forward's.");
        foreach (int parts in new[] { 1, 2, 3 })
        {
            (float[] Layer, float[] Hidden, float[] Output) split;
            try
            {
                DenseBfloat16.SequentialParts = parts;
                split = Run();
            }
            finally
            {
                DenseBfloat16.SequentialParts = 0;
            }

            Assert.True(pooled.Layer.AsSpan().SequenceEqual(split.Layer), $"Forward: {parts} parts differ from the pool's result.");
            Assert.True(pooled.Hidden.AsSpan().SequenceEqual(split.Hidden), $"ForwardTwoLayers hidden: {parts} parts differ.");
            Assert.True(pooled.Output.AsSpan().SequenceEqual(split.Output), $"ForwardTwoLayers output: {parts} parts differ.");
        }
    }

    [Fact]
    public void ForwardTwoLayers_ShortSecondWeight_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => DenseBfloat16.ForwardTwoLayers(new float[6], new ushort[6], [], Activation.ReLU,
            new float[2], new ushort[1], [], Activation.Identity, new float[2], 1, 6, 1, 2));
        Assert.Equal("weight2", error.ParamName);
    }
}

/// <summary><see cref="Bfloat16Weights"/>: layers at multiples of its alignment start on 64-byte boundaries; ranges are checked.</summary>
public class Bfloat16WeightsTests
{
    [Fact]
    public unsafe void Slices_AtMultiplesOfTheAlignment_Start64ByteAligned()
    {
        for (int attempt = 0; attempt < 8; attempt++)   // several allocations: a different offset of the array's data each time
        {
            var buffer = new Bfloat16Weights(1000 + attempt);
            foreach (int offset in new[] { 0, Bfloat16Weights.Alignment, 7 * Bfloat16Weights.Alignment })
            {
                fixed (ushort* start = buffer.Slice(offset, 10)) Assert.Equal(0, (nint)start % 64);
            }
        }
    }

    [Fact]
    public void Convert_WritesRoundedValuesAtTheOffset()
    {
        var buffer = new Bfloat16Weights(70);
        buffer.Convert([1f, -2.5f, 1.00390625f], offset: 64);
        Assert.Equal(new ushort[] { 0x3F80, 0xC020, 0x3F80 }, buffer.Slice(64, 3).ToArray());
        Assert.Equal(0, buffer.Slice(0, 1)[0]);
    }

    [Fact]
    public void OutOfRange_ThrowsNamingTheRange()
    {
        var buffer = new Bfloat16Weights(70);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(64, 7));
        Assert.Contains("[64, 64 + 7) is outside the 70 bfloat16 values", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Convert(new float[8], 63));
    }
}
