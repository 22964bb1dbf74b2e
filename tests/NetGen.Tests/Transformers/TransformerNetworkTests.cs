using System.Runtime.CompilerServices;
using NetGen.Tests.Attention;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Transformers;

/// <summary>
/// Declared attention networks end to end: the generated class's loss against a double-precision reference written out
/// layer by layer (token and learned position embeddings, per-position LayerNorm, the attention of
/// <see cref="AttentionReference"/>, per-position dense layers with exact GELU, residual joins, per-step cross-entropy),
/// and every analytic gradient against central differences of that reference.
/// </summary>
public sealed class TransformerNetworkTests
{
    // ---- The reference, in double, reading parameters at the generated offsets. ----

    private static double[] Dense(double[] x, int rows, int inputs, double[] p, int weight, int bias, int units)
    {
        var y = new double[rows * units];
        for (int r = 0; r < rows; r++)
            for (int u = 0; u < units; u++)
            {
                double sum = bias < 0 ? 0 : p[bias + u];
                for (int i = 0; i < inputs; i++) sum += x[r * inputs + i] * p[weight + u * inputs + i];
                y[r * units + u] = sum;
            }
        return y;
    }

    private static double[] LayerNorm(double[] x, int rows, int features, double[] p, int scale, int shift)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0, variance = 0;
            for (int f = 0; f < features; f++) mean += x[r * features + f];
            mean /= features;
            for (int f = 0; f < features; f++) variance += (x[r * features + f] - mean) * (x[r * features + f] - mean);
            double inverse = 1 / Math.Sqrt(variance / features + 1e-5);
            for (int f = 0; f < features; f++) y[r * features + f] = (x[r * features + f] - mean) * inverse * p[scale + f] + p[shift + f];
        }
        return y;
    }

    private static double[] Gelu(double[] x) => x.Select(v => 0.5 * v * Numerics.Erfc(-v / Math.Sqrt(2))).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    // y = x·Wattn^T + b -> attention -> ·Wproj^T + b, q|k|v and the projections as the generated layout.
    private static double[] Attention(double[] x, int batch, int steps, int width, int heads, bool causal, double[] p,
        int qkvWeight, int qkvBias, int projectionWeight, int projectionBias)
    {
        double[] qkv = Dense(x, batch * steps, width, p, qkvWeight, qkvBias, 3 * width);
        double[] y = AttentionReference.Forward(qkv, batch, steps, heads, width / heads, causal);
        return Dense(y, batch * steps, width, p, projectionWeight, projectionBias, width);
    }

    private static double[] Embed(int[] tokens, int width, double[] p, int table, int positions, int steps)
    {
        var x = new double[tokens.Length * width];
        for (int n = 0; n < tokens.Length; n++)
            for (int f = 0; f < width; f++)
                x[n * width + f] = p[table + tokens[n] * width + f] + (positions < 0 ? 0 : p[positions + n % steps * width + f]);
        return x;
    }

    // Mean over rows and steps of -log softmax(logits)[label].
    private static double CrossEntropy(double[] logits, int[] labels, int classes)
    {
        double loss = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            double max = logits.Skip(r * classes).Take(classes).Max();
            double sum = logits.Skip(r * classes).Take(classes).Sum(v => Math.Exp(v - max));
            loss += Math.Log(sum) + max - logits[r * classes + labels[r]];
        }
        return loss / labels.Length;
    }

    private static int Offset(Span<float> all, Span<float> view) =>
        view.IsEmpty ? -1 : (int)(Unsafe.ByteOffset(ref all[0], ref view[0]) / sizeof(float));

    private static double CausalOneHeadLoss(CausalOneHeadNet net, double[] p, int[] tokens, int[] labels)
    {
        Span<float> all = net.Parameters;
        double[] x = Embed(tokens, 6, p, Offset(all, net.Embedding1Table), Offset(all, net.WpeTable), 5);
        x = Attention(x, 2, 5, 6, 1, causal: true, p, Offset(all, net.AttnQkvWeight), Offset(all, net.AttnQkvBias),
            Offset(all, net.AttnProjectionWeight), Offset(all, net.AttnProjectionBias));
        return CrossEntropy(Dense(x, 10, 6, p, Offset(all, net.HeadWeight), Offset(all, net.HeadBias), 7), labels, 7);
    }

    private static double UnmaskedThreeHeadLoss(UnmaskedThreeHeadNet net, double[] p, float[] inputs, int[] labels)
    {
        Span<float> all = net.Parameters;
        double[] x = inputs.Select(v => (double)v).ToArray();
        x = Attention(x, 2, 4, 9, 3, causal: false, p, Offset(all, net.AttnQkvWeight), Offset(all, net.AttnQkvBias),
            Offset(all, net.AttnProjectionWeight), Offset(all, net.AttnProjectionBias));
        return CrossEntropy(Dense(x, 8, 9, p, Offset(all, net.HeadWeight), Offset(all, net.HeadBias), 4), labels, 4);
    }

    private static double TinyGptLoss(TinyGpt net, double[] p, int[] tokens, int[] labels)
    {
        Span<float> all = net.Parameters;
        const int Batch = 2, Steps = 6, Width = 8, Rows = Batch * Steps;
        double[] x = Embed(tokens, Width, p, Offset(all, net.WteTable), Offset(all, net.WpeTable), Steps);
        // Block 0, then block 1: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
        x = Add(x, Attention(LayerNorm(x, Rows, Width, p, Offset(all, net.H0Ln_1Scale), Offset(all, net.H0Ln_1Shift)), Batch, Steps, Width, 2, true, p,
            Offset(all, net.H0AttnQkvWeight), Offset(all, net.H0AttnQkvBias), Offset(all, net.H0AttnProjectionWeight), Offset(all, net.H0AttnProjectionBias)));
        x = Add(x, Dense(Gelu(Dense(LayerNorm(x, Rows, Width, p, Offset(all, net.H0Ln_2Scale), Offset(all, net.H0Ln_2Shift)), Rows, Width, p,
            Offset(all, net.H0MlpC_fcWeight), Offset(all, net.H0MlpC_fcBias), 32)), Rows, 32, p, Offset(all, net.H0MlpC_projWeight), Offset(all, net.H0MlpC_projBias), Width));
        x = Add(x, Attention(LayerNorm(x, Rows, Width, p, Offset(all, net.H1Ln_1Scale), Offset(all, net.H1Ln_1Shift)), Batch, Steps, Width, 2, true, p,
            Offset(all, net.H1AttnQkvWeight), Offset(all, net.H1AttnQkvBias), Offset(all, net.H1AttnProjectionWeight), Offset(all, net.H1AttnProjectionBias)));
        x = Add(x, Dense(Gelu(Dense(LayerNorm(x, Rows, Width, p, Offset(all, net.H1Ln_2Scale), Offset(all, net.H1Ln_2Shift)), Rows, Width, p,
            Offset(all, net.H1MlpC_fcWeight), Offset(all, net.H1MlpC_fcBias), 32)), Rows, 32, p, Offset(all, net.H1MlpC_projWeight), Offset(all, net.H1MlpC_projBias), Width));
        x = LayerNorm(x, Rows, Width, p, Offset(all, net.Ln_fScale), Offset(all, net.Ln_fShift));
        return CrossEntropy(Dense(x, Rows, Width, p, Offset(all, net.Lm_headWeight), Offset(all, net.Lm_headBias), 11), labels, 11);
    }

    /// <summary>
    /// Central differences of the double reference (step 1e-6, truncation ~1e-12) against the float analytic gradient:
    /// within 2e-5 absolute + 2e-3 relative, where a wiring mistake is off by O(1). Returns the largest error seen.
    /// </summary>
    private static double AssertGradients(float[] analytic, double[] p, Func<double[], double> loss)
    {
        const double Step = 1e-6;
        double worst = 0;
        int nonZero = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + Step;
            double plus = loss(p);
            p[i] = saved - Step;
            double minus = loss(p);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            double error = Math.Abs(numeric - analytic[i]);
            worst = Math.Max(worst, error);
            Assert.True(error <= 2e-5 + 2e-3 * Math.Abs(numeric), $"parameter {i}: analytic {analytic[i]}, numeric {numeric}");
            if (Math.Abs(numeric) > 1e-7) nonZero++;
        }

        Assert.True(nonZero >= p.Length * 8 / 10, $"only {nonZero} of {p.Length} gradients are non-zero");
        return worst;
    }

    private static int[] Tokens(int count, int vocabulary, ulong seed)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, count).Select(_ => (int)(rng.NextUInt() % (uint)vocabulary)).ToArray();
    }

    [Fact]
    public void CausalOneHeadAttention_LossAndGradientsMatchADoubleReference()
    {
        var net = new CausalOneHeadNet();
        int[] tokens = Tokens(10, 7, 1), labels = Tokens(10, 7, 2);
        float loss = net.ComputeGradients(tokens, labels);
        double[] p = net.Parameters.ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(CausalOneHeadLoss(net, p, tokens, labels), loss, 1e-5);
        double worst = AssertGradients(net.Gradients.ToArray(), p, q => CausalOneHeadLoss(net, q, tokens, labels));
        Console.WriteLine($"causal 1 head: largest gradient error {worst:E2}");
    }

    [Fact]
    public void UnmaskedThreeHeadAttention_LossAndGradientsMatchADoubleReference()
    {
        var net = new UnmaskedThreeHeadNet();
        float[] inputs = Numerics.Random(2 * UnmaskedThreeHeadNet.InputSize, 3);
        int[] labels = Tokens(8, 4, 4);
        float loss = net.ComputeGradients(inputs, labels);
        double[] p = net.Parameters.ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(UnmaskedThreeHeadLoss(net, p, inputs, labels), loss, 1e-5);
        double worst = AssertGradients(net.Gradients.ToArray(), p, q => UnmaskedThreeHeadLoss(net, q, inputs, labels));
        Console.WriteLine($"unmasked 3 heads: largest gradient error {worst:E2}");
    }

    [Fact]
    public void TwoBlockGpt_LossAndGradientsMatchADoubleReference()
    {
        var net = new TinyGpt();
        int[] tokens = Tokens(12, 11, 5), labels = Tokens(12, 11, 6);
        float loss = net.ComputeGradients(tokens, labels);
        double[] p = net.Parameters.ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(TinyGptLoss(net, p, tokens, labels), loss, 1e-5);
        double worst = AssertGradients(net.Gradients.ToArray(), p, q => TinyGptLoss(net, q, tokens, labels));
        Console.WriteLine($"two-block GPT: largest gradient error {worst:E2}");
    }

    [Fact]
    public void AttentionDropout_GradientsMatchFiniteDifferencesOfTheSameMask()
    {
        // Each loss replays the dropout stream as it was before the analytic step, so every evaluation draws the same mask.
        var net = new AttentionDropoutNet();
        int[] tokens = Tokens(14, 9, 11), labels = Tokens(14, 9, 12);
        Rng before = net.DropoutRandom;
        float loss = net.ComputeGradients(tokens, labels);
        float[] analytic = net.Gradients.ToArray();
        Rng after = net.DropoutRandom;
        Assert.NotEqual(before, after);   // training drew the mask's seed

        // With the mask drawn, training loss differs from the inference loss (no dropout).
        Assert.NotEqual(net.Evaluate(tokens, labels).Loss, (double)loss, 6);
        int checkedCount = NetGen.Tests.Networks.NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic, () =>
        {
            net.DropoutRandom = before;
            return net.ComputeLoss(tokens, labels);
        }, absolute: 1e-3, relative: 2e-2, epsilon: 1e-2f);
        Assert.Equal(AttentionDropoutNet.ParameterCount, checkedCount);
    }

    [Fact]
    public void TinyGpt_NamesItsTensorsAsNanoGpt()
    {
        string folder = Path.Combine(Path.GetTempPath(), "netgen-tinygpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var net = new TinyGpt();
            string path = Path.Combine(folder, "gpt.safetensors");
            net.SaveCheckpoint(path);
            string header = System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path).AsSpan(8, 4000));
            foreach (string name in new[] { "wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.attn.c_attn.weight", "h.0.attn.c_attn.bias",
                         "h.0.attn.c_proj.weight", "h.1.ln_2.bias", "h.1.mlp.c_fc.weight", "h.1.mlp.c_proj.bias", "ln_f.weight", "lm_head.weight" })
                Assert.Contains("\"" + name + "\"", header);

            // The checkpoint round-trips: a fresh instance loads it and computes the same loss.
            int[] tokens = Tokens(12, 11, 7), labels = Tokens(12, 11, 8);
            for (int i = 0; i < 3; i++) net.TrainStep(tokens, labels);
            net.SaveCheckpoint(path);
            var copy = new TinyGpt();
            copy.LoadCheckpoint(path);
            Assert.Equal(net.ComputeLoss(tokens, labels), copy.ComputeLoss(tokens, labels));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TinyGpt_LearnsToCopyThePreviousToken()
    {
        // The label at position t is the token at t - 1 (t > 0): only attention to the previous position solves it.
        var net = new TinyGpt();
        float first = 0, last = 0;
        for (int step = 0; step < 300; step++)
        {
            int[] tokens = Tokens(12, 11, (ulong)(100 + step));
            int[] labels = new int[12];
            for (int n = 0; n < 12; n++) labels[n] = n % 6 == 0 ? 0 : tokens[n - 1];
            float loss = net.TrainStep(tokens, labels);
            if (step == 0) first = loss;
            last = loss;
        }

        Assert.True(last < first / 4, $"loss {first} -> {last}");
    }

    [Fact]
    public void TinyGpt_TrainingStepAllocatesNothing()
    {
        var net = new TinyGpt();
        int[] tokens = Tokens(12, 11, 9), labels = Tokens(12, 11, 10);
        for (int i = 0; i < 5; i++) net.TrainStep(tokens, labels);
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 20; i++) net.TrainStep(tokens, labels);
        }));
    }
}

/// <summary>Generation with the key/value cache: each step gives what Predict gives at that position over the whole prefix.</summary>
public sealed class TransformerGenerationTests
{
    [Fact]
    public void GenerationStep_MatchesPredictAtEveryPosition()
    {
        var net = new TinyGpt();
        var rng = new Rng(11);
        int[] tokens = Enumerable.Range(0, TinyGpt.ContextLength).Select(_ => rng.NextInt(11)).ToArray();
        for (int i = 0; i < 20; i++) net.TrainStep([.. tokens, .. tokens], [.. tokens.Skip(1), 0, .. tokens.Skip(1), 0]);
        var probabilities = new float[TinyGpt.OutputSize];
        net.Predict(tokens, probabilities);
        var logits = new float[TinyGpt.OutputClasses];
        net.ResetGeneration();
        for (int t = 0; t < TinyGpt.ContextLength; t++)
        {
            net.GenerationStep(tokens[t], logits);
            float max = logits.Max();
            double sum = logits.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < TinyGpt.OutputClasses; c++)
            {
                double expected = probabilities[t * TinyGpt.OutputClasses + c];
                Assert.True(Math.Abs(Math.Exp(logits[c] - max) / sum - expected) < 1e-5, $"position {t}, class {c}: {Math.Exp(logits[c] - max) / sum} against {expected}");
            }
        }

        Assert.Throws<InvalidOperationException>(() => net.GenerationStep(0, logits));
    }

    [Fact]
    public void Generate_IsSeededSlidesPastTheContextAndAllocatesNothing()
    {
        var net = new TinyGpt();
        int[] prompt = [1, 2, 3];
        int[] first = new int[40], second = new int[40];
        var a = new Rng(5);
        net.Generate(prompt, first, temperature: 0.8f, topK: 5, ref a);
        var b = new Rng(5);
        net.Generate(prompt, second, temperature: 0.8f, topK: 5, ref b);
        Assert.Equal(first, second);
        Assert.All(first, token => Assert.InRange(token, 0, 10));
        var c = new Rng(6);
        Assert.Equal(0, SteadyAllocation.Bytes(() => net.Generate(prompt, second, 1f, 3, ref c)));

        // Temperature 0 is greedy: the most likely token after the prompt.
        var logits = new float[TinyGpt.OutputClasses];
        net.ResetGeneration();
        foreach (int token in prompt) net.GenerationStep(token, logits);
        var d = new Rng(7);
        net.Generate(prompt, first.AsSpan(0, 1), 0f, 0, ref d);
        Assert.Equal(Array.IndexOf(logits, logits.Max()), first[0]);
    }
}
