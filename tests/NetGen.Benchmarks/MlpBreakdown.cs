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
            if (SmallLayer.For(sizes[l], sizes[l + 1]) is { } small)
            {
                // A layer of at most 16 units: the specialized kernel (what the generator emits unless the products are
                // large enough to split across the cores) against the general one on the cores and on one thread.
                bool chosen = SmallLayer.Chosen(batch, sizes[l], sizes[l + 1]);
                (double specialized, double general, double generalOne) = Three(
                    () => small.Forward(x, weights[layer], biases[layer], outputs[layer], batch, activation),
                    parallel => Dense.Forward(x, weights[layer], biases[layer], outputs[layer], batch, sizes[layer], sizes[layer + 1], activation, parallel), quick);
                Print($"forward {sizes[l]}->{sizes[l + 1]} {activation} specialized{(chosen ? "" : "*")}", specialized, specialized, flops);
                Print($"  general kernel{(chosen ? "*" : "")}", general, generalOne, flops);
                total += chosen ? specialized : general; totalOne += chosen ? specialized : generalOne;
                continue;
            }
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
            double perRow = Best(() => PerRowSoftmaxCrossEntropy(logits, labels, dlogits, batch, sizes[^1]), quick);
            Print("  per-row TensorPrimitives path*", perRow, perRow, 0);
        }
        for (int l = layers - 1; l >= 0; l--)
        {
            int layer = l;
            float[] x = l == 0 ? input : outputs[l - 1];
            float[] dx = l == 0 ? [] : gradients[l - 1];
            double flops = 2.0 * batch * sizes[l] * sizes[l + 1] * (l == 0 ? 1 : 2);
            if (SmallLayer.For(sizes[l], sizes[l + 1]) is { } small)
            {
                bool chosen = SmallLayer.Chosen(batch, sizes[l], sizes[l + 1]);
                (double specialized, double general, double generalOne) = Three(
                    () => small.Backward(gradients[layer], x, weights[layer], dx, weightGradients[layer], biasGradients[layer], batch),
                    parallel => Dense.Backward(gradients[layer], x, weights[layer], dx, weightGradients[layer], biasGradients[layer], batch,
                        sizes[layer], sizes[layer + 1], accumulateParameterGradients: false, parallel), quick);
                Print($"backward {sizes[l]}->{sizes[l + 1]} specialized{(chosen ? "" : "*")}", specialized, specialized, flops);
                Print($"  general kernel{(chosen ? "*" : "")}", general, generalOne, flops);
                total += chosen ? specialized : general; totalOne += chosen ? specialized : generalOne;
            }
            else
            {
                (double cores, double one) = Both(parallel => Dense.Backward(gradients[layer], x, weights[layer], dx, weightGradients[layer],
                    biasGradients[layer], batch, sizes[layer], sizes[layer + 1], accumulateParameterGradients: false, parallel), quick);
                Print($"backward {sizes[l]}->{sizes[l + 1]}{(l == 0 ? " (no dinput)" : "")}", cores, one, flops);
                total += cores; totalOne += one;
            }
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

    // Losses.SoftmaxCrossEntropy as it was before the fused rows (and still is past 16 classes): five TensorPrimitives
    // calls per row. For the comparison only.
    private static float PerRowSoftmaxCrossEntropy(float[] logits, int[] labels, float[] dlogits, int batch, int classes)
    {
        double total = 0.0;
        float inverseBatch = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.AsSpan(b * classes, classes);
            Span<float> gradientRow = dlogits.AsSpan(b * classes, classes);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            System.Numerics.Tensors.TensorPrimitives.Subtract(row, max, gradientRow);
            System.Numerics.Tensors.TensorPrimitives.Exp(gradientRow, gradientRow);
            float sumExp = System.Numerics.Tensors.TensorPrimitives.Sum(gradientRow);
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradientRow, inverseBatch / sumExp, gradientRow);
            gradientRow[labels[b]] -= inverseBatch;
            total += Math.Log(sumExp) + max - row[labels[b]];
        }
        return (float)(total / batch);
    }

    // The specialized kernel and the general one on the cores and on one thread, alternated as in Both.
    private static (double Specialized, double General, double GeneralOne) Three(Action specialized, Action<bool> general, bool quick)
    {
        double s = double.MaxValue, g = double.MaxValue, one = double.MaxValue;
        for (int round = 0; round < (quick ? 1 : 5); round++)
        {
            s = Math.Min(s, Best(specialized, true));
            g = Math.Min(g, Best(() => general(true), true));
            one = Math.Min(one, Best(() => general(false), true));
        }
        return (s, g, one);
    }

    /// <summary>
    /// DenseSmall's kernels on the shapes of these workloads' classifiers. The generator specializes a layer of at most
    /// 16 units whose products stay under 2^18 multiply-adds (DenseKernelChoice.SpecializedForward); a row marked * in the
    /// output is the kernel not chosen, shown for the comparison.
    /// </summary>
    private abstract class SmallLayer
    {
        public static SmallLayer? For(int inputs, int units) => (inputs, units) switch
        {
            (128, 10) => new Of<Shape128x10>(),
            (1024, 10) => new Of<Shape1024x10>(),
            _ => null,
        };

        public static bool Chosen(int rows, int inputs, int units) => units <= DenseSmall.BlockUnits && (long)rows * inputs * units < 1 << 18;

        public abstract void Forward(float[] x, float[] w, float[] b, float[] y, int batch, Activation activation);

        public abstract void Backward(float[] dy, float[] x, float[] w, float[] dx, float[] dw, float[] db, int batch);

        private sealed class Of<TShape> : SmallLayer where TShape : struct, IDenseShape
        {
            public override void Forward(float[] x, float[] w, float[] b, float[] y, int batch, Activation activation) =>
                DenseSmall.Forward<TShape>(x, w, b, y, batch, activation);

            public override void Backward(float[] dy, float[] x, float[] w, float[] dx, float[] dw, float[] db, int batch) =>
                DenseSmall.Backward<TShape>(dy, x, w, dx, dw, db, batch, accumulateParameterGradients: false);
        }

        private readonly struct Shape128x10 : IDenseShape
        {
            public static int Inputs => 128;

            public static int Units => 10;
        }

        private readonly struct Shape1024x10 : IDenseShape
        {
            public static int Inputs => 1024;

            public static int Units => 10;
        }
    }

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
        // A phase of a few microseconds is timed over a group of calls (about 20 us each), so the clock's granularity
        // (a tenth of a microsecond or more on some virtual machines) does not round it.
        long once = Stopwatch.GetTimestamp();
        action();
        double single = Stopwatch.GetElapsedTime(once).TotalSeconds;
        int group = single >= 20e-6 ? 1 : (int)Math.Min(1000, 20e-6 / Math.Max(single, 1e-8));
        double best = double.MaxValue;
        long start = Stopwatch.GetTimestamp();
        double seconds = quick ? 0.03 : 0.15;
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < group; i++) action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds / group);
        }
        return best;
    }

    // Gaussian values scaled by `scale`, seeded: the breakdowns' inputs and weights (LeNetBreakdown too).
    internal static float[] Random(int length, ulong seed, float scale = 1f)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = scale * rng.NextGaussian();
        return values;
    }
}
