using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// `--breakdown --workload gpt`: where the GPT training step (GptPeer: B 32, T 64, width 128, 4 heads, 4 blocks, MLP 512,
/// vocabulary 65, AdamW, clipping) spends its time: each kernel call of one block and of the ends, with its shapes,
/// timed alone (best of many runs). A block's phases run 4 times per step.
/// </summary>
internal static class GptBreakdown
{
    private const int B = 32, T = 64, D = 128, H = 4, F = 4 * D, V = 65, Rows = B * T;

    public static void Run(string filter, bool quick)
    {
        const string name = "gpt_char_train v65 d128 h4 l4 t64 b32 adamw";
        if (!name.Contains(filter, StringComparison.Ordinal)) return;
        Console.WriteLine($"# {name}: microseconds per phase, best of many runs (block phases run 4 times per step)");
        var rng = new Rng(3);
        int[] tokens = new int[Rows], labels = new int[Rows];
        for (int i = 0; i < Rows; i++) { tokens[i] = rng.NextInt(V); labels[i] = rng.NextInt(V); }
        float[] x = MlpBreakdown.Random(Rows * D, 1, 1f), normalized = new float[Rows * D], mean = new float[Rows], inverse = new float[Rows];
        float[] gamma = MlpBreakdown.Random(D, 2, 1f), beta = MlpBreakdown.Random(D, 3, 0.1f);
        float[] wQkv = MlpBreakdown.Random(3 * D * D, 4, 0.09f), bQkv = MlpBreakdown.Random(3 * D, 5, 0.09f), qkv = MlpBreakdown.Random(Rows * 3 * D, 6, 1f);
        float[] heads = new float[Rows * D], saved = new float[Attention.SavedSize(B, H, T)], projected = new float[Rows * D];
        float[] wProj = MlpBreakdown.Random(D * D, 7, 0.09f), wFc = MlpBreakdown.Random(F * D, 8, 0.09f), wFc2 = MlpBreakdown.Random(D * F, 9, 0.04f);
        float[] hidden = MlpBreakdown.Random(Rows * F, 10, 1f), activated = new float[Rows * F], logits = new float[Rows * V], wHead = MlpBreakdown.Random(V * D, 11, 0.09f);
        float[] dlogits = new float[Rows * V], dx = new float[Rows * D], dhidden = MlpBreakdown.Random(Rows * F, 12, 0.01f), dqkv = new float[Rows * 3 * D];
        float[] dy = MlpBreakdown.Random(Rows * D, 13, 0.01f), scratch = new float[Rows * D];
        int count = GptPeer.ParameterCount;
        float[] gradients = MlpBreakdown.Random(count, 14, 0.01f), parameters = MlpBreakdown.Random(count, 15, 0.05f), m = new float[count], v = new float[count];
        float[] dW = new float[F * D], db = new float[F];
        var dropout = new Rng(1);
        Attention.Forward(qkv, heads, saved, B, T, H, D / H, true, 0f, ref dropout);
        int step = 0;
        var network = new GptPeer();
        var phases = new List<(string Name, Action Action, double Flops)>
        {
            ("embedding + positions forward", () => { Embedding.Forward(tokens, parameters, x, Rows, V, D); SinusoidalPositions.Forward(x, parameters.AsSpan(V * D), x, B, T, D); }, 0),
            ("layernorm forward 2048 x 128", () => LayerNorm.Forward(x, gamma, beta, normalized, mean, inverse, Rows, D, 1e-5f), 0),
            ("qkv forward 128->384", () => Dense.Forward(normalized, wQkv, bQkv, qkv, Rows, D, 3 * D, Activation.Identity, true), 2.0 * Rows * D * 3 * D),
            ("attention forward", () => Attention.Forward(qkv, heads, saved, B, T, H, D / H, true, 0f, ref dropout), 0),
            ("proj forward 128->128", () => Dense.Forward(heads, wProj, bQkv, projected, Rows, D, D, Activation.Identity, true), 2.0 * Rows * D * D),
            ("residual add", () => Joins.Add(x, projected, scratch), 0),
            ("fc forward 128->512", () => Dense.Forward(normalized, wFc, db, hidden, Rows, D, F, Activation.Identity, true), 2.0 * Rows * D * F),
            ("gelu forward 2048 x 512", () => Activations.GeluForward(hidden, activated), 0),
            ("fc2 forward 512->128", () => Dense.Forward(activated, wFc2, bQkv, projected, Rows, F, D, Activation.Identity, true), 2.0 * Rows * D * F),
            ("head forward 128->65", () => Dense.Forward(normalized, wHead, bQkv, logits, Rows, D, V, Activation.Identity, true), 2.0 * Rows * D * V),
            ("softmax cross-entropy 2048 x 65", () => Losses.SoftmaxCrossEntropy(logits, labels, dlogits, Rows, V), 0),
            ("head backward", () => Dense.Backward(dlogits, normalized, wHead, dx, dW, db, Rows, D, V, true, true), 4.0 * Rows * D * V),
            ("fc2 backward", () => Dense.Backward(dy, activated, wFc2, dhidden, dW, db, Rows, F, D, true, true), 4.0 * Rows * D * F),
            ("gelu backward", () => Activations.GeluBackward(hidden, activated, dhidden, dhidden), 0),
            ("fc backward", () => Dense.Backward(dhidden, normalized, wFc, dx, dW, db, Rows, D, F, true, true), 4.0 * Rows * D * F),
            ("layernorm backward", () => LayerNorm.Backward(dy, x, gamma, mean, inverse, dx, dW.AsSpan(0, D), db.AsSpan(0, D), Rows, D), 0),
            ("residual gradient add", () => Joins.AddBackward(dy, dx, accumulate: true), 0),
            ("proj backward", () => Dense.Backward(dy, heads, wProj, dx, dW, db, Rows, D, D, true, true), 4.0 * Rows * D * D),
            ("attention backward", () => Attention.Backward(dy, qkv, saved, dqkv, B, T, H, D / H, true, 0f), 0),
            ("qkv backward", () => Dense.Backward(dqkv, normalized, wQkv, dx, dW, db, Rows, D, 3 * D, true, true), 4.0 * Rows * D * 3 * D),
            ("positions + embedding backward", () => { LearnedPositions.Backward(dy, gradients.AsSpan(V * D), B, T, D); Embedding.Backward(tokens, dy, gradients, Rows, V, D); }, 0),
            ("clear gradients", () => gradients.AsSpan().Clear(), 0),
            ("clip by global norm", () => Regularization.ClipByGlobalNorm(gradients, 1e9f), 0),
            ($"AdamW over {count} parameters", () => Adam.Step(parameters, gradients, m, v, default, ++step, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, true), 0),
            ("(whole) Forward", () => network.Forward(tokens), 0),
            ("(whole) ComputeGradients", () => network.ComputeGradients(tokens, labels), 0),
            ("(whole) OptimizerStep", () => network.OptimizerStep(), 0),
            ("(whole) TrainStep", () => network.TrainStep(tokens, labels), 0),
        };
        Console.WriteLine($"{"phase",-44} {"us",10} {"GFLOP/s",8}");
        var best = new double[phases.Count];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < (quick ? 1 : 3); round++)
            for (int i = 0; i < phases.Count; i++) best[i] = Math.Min(best[i], LeNetBreakdown.Best(phases[i].Action, quick, warm: round == 0, seconds: 0.3));
        for (int i = 0; i < phases.Count; i++)
        {
            var (phase, _, flops) = phases[i];
            Console.WriteLine($"{phase,-44} {best[i] * 1e6,10:F1} {(flops > 0 ? (flops / best[i] / 1e9).ToString("F1", CultureInfo.InvariantCulture) : ""),8}");
        }
    }
}
