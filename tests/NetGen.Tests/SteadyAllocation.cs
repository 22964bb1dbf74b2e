namespace NetGen.Tests;

/// <summary>
/// Bytes the calling thread allocates in a steady-state window, for the zero-allocation tests. Other test classes run
/// concurrently, and a few events allocate once on whichever thread meets them: a parallel architecture search
/// (SearchRunner) sets <see cref="NetGen.Threading.WorkerPool.ThreadCount"/> and back, so the next kernel call starts a
/// new pool (about 5 KB: its threads and wake events; seen in PredictBfloat16_AllocatesNothing), and the runtime
/// tiers methods up (4,160 B once in CI). A window that caught one is retried, at most four times; an allocation per
/// step shows in every window.
/// </summary>
internal static class SteadyAllocation
{
    public static long Bytes(Action window)
    {
        long allocated = 0;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        return allocated;
    }
}
