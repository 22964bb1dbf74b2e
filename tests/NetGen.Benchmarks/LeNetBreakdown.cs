using System.Diagnostics;
using System.Globalization;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// `--breakdown --workload lenet5`: where LeNet-5's inference (b1, b64) and training step (b64) spend their time.
/// Each kernel call the generated code makes, with BenchLeNet5's shapes, timed alone, best of many repetitions; the
/// sum beside the whole step shows what the calls between the kernels cost. Diagnostic output for tuning, not a peer
/// comparison.
/// </summary>
internal static class LeNetBreakdown
{
    private const int Conv1Size = 6 * 28 * 28, Pool1Size = 6 * 14 * 14, Conv2Size = 16 * 10 * 10, Pool2Size = 16 * 5 * 5;

    public static void Run(string filter, bool quick)
    {
        foreach (var (name, batch, train) in new (string, int, bool)[]
        {
            ("lenet5_infer b1", 1, false), ("lenet5_infer b64", 64, false), ("lenet5_train b64 adam", 64, true),
        })
        {
            if (!name.Contains(filter, StringComparison.Ordinal)) continue;
            Console.WriteLine($"# {name}: microseconds per phase, best of many runs");
            RunNetwork(batch, train, quick);
        }
    }

    private static void RunNetwork(int batch, bool train, bool quick)
    {
        float[] input = MlpBreakdown.Random(batch * 784, 1);
        float[] w1 = MlpBreakdown.Random(6 * 25, 2, 0.2f), b1 = MlpBreakdown.Random(6, 3, 0.1f), w2 = MlpBreakdown.Random(16 * 150, 4, 0.1f), b2 = MlpBreakdown.Random(16, 5, 0.1f);
        float[] d1 = MlpBreakdown.Random(120 * 400, 6, 0.05f), e1 = MlpBreakdown.Random(120, 7, 0.05f), d2 = MlpBreakdown.Random(84 * 120, 8, 0.1f), e2 = MlpBreakdown.Random(84, 9, 0.1f);
        float[] d3 = MlpBreakdown.Random(10 * 84, 10, 0.1f), e3 = MlpBreakdown.Random(10, 11, 0.1f);
        float[] conv1 = new float[batch * Conv1Size], pool1 = new float[batch * Pool1Size], conv2 = new float[batch * Conv2Size];
        float[] pool2 = new float[batch * Pool2Size], dense1 = new float[batch * 120], dense2 = new float[batch * 84], dense3 = new float[batch * 10];
        int[] argmax1 = new int[pool1.Length], argmax2 = new int[pool2.Length];
        float[] scratch = new float[Math.Max(Conv2D.ScratchSize(batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1),
            Conv2D.ScratchSize(batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1))];
        var phases = new List<(string Name, Action Action, double Flops)>
        {
            ("conv1 forward 1->6 5x5 pad 2 ReLU", () => Conv2D.Forward(input, w1, b1, conv1, scratch, Activation.ReLU, batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1), 2.0 * batch * Conv1Size * 25),
            ("maxpool1 forward", () => Pooling.MaxForward(conv1, pool1, argmax1, batch, 6, 28, 28, 2, 2, 2, 2, 0, 0), 0),
            ("conv2 forward 6->16 5x5 ReLU", () => Conv2D.Forward(pool1, w2, b2, conv2, scratch, Activation.ReLU, batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1), 2.0 * batch * Conv2Size * 150),
            ("maxpool2 forward", () => Pooling.MaxForward(conv2, pool2, argmax2, batch, 16, 10, 10, 2, 2, 2, 2, 0, 0), 0),
            ("dense 400->120 ReLU", () => Dense.Forward(pool2, d1, e1, dense1, batch, 400, 120, Activation.ReLU, true), 2.0 * batch * 400 * 120),
            ("dense 120->84 ReLU", () => Dense.Forward(dense1, d2, e2, dense2, batch, 120, 84, Activation.ReLU, true), 2.0 * batch * 120 * 84),
            ("dense 84->10", () => Dense.Forward(dense2, d3, e3, dense3, batch, 84, 10, Activation.Identity, false), 2.0 * batch * 84 * 10),
        };
        if (!train)
        {
            int size1 = Math.Max(Conv2D.MaxPoolScratchSize(true, batch, 1, 28, 28, 6, 5, 1, 2, 1), Conv2D.MaxPoolScratchSize(false, batch, 1, 28, 28, 6, 5, 1, 2, 1));
            int size2 = Math.Max(Conv2D.MaxPoolScratchSize(true, batch, 6, 14, 14, 16, 5, 1, 0, 1), Conv2D.MaxPoolScratchSize(false, batch, 6, 14, 14, 16, 5, 1, 0, 1));
            float[] pooledScratch = new float[Math.Max(size1, size2)];
            var network = new BenchLeNet5();
            float[] probabilities = new float[batch * 10];
            phases.Add(("(fused) whole Predict (convs fused with pools)", () => network.Predict(input, probabilities), 0));
            phases.Add(("(fused) whole Forward (training mode: apart)", () => network.Forward(input), 0));
            phases.Add(("(fused) dense 400->120->84 two layers (b<8)", () => Dense.ForwardTwoLayers(pool2, d1, e1, Activation.ReLU, dense1, d2, e2, Activation.ReLU, dense2, batch, 400, 120, 84), 2.0 * batch * 120 * (400 + 84)));
            // Each with its weights arranged once and kept (the prepared overloads, as generated), then arranged every call.
            float[] Prepared(bool channels, int inChannels, int size, int filters, int padding) =>
                new float[Conv2D.MaxPoolPreparedSize(channels, inChannels, size, size, filters, 5, 1, padding, 1)];
            float[] c1c = Prepared(true, 1, 28, 6, 2), c1p = Prepared(false, 1, 28, 6, 2), c2c = Prepared(true, 6, 14, 16, 0), c2p = Prepared(false, 6, 14, 16, 0);
            phases.Add(("(fused) conv1+ReLU+pool, channel vectors", () => Conv2D.ForwardMaxPoolChannels(input, w1, b1, pool1, default, c1c, pooledScratch, Activation.ReLU, batch, 1, 28, 28, 6, 5, 1, 2, 1), 2.0 * batch * Conv1Size * 25));
            phases.Add(("(fused) conv1+ReLU+pool, planes", () => Conv2D.ForwardMaxPoolPlanes(input, w1, b1, pool1, c1p, pooledScratch, Activation.ReLU, batch, 1, 28, 28, 6, 5, 1, 2, 1), 2.0 * batch * Conv1Size * 25));
            phases.Add(("(fused)   planes, arranging the weights every call", () => Conv2D.ForwardMaxPoolPlanes(input, w1, b1, pool1, pooledScratch, Activation.ReLU, batch, 1, 28, 28, 6, 5, 1, 2, 1), 2.0 * batch * Conv1Size * 25));
            phases.Add(("(fused) conv2+ReLU+pool, channel vectors", () => Conv2D.ForwardMaxPoolChannels(pool1, w2, b2, pool2, default, c2c, pooledScratch, Activation.ReLU, batch, 6, 14, 14, 16, 5, 1, 0, 1), 2.0 * batch * Conv2Size * 150));
            phases.Add(("(fused)   channel vectors, arranging every call", () => Conv2D.ForwardMaxPoolChannels(pool1, w2, b2, pool2, pooledScratch, Activation.ReLU, batch, 6, 14, 14, 16, 5, 1, 0, 1), 2.0 * batch * Conv2Size * 150));
            phases.Add(("(fused) conv2+ReLU+pool, planes", () => Conv2D.ForwardMaxPoolPlanes(pool1, w2, b2, pool2, c2p, pooledScratch, Activation.ReLU, batch, 6, 14, 14, 16, 5, 1, 0, 1), 2.0 * batch * Conv2Size * 150));
        }
        if (train)
        {
            float[] g3 = new float[dense3.Length], g2 = MlpBreakdown.Random(dense2.Length, 20), g1 = MlpBreakdown.Random(dense1.Length, 21), gp2 = MlpBreakdown.Random(pool2.Length, 22);
            float[] gc2 = MlpBreakdown.Random(conv2.Length, 23), gp1 = MlpBreakdown.Random(pool1.Length, 24), gc1 = MlpBreakdown.Random(conv1.Length, 25);
            float[] grads = new float[61706];
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = i % 10;
            Span<float> G(int offset, int length) => grads.AsSpan(offset, length);
            phases.Add(("softmax cross-entropy", () => Losses.SoftmaxCrossEntropy(dense3, labels, g3, batch, 10), 0));
            phases.Add(("dense 84->10 backward", () => Dense.Backward(g3, dense2, d3, g2, G(0, 840), G(840, 10), batch, 84, 10, true, false), 4.0 * batch * 840));
            phases.Add(("dense 120->84 backward", () => Dense.Backward(g2, dense1, d2, g1, G(0, 84 * 120), G(10080, 84), batch, 120, 84, true, true), 4.0 * batch * 120 * 84));
            phases.Add(("dense 400->120 backward", () => Dense.Backward(g1, pool2, d1, gp2, G(0, 48000), G(48000, 120), batch, 400, 120, true, true), 4.0 * batch * 48000));
            phases.Add(("ReLU backward conv2, on pool2's gradient", () => Activations.ReluBackward(default, pool2, gp2, gp2), 0));
            phases.Add(("maxpool2 backward", () => Pooling.MaxBackward(gp2, argmax2, gc2, batch, 16, 10, 10, 5, 5), 0));
            phases.Add(("conv2 backward (dinput, dweight, dbias)", () => Conv2D.Backward(gc2, pool1, w2, gp1, G(0, 2400), G(2400, 16), scratch, batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1), 4.0 * batch * Conv2Size * 150));
            phases.Add(("conv2 backward dweight+dbias only", () => Conv2D.Backward(gc2, pool1, w2, default, G(0, 2400), G(2400, 16), scratch, batch, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1), 2.0 * batch * Conv2Size * 150));
            phases.Add(("ReLU backward conv1, on pool1's gradient", () => Activations.ReluBackward(default, pool1, gp1, gp1), 0));
            phases.Add(("maxpool1 backward", () => Pooling.MaxBackward(gp1, argmax1, gc1, batch, 6, 28, 28, 14, 14), 0));
            phases.Add(("conv1 backward (dweight, dbias)", () => Conv2D.Backward(gc1, input, w1, default, G(0, 150), G(150, 6), scratch, batch, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1), 2.0 * batch * Conv1Size * 25));
            float[] p = MlpBreakdown.Random(grads.Length, 40, 0.05f), g = MlpBreakdown.Random(grads.Length, 41, 0.01f), m = new float[grads.Length], v = new float[grads.Length];
            int step = 0;
            float[] fusedScratch = new float[Conv2D.MaxPoolScratchSize(true, batch, 6, 14, 14, 16, 5, 1, 0, 1)];
            float[] fusedPrepared = new float[Conv2D.MaxPoolPreparedSize(true, 6, 14, 14, 16, 5, 1, 0, 1)];
            phases.Add(("(fused) conv2+ReLU+pool2+argmax (as generated)", () => Conv2D.ForwardMaxPoolChannels(pool1, w2, b2, pool2, argmax2, fusedPrepared, fusedScratch, Activation.ReLU, batch, 6, 14, 14, 16, 5, 1, 0, 1), 2.0 * batch * Conv2Size * 150));
            var network = new BenchLeNet5();
            phases.Add(("(fused) whole TrainStep", () => network.TrainStep(input, labels), 0));
            phases.Add(($"Adam over {grads.Length} parameters", () => Adam.Step(p, g, m, v, default, ++step, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false), 0));
        }
        Console.WriteLine($"{"phase",-42} {"us",10} {"GFLOP/s",8}");
        // Rounds over every phase, the best of each kept: a burst of load on the machine hits one round, not one phase.
        var best = new double[phases.Count];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < (quick ? 1 : 4); round++)
            for (int i = 0; i < phases.Count; i++) best[i] = Math.Min(best[i], Best(phases[i].Action, quick, warm: round == 0));
        double total = 0;
        for (int i = 0; i < phases.Count; i++)
        {
            var (name, _, flops) = phases[i];
            double seconds = best[i];
            if (!name.Contains("only", StringComparison.Ordinal) && !name.StartsWith("(fused)", StringComparison.Ordinal)) total += seconds;
            Console.WriteLine($"{name,-42} {seconds * 1e6,10:F2} {(flops > 0 && seconds > 0 ? (flops / seconds / 1e9).ToString("F1", CultureInfo.InvariantCulture) : ""),8}");
        }
        Console.WriteLine($"{"sum of the phases",-42} {total * 1e6,10:F2}");
    }

    // Warm-up of at least 0.2 s (the JIT's tier-1 recompile), then the fastest call in `seconds` (0.15 s unless said;
    // RecurrentBreakdown's longer calls take 0.3 s).
    internal static double Best(Action action, bool quick, bool warm, double seconds = 0.15)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || (warm && !quick && Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 0.2); i++) action();
        double best = double.MaxValue;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < (quick ? 0.03 : seconds))
        {
            long t = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        return best;
    }
}
