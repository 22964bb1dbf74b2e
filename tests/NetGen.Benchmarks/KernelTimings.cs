using System.Diagnostics;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// `--kernels`: GFLOP/s of each matrix product the MLP workloads run, best of several repetitions (the best, not the
/// median, so that a busy machine disturbs kernel tuning less). Diagnostic output for tuning, not a peer comparison.
/// </summary>
internal static class KernelTimings
{
    private static readonly (string Layout, int M, int N, int K)[] Products =
    [
        ("NT", 1, 256, 784), ("NT", 1, 128, 256), ("NT", 1, 10, 128),
        ("NT", 64, 256, 784), ("NT", 64, 128, 256), ("NT", 64, 10, 128), ("NN", 64, 256, 784), ("NT", 64, 256, 768), ("NT", 256, 64, 784),
        ("NN", 64, 256, 128), ("NN", 64, 128, 10), ("TN", 256, 784, 64), ("TN", 128, 256, 64), ("TN", 10, 128, 64),
        ("NT", 256, 1024, 784), ("NT", 256, 1024, 1024), ("NT", 256, 10, 1024),
        ("NN", 256, 1024, 1024), ("NN", 256, 1024, 10), ("TN", 1024, 784, 256), ("TN", 1024, 1024, 256), ("TN", 10, 1024, 256),
        ("NN", 256, 1000, 1024), ("NN", 256, 1024, 1000), ("TN", 1024, 1000, 256), ("TN", 1000, 1024, 256),
    ];

    public static void Run(string filter, double peakGflops, bool quick)
    {
        foreach (var (layout, m, n, k) in Products)
        {
            string name = $"{layout} {m}x{n}x{k}";
            if (!name.Contains(filter, StringComparison.Ordinal)) continue;
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            for (int i = 0; i < a.Length; i++) a[i] = (i % 7) * 0.1f;
            for (int i = 0; i < b.Length; i++) b[i] = (i % 5) * 0.1f;
            Action product = layout switch
            {
                "NN" => () => Gemm.NN(a, b, c, m, n, k, accumulate: false),
                "NT" => () => Gemm.NT(a, b, c, m, n, k, accumulate: false),
                _ => () => Gemm.TN(a, b, c, m, n, k, accumulate: true),
            };
            double seconds = Best(product, quick ? 0.02 : 0.2);
            double gflops = 2.0 * m * n * k / seconds / 1e9;
            Console.WriteLine($"{name,-22} {seconds * 1e6,10:F2} us {gflops,8:F1} GFLOP/s {100 * gflops / peakGflops,6:F1}% of peak");
        }
    }

    private static double Best(Action action, double seconds)
    {
        for (int i = 0; i < 5; i++) action();
        double best = double.MaxValue;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds)
        {
            long t = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
        }
        return best;
    }
}
