namespace NetGen.Tests;

/// <summary>
/// Bytes the calling thread allocates in a steady-state window, for the zero-allocation tests. Other test classes run
/// concurrently, and a few events allocate once on whichever thread meets them: the runtime tiering methods up (4,160 B
/// once in CI), and, until the architecture search stopped replacing the shared pool for its parallel trials, a new
/// pool and the packing buffers its different split needed (5,368 B and 656,840 B, seen in two tests here). A window
/// that caught one is retried, at most four times; an allocation per step shows in every window.
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
