using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Transformers;

/// <summary>
/// Exact GELU over a transformer MLP's buffer splits across the cores and runs 16 lanes at a time: the bits must not
/// depend on the split. A large buffer (split) against the same values in slices below the split threshold (one thread).
/// </summary>
public sealed class GeluSplitTests
{
    [Fact]
    public void GeluOverALargeBuffer_GivesTheBitsOfSmallSlices()
    {
        const int Length = 70_005, Slice = 4096;
        float[] x = Numerics.Random(Length, 21, -6f, 6f), dy = Numerics.Random(Length, 22);
        float[] whole = new float[Length], sliced = new float[Length], dWhole = new float[Length], dSliced = new float[Length];
        Activations.GeluForward(x, whole);
        Activations.GeluBackward(x, default, dy, dWhole);
        for (int start = 0; start < Length; start += Slice)
        {
            int count = Math.Min(Slice, Length - start);
            Activations.GeluForward(x.AsSpan(start, count), sliced.AsSpan(start, count));
            Activations.GeluBackward(x.AsSpan(start, count), default, dy.AsSpan(start, count), dSliced.AsSpan(start, count));
        }

        Assert.Equal(sliced, whole);
        Assert.Equal(dSliced, dWhole);
        // And both are GELU: x·Φ(x) within float rounding of the double reference.
        for (int i = 0; i < Length; i += 97)
        {
            double expected = 0.5 * x[i] * Numerics.Erfc(-x[i] / Math.Sqrt(2));
            Assert.True(Math.Abs(whole[i] - expected) <= 1e-6 + 1e-5 * Math.Abs(expected), $"x = {x[i]}: {whole[i]} against {expected}");
        }
    }
}
