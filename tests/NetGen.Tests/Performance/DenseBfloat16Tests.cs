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
