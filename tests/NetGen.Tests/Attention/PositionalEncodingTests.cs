using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Attention;

/// <summary>Sinusoidal and rotary positional encodings against their formulas, and RoPE's gradient.</summary>
public class PositionalEncodingTests
{
    [Fact]
    public void SinusoidalTable_MatchesTheFormula()
    {
        const int positions = 9, width = 7;
        float[] table = new float[positions * width];
        SinusoidalPositions.Table(table, positions, width);
        for (int t = 0; t < positions; t++)
            for (int f = 0; f < width; f++)
            {
                double angle = t / Math.Pow(10000, 2 * (f / 2) / (double)width);
                Assert.Equal((float)(f % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle)), table[t * width + f]);
            }
        Assert.Equal(0f, table[0]);
        Assert.Equal(1f, table[1]);
    }

    [Fact]
    public void SinusoidalForward_AddsTheRowOfEachPositionToEverySample()
    {
        const int batch = 3, steps = 5, width = 6;
        float[] table = new float[steps * width], x = Numerics.Random(batch * steps * width, 41), y = new float[x.Length];
        SinusoidalPositions.Table(table, steps, width);
        SinusoidalPositions.Forward(x, table, y, batch, steps, width);
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < steps * width; n++)
                Assert.Equal(x[b * steps * width + n] + table[n], y[b * steps * width + n]);
    }

    [Theory]
    [InlineData(2, 7, 3, 8, 0)]
    [InlineData(1, 5, 2, 36, 11)]
    public void RotaryForward_MatchesReferenceRotation(int batch, int steps, int heads, int headSize, int first)
    {
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 42);
        double[] expected = RotateReference(Numerics.ToDouble(qkv), batch, steps, heads, headSize, first);
        var (cosine, sine) = Tables(first + steps, headSize);
        RotaryEmbedding.Forward(qkv, cosine, sine, batch, steps, heads, headSize, first);
        Numerics.AssertClose(expected, qkv, 1e-6, 1e-5, "rotated qkv");
    }

    [Theory]
    [InlineData(2, 7, 3, 8, 0)]
    [InlineData(1, 4, 2, 34, 5)]
    public void RotaryBackward_MatchesFiniteDifferences(int batch, int steps, int heads, int headSize, int first)
    {
        int size = batch * steps * 3 * heads * headSize;
        float[] qkv = Numerics.Random(size, 43), dy = Numerics.Random(size, 44);
        var (cosine, sine) = Tables(first + steps, headSize);
        float[] dqkv = (float[])dy.Clone();
        RotaryEmbedding.Backward(dqkv, cosine, sine, batch, steps, heads, headSize, first);
        double[] weights = Numerics.ToDouble(dy);
        double[] expected = Numerics.CentralDifferences(Numerics.ToDouble(qkv), point =>
        {
            double[] rotated = RotateReference(point, batch, steps, heads, headSize, first);
            double sum = 0;
            for (int n = 0; n < rotated.Length; n++) sum += rotated[n] * weights[n];
            return sum;
        });
        Numerics.AssertClose(expected, dqkv, 1e-5, 1e-4, "dqkv");
    }

    [Fact]
    public void RotaryStep_RotatesAsThatPositionOfTheSequence()
    {
        const int batch = 2, steps = 6, heads = 2, headSize = 4, width = heads * headSize;
        float[] sequence = Numerics.Random(batch * steps * 3 * width, 45), single = new float[batch * 3 * width];
        var (cosine, sine) = Tables(steps, headSize);
        for (int b = 0; b < batch; b++) sequence.AsSpan((b * steps + 4) * 3 * width, 3 * width).CopyTo(single.AsSpan(b * 3 * width));
        RotaryEmbedding.Forward(sequence, cosine, sine, batch, steps, heads, headSize);
        RotaryEmbedding.Forward(single, cosine, sine, batch, 1, heads, headSize, firstPosition: 4);
        for (int b = 0; b < batch; b++)
            Assert.Equal(sequence.AsSpan((b * steps + 4) * 3 * width, 3 * width).ToArray(), single.AsSpan(b * 3 * width, 3 * width).ToArray());
    }

    private static (float[] Cosine, float[] Sine) Tables(int positions, int headSize)
    {
        float[] cosine = new float[positions * headSize / 2], sine = new float[cosine.Length];
        RotaryEmbedding.Tables(cosine, sine, positions, headSize);
        return (cosine, sine);
    }

    // GPT-NeoX's rotate_half in double: x·cos + rotate_half(x)·sin on q and k of each head, v unchanged.
    private static double[] RotateReference(double[] qkv, int batch, int steps, int heads, int headSize, int first)
    {
        double[] result = (double[])qkv.Clone();
        int width = heads * headSize, half = headSize / 2;
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < steps; t++)
                for (int block = 0; block < 2 * heads; block++)
                {
                    int start = (b * steps + t) * 3 * width + block * headSize;
                    for (int i = 0; i < half; i++)
                    {
                        double angle = (first + t) * Math.Pow(10000, -2.0 * i / headSize);
                        double x = qkv[start + i], y = qkv[start + half + i];
                        result[start + i] = x * Math.Cos(angle) - y * Math.Sin(angle);
                        result[start + half + i] = y * Math.Cos(angle) + x * Math.Sin(angle);
                    }
                }
        return result;
    }
}
