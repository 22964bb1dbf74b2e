using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// `--breakdown --workload char_lstm`: where the character LSTM's training step (CharLstmPeer: B 32, T 64, embedding
/// 65 -> 32, LSTM 128, dense 65 per step, Adam, clipping) spends its time. Each kernel call of the generated step, with
/// its shapes, timed alone (best of many runs), and the products inside Lstm.Forward and Lstm.Backward on their own,
/// so that what is left of each pass is its recurrence (the per-step products and cell loops).
/// </summary>
internal static class RecurrentBreakdown
{
    private const int B = 32, T = 64, E = 32, H = 128, V = 65, W = 4 * H, Rows = B * T;

    public static void Run(string filter, bool quick)
    {
        const string name = "char_lstm_train v65 e32 h128 t64 b32 adam";
        if (!name.Contains(filter, StringComparison.Ordinal)) return;
        Console.WriteLine($"# {name}: microseconds per phase, best of many runs");
        var rng = new Rng(3);
        int[] tokens = new int[Rows], labels = new int[Rows];
        for (int i = 0; i < Rows; i++) { tokens[i] = rng.NextInt(V); labels[i] = rng.NextInt(V); }
        float[] table = MlpBreakdown.Random(V * E, 1, 0.5f), embedded = new float[Rows * E];
        float[] wIh = MlpBreakdown.Random(W * E, 2, 0.09f), wHh = MlpBreakdown.Random(W * H, 3, 0.09f);
        float[] bIh = MlpBreakdown.Random(W, 4, 0.09f), bHh = MlpBreakdown.Random(W, 5, 0.09f);
        float[] sequence = new float[Rows * H], cache = new float[Lstm.CacheSize(B, T, E, H)], scratch = new float[Lstm.ScratchSize(B, T, H)];
        float[] dWeight = MlpBreakdown.Random(V * H, 6, 0.09f), dBias = MlpBreakdown.Random(V, 7, 0.09f), logits = new float[Rows * V];
        float[] dlogits = new float[Rows * V], dsequence = new float[Rows * H], dembedded = new float[Rows * E];
        float[] gradients = new float[93409], parameters = MlpBreakdown.Random(93409, 8, 0.05f), m = new float[93409], v = new float[93409];
        float[] norms = new float[T], gates = new float[Rows * W], dpre = MlpBreakdown.Random(Rows * W, 9, 0.01f);
        Span<float> G(int offset, int length) => gradients.AsSpan(offset, length);
        Lstm.Forward(embedded, wIh, wHh, bIh, bHh, default, default, sequence, default, default, cache, B, T, E, H);
        int step = 0;
        var network = new CharLstmPeer();
        var phases = new List<(string Name, Action Action, double Flops)>
        {
            ("embedding forward", () => Embedding.Forward(tokens, table, embedded, Rows, V, E), 0),
            ("lstm forward", () => Lstm.Forward(embedded, wIh, wHh, bIh, bHh, default, default, sequence, default, default, cache, B, T, E, H), 2.0 * Rows * W * (E + H)),
            ("  (in it) input projection NT 2048x512x32", () => Gemm.NT(embedded, wIh, gates, Rows, W, E, accumulate: false), 2.0 * Rows * W * E),
            ("dense 128->65 forward, 2048 rows", () => Dense.Forward(sequence, dWeight, dBias, logits, Rows, H, V, Activation.Identity, true), 2.0 * Rows * H * V),
            ("softmax cross-entropy 2048 x 65", () => Losses.SoftmaxCrossEntropy(logits, labels, dlogits, Rows, V), 0),
            ("dense 128->65 backward", () => Dense.Backward(dlogits, sequence, dWeight, dsequence, G(85024, 8320), G(93344, 65), Rows, H, V, true, true), 4.0 * Rows * H * V),
            ("lstm backward", () => Lstm.Backward(dsequence, embedded, wIh, wHh, default, default, cache, dembedded, G(2080, W * E), G(18464, W * H),
                G(84000, W), G(84512, W), default, default, norms, scratch, B, T, E, H), 4.0 * Rows * W * (E + H)),
            ("  (in it) dW_hh TN 512x128x2048", () => Gemm.TN(dpre, sequence, G(18464, W * H), W, H, Rows, accumulate: true), 2.0 * Rows * W * H),
            ("  (in it) dW_ih TN 512x32x2048", () => Gemm.TN(dpre, embedded, G(2080, W * E), W, E, Rows, accumulate: true), 2.0 * Rows * W * E),
            ("  (in it) dx NN 2048x32x512", () => Gemm.NN(dpre, wIh, dembedded, Rows, E, W, accumulate: false), 2.0 * Rows * W * E),
            ("  (in it) two bias column sums 2048 x 512", () => { AddSums(dpre, G(84000, W)); AddSums(dpre, G(84512, W)); }, 0),
            ("embedding backward", () => Embedding.Backward(tokens, dembedded, G(0, V * E), Rows, V, E), 0),
            ("clear gradients", () => gradients.AsSpan().Clear(), 0),
            ("clip by global norm", () => Regularization.ClipByGlobalNorm(gradients, 1e9f), 0),
            ("Adam over 93409 parameters", () => Adam.Step(parameters, gradients, m, v, default, ++step, 2e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), 0),
            ("(whole) TrainStep", () => network.TrainStep(tokens, labels), 0),
        };
        var inSequence = phases.FindAll(phase => !phase.Name.StartsWith(' ') && !phase.Name.StartsWith('('));
        phases.Add(("(whole) the phases above, in sequence", () => { foreach (var phase in inSequence) phase.Action(); }, 0));
        Console.WriteLine($"{"phase",-44} {"us",10} {"GFLOP/s",8}");
        var best = new double[phases.Count];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < (quick ? 1 : 3); round++)
            for (int i = 0; i < phases.Count; i++) best[i] = Math.Min(best[i], LeNetBreakdown.Best(phases[i].Action, quick, warm: round == 0, seconds: 0.3));
        double total = 0;
        for (int i = 0; i < phases.Count; i++)
        {
            var (phase, _, flops) = phases[i];
            if (!phase.StartsWith(' ') && !phase.StartsWith('(')) total += best[i];
            Console.WriteLine($"{phase,-44} {best[i] * 1e6,10:F1} {(flops > 0 ? (flops / best[i] / 1e9).ToString("F1", CultureInfo.InvariantCulture) : ""),8}");
        }
        Console.WriteLine($"{"sum of the phases",-44} {total * 1e6,10:F1}");
    }

    private static void AddSums(ReadOnlySpan<float> matrix, Span<float> sums)
    {
        for (int row = 0; row < Rows; row++) System.Numerics.Tensors.TensorPrimitives.Add(sums, matrix.Slice(row * W, W), sums);
    }
}
