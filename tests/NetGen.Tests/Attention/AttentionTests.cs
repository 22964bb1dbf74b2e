using NetGen.Tests.Kernels;
using NetGen.Threading;
using Kernel = NetGen.Kernels.Attention;

namespace NetGen.Tests.Attention;

/// <summary>
/// The fused attention kernels against the double reference: forward values, backward against central differences of
/// the reference (causal and not, one and several heads, lengths that are not a multiple of the 16-float vector, head
/// sizes that are not either, dropout with its fixed mask), thread-count independence and allocation.
/// </summary>
public class AttentionTests
{
    // Forward: float sums of headSize products and a float softmax against double: a few ulps of values of order 1.
    private const double ForwardAbsolute = 3e-6, ForwardRelative = 1e-4;
    // Backward: float gradients (sums of T·headSize products) against central differences of the double reference.
    private const double GradientAbsolute = 2e-5, GradientRelative = 1e-3;

    [Theory]
    [InlineData(2, 5, 1, 8, true)]
    [InlineData(2, 19, 3, 20, true)]
    [InlineData(1, 37, 2, 32, false)]
    [InlineData(3, 64, 4, 32, true)]
    [InlineData(1, 70, 2, 48, false)]
    [InlineData(1, 1, 1, 3, true)]
    public void AttentionForward_MatchesReference(int batch, int steps, int heads, int headSize, bool causal)
    {
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 11, -2f, 2f);
        float[] y = new float[batch * steps * heads * headSize], saved = new float[Kernel.SavedSize(batch, heads, steps)];
        var rng = new Rng(1);
        Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, causal, 0f, ref rng);
        double[] expected = AttentionReference.Forward(Numerics.ToDouble(qkv), batch, steps, heads, headSize, causal);
        Numerics.AssertClose(expected, y, ForwardAbsolute, ForwardRelative, "y");
    }

    [Theory]
    [InlineData(2, 7, 1, 4)]
    [InlineData(2, 19, 3, 6)]
    [InlineData(1, 17, 2, 16)]
    public void CausalAttentionBackward_MatchesFiniteDifferences(int batch, int steps, int heads, int headSize) =>
        CheckGradient(batch, steps, heads, headSize, causal: true, dropout: 0f);

    [Theory]
    [InlineData(2, 7, 1, 4)]
    [InlineData(1, 18, 3, 5)]
    public void AttentionBackward_MatchesFiniteDifferences(int batch, int steps, int heads, int headSize) =>
        CheckGradient(batch, steps, heads, headSize, causal: false, dropout: 0f);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AttentionWithDropoutBackward_MatchesFiniteDifferencesWithItsMask(bool causal) =>
        CheckGradient(2, 9, 2, 4, causal, dropout: 0.3f);

    // Long rows take the kernels' 64-column blocks (T > 48) that the small checks above do not reach; a full
    // central-difference sweep would be 2·B·T·3·D reference passes, so this checks 96 elements spread over q, k and v.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AttentionBackward_MatchesFiniteDifferencesOnSampledElementsOfLongRows(bool causal)
    {
        const int batch = 1, steps = 70, heads = 2, headSize = 32, width = heads * headSize;
        float[] qkv = Numerics.Random(batch * steps * 3 * width, 23, -1.5f, 1.5f), dy = Numerics.Random(batch * steps * width, 24);
        float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
        var rng = new Rng(9);
        Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, causal, 0f, ref rng);
        Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, causal, 0f);
        double[] point = Numerics.ToDouble(qkv), weights = Numerics.ToDouble(dy);
        var pick = new Rng(25);
        for (int sample = 0; sample < 96; sample++)
        {
            int n = pick.NextInt(qkv.Length);
            double saved0 = point[n];
            point[n] = saved0 + 1e-6;
            double plus = AttentionReference.Objective(point, weights, batch, steps, heads, headSize, causal);
            point[n] = saved0 - 1e-6;
            double minus = AttentionReference.Objective(point, weights, batch, steps, heads, headSize, causal);
            point[n] = saved0;
            Numerics.AssertClose([(plus - minus) / 2e-6], [dqkv[n]], GradientAbsolute, GradientRelative, $"dqkv[{n}]");
        }
    }

    [Fact]
    public void AttentionWithDropout_ForwardMatchesReferenceWithTheSeedsMask()
    {
        const int batch = 2, steps = 21, heads = 2, headSize = 8;
        const float rate = 0.25f;
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 12);
        float[] y = new float[batch * steps * heads * headSize], saved = new float[Kernel.SavedSize(batch, heads, steps)];
        var rng = new Rng(7);
        var copy = rng;
        ulong seed = Kernel.DrawSeed(ref copy);
        Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, true, rate, ref rng);
        Assert.Equal(copy.NextUInt(), rng.NextUInt());   // the kernel took exactly the two draws of the seed
        double[] mask = AttentionReference.DropoutMask(seed, rate, batch, steps, heads, causal: true);
        int kept = 0, drawn = 0;
        for (int bh = 0; bh < batch * heads; bh++)
            for (int i = 0; i < steps; i++)
                for (int j = 0; j <= i; j++, drawn++)
                    if (mask[(bh * steps + i) * steps + j] != 0) kept++;
        Assert.InRange(kept / (double)drawn, 1 - rate - 0.05, 1 - rate + 0.05);
        double[] expected = AttentionReference.Forward(Numerics.ToDouble(qkv), batch, steps, heads, headSize, true, mask);
        Numerics.AssertClose(expected, y, ForwardAbsolute, ForwardRelative, "y with dropout");
    }

    [Fact]
    public void Attention_GivesTheSameBitsOnOneThreadAsSplit()
    {
        const int batch = 3, steps = 29, heads = 3, headSize = 16;
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 13), dy = Numerics.Random(batch * steps * heads * headSize, 14);
        (float[] Y, float[] Dqkv) Run()
        {
            float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
            var rng = new Rng(3);
            Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, true, 0.1f, ref rng);
            Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, true, 0.1f);
            return (y, dqkv);
        }

        var split = Run();
        WorkerPool.RunsOnCaller = true;
        try
        {
            var alone = Run();
            Assert.Equal(split.Y, alone.Y);
            Assert.Equal(split.Dqkv, alone.Dqkv);
        }
        finally
        {
            WorkerPool.RunsOnCaller = false;
        }
    }

    [Fact]
    public void AttentionKeepingProbabilities_AgreesWithRecomputingThem()
    {
        const int batch = 2, steps = 23, heads = 2, headSize = 8;
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 15, -2f, 2f), dy = Numerics.Random(batch * steps * heads * headSize, 16);
        float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
        float[] y2 = new float[dy.Length], saved2 = new float[saved.Length], dqkv2 = new float[qkv.Length];
        float[] probabilities = new float[batch * heads * steps * steps];
        var rng = new Rng(5);
        var rng2 = rng;
        Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, true, 0.2f, ref rng);
        Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, true, 0.2f);
        Kernel.ForwardStored(qkv, y2, saved2, probabilities, batch, steps, heads, headSize, true, 0.2f, ref rng2);
        Kernel.BackwardStored(dy, qkv, saved2, probabilities, dqkv2, batch, steps, heads, headSize, true, 0.2f);
        Assert.Equal(y, y2);
        Numerics.AssertClose(dqkv, dqkv2, 1e-6, 1e-5, "dqkv from kept probabilities");
    }

    [Fact]
    public void AttentionAndPositionalEncodings_DoNotAllocate()
    {
        const int batch = 4, steps = 33, heads = 2, headSize = 16;
        float[] qkv = Numerics.Random(batch * steps * 3 * heads * headSize, 17), dy = Numerics.Random(batch * steps * heads * headSize, 18);
        float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
        float[] cosine = new float[steps * headSize / 2], sine = new float[cosine.Length], table = new float[steps * heads * headSize];
        NetGen.Kernels.RotaryEmbedding.Tables(cosine, sine, steps, headSize);
        NetGen.Kernels.SinusoidalPositions.Table(table, steps, heads * headSize);
        var rng = new Rng(1);
        void Step()
        {
            NetGen.Kernels.SinusoidalPositions.Forward(y, table, y, batch, steps, heads * headSize);
            NetGen.Kernels.RotaryEmbedding.Forward(qkv, cosine, sine, batch, steps, heads, headSize);
            Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, true, 0.1f, ref rng);
            Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, true, 0.1f);
            NetGen.Kernels.RotaryEmbedding.Backward(dqkv, cosine, sine, batch, steps, heads, headSize);
        }

        Step();
        Assert.Equal(0, SteadyAllocation.Bytes(Step));
    }

    [Fact]
    public void Attention_RejectsShortBuffersNamingThem()
    {
        var rng = new Rng(1);
        var error = Assert.Throws<ArgumentException>(() =>
            Kernel.Forward(new float[2 * 3 * 12], new float[2 * 3 * 4 - 1], new float[Kernel.SavedSize(2, 2, 3)], 2, 3, 2, 2, true, 0f, ref rng));
        Assert.Equal("y", error.ParamName);
    }

    private static void CheckGradient(int batch, int steps, int heads, int headSize, bool causal, float dropout)
    {
        int width = heads * headSize;
        float[] qkv = Numerics.Random(batch * steps * 3 * width, 21, -1.5f, 1.5f), dy = Numerics.Random(batch * steps * width, 22);
        float[] y = new float[dy.Length], saved = new float[Kernel.SavedSize(batch, heads, steps)], dqkv = new float[qkv.Length];
        var rng = new Rng(9);
        var copy = rng;
        double[]? mask = dropout > 0f ? AttentionReference.DropoutMask(Kernel.DrawSeed(ref copy), dropout, batch, steps, heads, causal) : null;
        Kernel.Forward(qkv, y, saved, batch, steps, heads, headSize, causal, dropout, ref rng);
        Kernel.Backward(dy, qkv, saved, dqkv, batch, steps, heads, headSize, causal, dropout);
        double[] weights = Numerics.ToDouble(dy);
        double[] expected = Numerics.CentralDifferences(Numerics.ToDouble(qkv),
            point => AttentionReference.Objective(point, weights, batch, steps, heads, headSize, causal, mask));
        Numerics.AssertClose(expected, dqkv, GradientAbsolute, GradientRelative, "dqkv");
    }
}

/// <summary>The attention kernels' own e^x against Math.Exp.</summary>
public class AttentionExpTests
{
    [Fact]
    public void AttentionExp_IsWithinThreeUlpsOfMathExp()
    {
        double worst = 0;
        for (float x = -87f; x < 88f; x += 16 * 0.00731f)
        {
            var values = System.Runtime.Intrinsics.Vector512.CreateSequence(x, 0.00731f);
            var result = Kernel.Exp(values);
            for (int lane = 0; lane < 16; lane++)
            {
                double expected = Math.Exp(values[lane]);
                worst = Math.Max(worst, Math.Abs(result[lane] - expected) / expected);
            }
        }
        Assert.True(worst < 3 * 5.97e-8, $"worst relative error {worst:E3}");
        Assert.Equal(1f, Kernel.Exp(System.Runtime.Intrinsics.Vector512<float>.Zero)[0]);
    }
}
