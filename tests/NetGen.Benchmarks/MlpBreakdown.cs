using System.Diagnostics;
using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Benchmarks;

/// <summary>
/// `--breakdown`: where a training step of the MLP workloads spends its time. Runs the kernel calls the generated
/// TrainStep makes (fused dense forward, loss, activation and dense backward, Adam), each timed alone, best of many
/// repetitions, once split across the cores (as generated for these shapes) and once on the calling thread, so the
/// two-core scaling of every phase is read from one run. Diagnostic output for tuning, not a peer comparison.
/// </summary>
internal static class MlpBreakdown
{
    public static void Run(string filter, bool quick)
    {
        foreach (var (name, sizes, batch) in new (string, int[], int)[]
        {
            ("mlp_train 784-256-128-10 b64 adam", [784, 256, 128, 10], 64),
            ("mlp_train 784-1024-1024-10 b256 adam", [784, 1024, 1024, 10], 256),
            ("mlp_infer 784-256-128-10 b1", [784, 256, 128, 10], 1),
            ("mlp_infer 784-256-128-10 b64", [784, 256, 128, 10], 64),
            ("mlp_infer 784-1024-1024-10 b256", [784, 1024, 1024, 10], 256),
        })
        {
            if (!name.Contains(filter, StringComparison.Ordinal)) continue;
            Console.WriteLine($"# {name}: microseconds per phase, best of many runs; 'cores' as generated, 'one' on the calling thread");
            Console.WriteLine($"{"phase",-34} {"cores us",10} {"one us",10} {"scaling",8} {"GFLOP/s",8}");
            RunNetwork(sizes, batch, quick, train: name.StartsWith("mlp_train", StringComparison.Ordinal));
            // The generated step as one call, timed the same way right after its phases: the gap to their sum is what
            // the phases timed alone do not see (caches the previous phase left, waking the pool between calls).
            Action step = Array.Find(Workloads.All, w => w.Name == name)!.CreateStep();
            double whole = Best(step, quick);
            Print("the generated step, one call", whole, double.NaN, 0);
        }
    }

    private static void RunNetwork(int[] sizes, int batch, bool quick, bool train)
    {
        int layers = sizes.Length - 1;
        var weights = new float[layers][];
        var biases = new float[layers][];
        var outputs = new float[layers][];
        var gradients = new float[layers][];
        var weightGradients = new float[layers][];
        var biasGradients = new float[layers][];
        float[] input = Random(batch * sizes[0], 1);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % sizes[^1];
        int parameterCount = 0;
        for (int l = 0; l < layers; l++)
        {
            weights[l] = Random(sizes[l + 1] * sizes[l], 10 + (ulong)l, 0.05f);
            biases[l] = Random(sizes[l + 1], 20 + (ulong)l, 0.05f);
            outputs[l] = new float[batch * sizes[l + 1]];
            gradients[l] = Random(batch * sizes[l + 1], 30 + (ulong)l, 1f);
            weightGradients[l] = new float[weights[l].Length];
            biasGradients[l] = new float[biases[l].Length];
            parameterCount += weights[l].Length + biases[l].Length;
        }
        double total = 0, totalOne = 0;
        for (int l = 0; l < layers; l++)
        {
            int layer = l;
            float[] x = l == 0 ? input : outputs[l - 1];
            Activation activation = l == layers - 1 ? Activation.Identity : Activation.ReLU;
            double flops = 2.0 * batch * sizes[l] * sizes[l + 1];
            (double cores, double one) = Both(parallel => Dense.Forward(x, weights[layer], biases[layer], outputs[layer], batch, sizes[layer],
                sizes[layer + 1], activation, parallel), quick);
            Print($"forward {sizes[l]}->{sizes[l + 1]} {activation}", cores, one, flops);
            total += cores; totalOne += one;
        }
        if (!train)
        {
            float[] logits = outputs[layers - 1], probabilities = new float[logits.Length];
            double softmax = Best(() => Activations.SoftmaxForward(logits, probabilities, batch, sizes[^1]), quick);
            Print("softmax", softmax, softmax, 0);
            Print("sum of the phases", total + softmax, totalOne + softmax, 0);
            return;
        }
        {
            float[] logits = outputs[layers - 1], dlogits = new float[logits.Length];
            double loss = Best(() => Losses.SoftmaxCrossEntropy(logits, labels, dlogits, batch, sizes[^1]), quick);
            Print("softmax cross-entropy", loss, loss, 0);
            total += loss; totalOne += loss;
        }
        for (int l = layers - 1; l >= 0; l--)
        {
            int layer = l;
            float[] x = l == 0 ? input : outputs[l - 1];
            float[] dx = l == 0 ? [] : gradients[l - 1];
            double flops = 2.0 * batch * sizes[l] * sizes[l + 1] * (l == 0 ? 1 : 2);
            (double cores, double one) = Both(parallel => Dense.Backward(gradients[layer], x, weights[layer], dx, weightGradients[layer],
                biasGradients[layer], batch, sizes[layer], sizes[layer + 1], accumulateParameterGradients: false, parallel), quick);
            Print($"backward {sizes[l]}->{sizes[l + 1]}{(l == 0 ? " (no dinput)" : "")}", cores, one, flops);
            total += cores; totalOne += one;
            if (l > 0)
            {
                float[] y = outputs[l - 1], dy = gradients[l - 1];
                double relu = Best(() => Activations.ReluBackward(default, y, dy, dy), quick);
                Print($"ReLU backward {sizes[l]}", relu, relu, 0);
                total += relu; totalOne += relu;
            }
        }
        {
            float[] p = Random(parameterCount, 40, 0.05f), g = Random(parameterCount, 41, 0.01f), m = new float[parameterCount], v = new float[parameterCount];
            int step = 0, threads = Threading.WorkerPool.ThreadCount;
            Action update = () => Adam.Step(p, g, m, v, default, ++step, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false);
            double adam = double.MaxValue, adamOne = double.MaxValue;
            for (int round = 0; round < (quick ? 1 : 3); round++)
            {
                adam = Math.Min(adam, Best(update, true));
                Threading.WorkerPool.ThreadCount = 1;   // Adam has no per-call choice: a one-thread pool for the comparison
                adamOne = Math.Min(adamOne, Best(update, true));
                Threading.WorkerPool.ThreadCount = threads;
            }
            Print($"Adam over {parameterCount} parameters", adam, adamOne, 0);
            total += adam; totalOne += adamOne;
        }
        Print("sum of the phases", total, totalOne, 0);
    }

    private static void Print(string phase, double cores, double one, double flops) =>
        Console.WriteLine($"{phase,-34} {cores * 1e6,10:F1} {(double.IsNaN(one) ? "" : (one * 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)),10} " +
            $"{(double.IsNaN(one) ? "" : (one / cores).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),8} {(flops > 0 ? (flops / cores / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : ""),8}");

    // Alternates the two variants so that a change in the machine's load hits both alike.
    private static (double Cores, double One) Both(Action<bool> phase, bool quick)
    {
        double cores = double.MaxValue, one = double.MaxValue;
        for (int round = 0; round < (quick ? 1 : 5); round++)
        {
            cores = Math.Min(cores, Best(() => phase(true), true));
            one = Math.Min(one, Best(() => phase(false), true));
        }
        return (cores, one);
    }

    // Warm-up of at least 0.2 s first (else 3 calls): the JIT recompiles a hot method about 100 ms after its calls
    // settle, later on a loaded machine, and a phase timed before that runs unoptimized tier-0 code.
    private static double Best(Action action, bool quick)
    {
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || (!quick && Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.2); i++) action();
        double best = double.MaxValue;
        long start = Stopwatch.GetTimestamp();
        double seconds = quick ? 0.03 : 0.15;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            long t = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        return best;
    }

    private static float[] Random(int length, ulong seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = scale * rng.NextGaussian();
        return values;
    }
}
