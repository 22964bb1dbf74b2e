namespace NetGen.Optimizers;

/// <summary>
/// Runs an optimizer's elementwise update over a flat buffer, split across the cores when the buffer is large, as
/// <see cref="Adam"/> does: parts are whole chunks of 64 floats (whole Vector512s and cache lines), and every element
/// gets the same float operations whatever the split, so results do not depend on the thread count.
/// </summary>
internal static unsafe class ElementwiseSplit
{
    /// <summary>Buffers with at least this many parameters are updated by all the cores (<see cref="Adam.ParallelThreshold"/>).</summary>
    internal const int ParallelThreshold = Adam.ParallelThreshold;

    private const int Chunk = 64;

    private struct Job
    {
        public delegate*<void*, int, int, void> Range;
        public void* Context;
        public int Length;
    }

    /// <summary>Calls <c>range(context, start, end)</c> on disjoint ranges that cover [0, <paramref name="length"/>).</summary>
    internal static void Run(delegate*<void*, int, int, void> range, void* context, int length)
    {
        if (length >= ParallelThreshold)
        {
            var pool = Threading.WorkerPool.Shared;
            if (pool.Parallelism > 1)
            {
                var job = new Job { Range = range, Context = context, Length = length };
                pool.Run(&Part, &job, pool.Parallelism * (length >= 4 * ParallelThreshold ? 2 : 1));
                return;
            }
        }
        if (length > 0) range(context, 0, length);
    }

    private static void Part(void* context, int part, int parts)
    {
        ref Job job = ref *(Job*)context;
        int chunks = (job.Length + Chunk - 1) / Chunk;
        int start = (int)((long)chunks * part / parts) * Chunk;
        int end = Math.Min(job.Length, (int)((long)chunks * (part + 1) / parts) * Chunk);
        if (start < end) job.Range(job.Context, start, end);
    }

    internal static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats; expected {expected} (one per parameter).", name);
    }

    internal static void CheckStep(int step)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is 1-based: pass 1 on the first update.");
    }

    /// <summary>Throws unless low &lt;= value &lt;= high (or &lt; high when <paramref name="highOpen"/>); NaN fails.</summary>
    internal static void CheckRange(double value, double low, double high, bool highOpen, string name)
    {
        bool inside = value >= low && (highOpen ? value < high : value <= high);
        if (!inside)
        {
            string upper = double.IsPositiveInfinity(high) ? "" : highOpen ? $", < {high}" : $", <= {high}";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be >= {low}{upper} (as torch.optim checks).");
        }
    }
}
