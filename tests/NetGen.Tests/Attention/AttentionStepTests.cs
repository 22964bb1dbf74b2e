using NetGen.Tests.Kernels;
using Kernel = NetGen.Kernels.Attention;

namespace NetGen.Tests.Attention;

/// <summary>The key/value-cache step of generation against the full causal forward over the same prefix.</summary>
public class AttentionStepTests
{
    // The step sums q·k in 16 lanes and the forward in order of features: the same value to a few float ulps.
    private const double Absolute = 2e-6, Relative = 1e-5;

    [Theory]
    [InlineData(2, 21, 3, 8)]
    [InlineData(1, 40, 4, 32)]
    [InlineData(3, 5, 2, 19)]
    public void AttentionSteps_EqualTheCausalForwardAtEveryPosition(int batch, int steps, int heads, int headSize)
    {
        int width = heads * headSize, capacity = steps + 3;
        float[] qkv = Numerics.Random(batch * steps * 3 * width, 31, -2f, 2f);
        float[] full = new float[batch * steps * width], saved = new float[Kernel.SavedSize(batch, heads, steps)];
        var rng = new Rng(1);
        Kernel.Forward(qkv, full, saved, batch, steps, heads, headSize, true, 0f, ref rng);

        float[] keys = new float[batch * heads * capacity * headSize], values = new float[keys.Length];
        float[] position = new float[batch * 3 * width], y = new float[batch * width];
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < batch; b++) qkv.AsSpan((b * steps + t) * 3 * width, 3 * width).CopyTo(position.AsSpan(b * 3 * width));
            Kernel.Step(position, keys, values, y, batch, heads, headSize, capacity, t);
            for (int b = 0; b < batch; b++)
                Numerics.AssertClose(full.AsSpan((b * steps + t) * width, width), y.AsSpan(b * width, width), Absolute, Relative, $"y at sample {b}, position {t}");
        }
    }

    [Fact]
    public void AttentionStep_AppendsKeyAndValueToTheCache()
    {
        const int batch = 2, heads = 2, headSize = 3, capacity = 4, width = heads * headSize;
        float[] qkv = Numerics.Random(batch * 3 * width, 32);
        float[] keys = new float[batch * heads * capacity * headSize], values = new float[keys.Length], y = new float[batch * width];
        Kernel.Step(qkv, keys, values, y, batch, heads, headSize, capacity, 2);
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int e = 0; e < headSize; e++)
                {
                    int cached = ((b * heads + h) * capacity + 2) * headSize + e;
                    Assert.Equal(qkv[b * 3 * width + width + h * headSize + e], keys[cached]);
                    Assert.Equal(qkv[b * 3 * width + 2 * width + h * headSize + e], values[cached]);
                }
    }

    [Fact]
    public void AttentionStep_RejectsAPositionPastTheCache()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.Step(new float[6], new float[8], new float[8], new float[2], 1, 1, 2, 4, 4));
        Assert.Equal("position", error.ParamName);
    }

    [Fact]
    public void AttentionStep_DoesNotAllocate()
    {
        const int batch = 1, heads = 4, headSize = 32, capacity = 64, width = heads * headSize;
        float[] qkv = Numerics.Random(batch * 3 * width, 33);
        float[] keys = new float[batch * heads * capacity * headSize], values = new float[keys.Length], y = new float[batch * width];
        void Steps()
        {
            for (int t = 0; t < capacity; t++) Kernel.Step(qkv, keys, values, y, batch, heads, headSize, capacity, t);
        }

        Steps();
        Assert.Equal(0, SteadyAllocation.Bytes(Steps));
    }
}
