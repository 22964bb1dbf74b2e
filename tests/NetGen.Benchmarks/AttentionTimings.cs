using System.Diagnostics;
using NetGen.Kernels;
using NetGen.Threading;

namespace NetGen.Benchmarks;

/// <summary>
/// `--attention`: the fused self-attention kernels at the GPT workload's shape (B 32, T 64, D 128, 4 heads of 32, causal),
/// forward, backward and both, split across the pool and on one thread, best of many runs: one JSON line each. Two
/// variants of what forward keeps for backward: the log-sum-exp per query row (the public kernels) and the whole
/// probability matrix (B·H·T·T floats, internal, kept to show the choice). GFLOP/s count the useful multiply-adds only:
/// forward 2 products (q·kᵀ, p·v), backward 4 (dv, da, dq, dk), each 2·B·H·hs·T(T+1)/2 with the causal mask; the
/// recompute of q·kᵀ in backward is not counted. tests/NetGen.Benchmarks/attention_peer.py times PyTorch on the same shape.
/// </summary>
internal static class AttentionTimings
{
    private const int B = 32, T = 64, Heads = 4, HeadSize = 32, D = Heads * HeadSize;

    public static void Run(string filter, double peakGflops, bool quick)
    {
        const string shape = "b32 t64 d128 h4 causal";
        if (!("attention " + shape).Contains(filter, StringComparison.Ordinal)) return;
        float[] qkv = new float[B * T * 3 * D], y = new float[B * T * D], dy = new float[B * T * D], dqkv = new float[qkv.Length];
        float[] saved = new float[Attention.SavedSize(B, Heads, T)], probabilities = new float[B * Heads * T * T];
        var rng = new Rng(1);
        for (int i = 0; i < qkv.Length; i++) qkv[i] = rng.NextUniform(-1f, 1f);
        for (int i = 0; i < dy.Length; i++) dy[i] = rng.NextUniform(-1f, 1f);
        double product = 2.0 * B * Heads * HeadSize * (T * (T + 1) / 2.0);
        var cases = new List<(string Pass, string Variant, Action Action, double Flops)>
        {
            ("forward", "logsumexp", () => Attention.Forward(qkv, y, saved, B, T, Heads, HeadSize, true, 0f, ref rng), 2 * product),
            ("backward", "logsumexp", () => Attention.Backward(dy, qkv, saved, dqkv, B, T, Heads, HeadSize, true, 0f), 4 * product),
            ("forward+backward", "logsumexp", () =>
            {
                Attention.Forward(qkv, y, saved, B, T, Heads, HeadSize, true, 0f, ref rng);
                Attention.Backward(dy, qkv, saved, dqkv, B, T, Heads, HeadSize, true, 0f);
            }, 6 * product),
            ("forward", "probabilities", () => Attention.ForwardStored(qkv, y, saved, probabilities, B, T, Heads, HeadSize, true, 0f, ref rng), 2 * product),
            ("backward", "probabilities", () => Attention.BackwardStored(dy, qkv, saved, probabilities, dqkv, B, T, Heads, HeadSize, true, 0f), 4 * product),
            ("forward+backward", "probabilities", () =>
            {
                Attention.ForwardStored(qkv, y, saved, probabilities, B, T, Heads, HeadSize, true, 0f, ref rng);
                Attention.BackwardStored(dy, qkv, saved, probabilities, dqkv, B, T, Heads, HeadSize, true, 0f);
            }, 6 * product),
            ("forward+backward dropout 0.1", "logsumexp", () =>
            {
                Attention.Forward(qkv, y, saved, B, T, Heads, HeadSize, true, 0.1f, ref rng);
                Attention.Backward(dy, qkv, saved, dqkv, B, T, Heads, HeadSize, true, 0.1f);
            }, 6 * product),
        };
        // Inference of one sequence (gpt_char_infer's b1) and generation: one position with the key/value cache
        // against the whole 64-long prefix recomputed.
        float[] qkv1 = qkv.AsSpan(0, T * 3 * D).ToArray(), y1 = new float[T * D], saved1 = new float[Attention.SavedSize(1, Heads, T)];
        float[] keys = new float[Heads * T * HeadSize], values = new float[keys.Length], position = qkv.AsSpan(0, 3 * D).ToArray(), yStep = new float[D];
        double product1 = product / B;
        cases.Add(("forward b1 t64 d128 h4 causal (one sequence)", "logsumexp", () => Attention.Forward(qkv1, y1, saved1, 1, T, Heads, HeadSize, true, 0f, ref rng), 2 * product1));
        cases.Add(("step b1 t64 d128 h4 at position 63, key/value cache", "cache", () => Attention.Step(position, keys, values, yStep, 1, Heads, HeadSize, T, T - 1),
            2 * 2.0 * Heads * HeadSize * T));
        foreach (bool oneThread in new[] { false, true })
        {
            WorkerPool.RunsOnCaller = oneThread;
            try
            {
                foreach (var (pass, variant, action, flops) in cases)
                {
                    double seconds = Best(action, quick ? 0.02 : 0.3);
                    double gflops = flops / seconds / 1e9;
                    Console.WriteLine(new JsonLine(pass.Contains(" b1 ") ? $"attention {pass}" : $"attention {pass} {shape}").Add("keeps", variant)
                        .Add("threads", oneThread ? 1 : WorkerPool.ThreadCount).Add("us", Math.Round(seconds * 1e6, 1))
                        .Add("gflops", Math.Round(gflops, 2)).Add("pct_of_peak", Math.Round(100 * gflops / peakGflops, 1)).ToString());
                }
            }
            finally
            {
                WorkerPool.RunsOnCaller = false;
            }
        }
    }

    private static double Best(Action action, double seconds)
    {
        for (int i = 0; i < 10; i++) action();
        double best = double.MaxValue;
        long start = Stopwatch.GetTimestamp();
        int runs = 0;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds || runs < 20)
        {
            long t = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
            runs++;
        }
        return best;
    }
}
