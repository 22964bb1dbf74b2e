using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Benchmarks;

/// <summary>
/// Measures this machine's FP32 fused multiply-add peak: every core runs a register-resident loop of independent
/// vector FMAs (enough accumulators to cover the FMA latency on both FMA pipes: 16 of 32 registers with AVX-512, 12 of
/// AVX2's 16, where 16 accumulators and the two operands would spill and measure a third too low), all cores at once.
/// </summary>
internal static class Peak
{
    private static float s_sink;

    /// <summary>Width of the vectors the loop uses (512 where the CPU accelerates Vector512, else 256).</summary>
    public static int VectorBits => Vector512.IsHardwareAccelerated ? 512 : 256;

    /// <summary>
    /// GFLOP/s of all <paramref name="threads"/> threads running together (2 flops per FMA lane). On a
    /// virtual machine whose two vCPUs are sometimes two hardware threads of one core, this moves with the host's
    /// placement: compare it with the one-thread figure.
    /// </summary>
    public static double MeasureGflops(int threads, double seconds)
    {
        return MeasureOnce(threads, seconds);
    }

    private static double MeasureOnce(int threads, double seconds)
    {
        var rates = new double[threads];
        using var barrier = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int index = t;
            workers[t] = new Thread(() =>
            {
                barrier.SignalAndWait();
                rates[index] = RunOneThread(seconds);
            }) { IsBackground = true };
            workers[t].Start();
        }
        foreach (var worker in workers) worker.Join();
        return rates.Sum() / 1e9;
    }

    // Flops per second of one thread: the fastest of many short blocks of FMAs (about 0.1 ms each) run for `seconds`,
    // so a busy machine that preempts the thread now and then lowers the figure less.
    private static double RunOneThread(double seconds)
    {
        const long Iterations = 1 << 14;
        long flopsPerBlock = Iterations * (Vector512.IsHardwareAccelerated ? 16 : 12) * 2 * (VectorBits / 32);
        double best = 0;
        long start = Stopwatch.GetTimestamp();
        float sink = 0;
        do
        {
            long blockStart = Stopwatch.GetTimestamp();
            sink += Vector512.IsHardwareAccelerated ? Fma512(Iterations) : Fma256(Iterations);
            best = Math.Max(best, flopsPerBlock / Stopwatch.GetElapsedTime(blockStart).TotalSeconds);
        } while (Stopwatch.GetElapsedTime(start).TotalSeconds < seconds);
        s_sink += sink;
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512(long iterations)
    {
        // x·0.999999 + 1e-7 stays finite and normal forever, so the loop never slows on denormals.
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a, c6 = c5 + a, c7 = c6 + a;
        Vector512<float> c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a, c12 = c11 + a, c13 = c12 + a, c14 = c13 + a, c15 = c14 + a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }
        var sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15));
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
        Vector256<float> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        var sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(sum);
    }
}
