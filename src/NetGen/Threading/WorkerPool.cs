using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NetGen.Threading;

/// <summary>
/// The threads that NetGen's large kernels (matrix products) split their work across: started once, woken per call,
/// with no allocation and no <see cref="Task"/> per call. The calling thread works on every job too, so a pool of
/// <see cref="ThreadCount"/> threads starts <c>ThreadCount - 1</c> workers.
/// </summary>
/// <remarks>
/// Kernels split their output into disjoint parts and compute every element in the same order whatever the part,
/// so results are bit-identical for every thread count. Workers spin for a short while after a job (the next kernel
/// of a training step usually follows within microseconds), then sleep until woken. A job started while the pool is
/// busy (a second network training on another thread, or a kernel called from inside a job) runs all its parts on
/// its own thread.
/// </remarks>
public sealed unsafe class WorkerPool
{
    // How long an idle worker spins before it sleeps; a wake-up from sleep costs tens of microseconds.
    private const long SpinMicroseconds = 200;

    private static WorkerPool? s_shared;
    private static int s_threadCount = DefaultThreadCount();
    private static readonly object s_gate = new();

    private readonly Worker[] _workers;
    private delegate*<void*, int, int, void> _work;
    private void* _context;
    private int _parts;
    private int _slots;         // claimable units of the current job: min(parts, 64), each a run of consecutive parts
    private int _generation;
    private long _claimed = -1L; // bit s set: slot s is taken (or does not exist); all set between jobs
    private int _remaining;     // slots of the current job not finished yet
    private int _busy;
    private volatile bool _stopping;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;   // the first exception a part threw

    /// <summary>Most claimable slots per job: one bit each in <see cref="_claimed"/>.</summary>
    private const int MaxSlots = 64;

    /// <summary>
    /// The most threads <see cref="ThreadCount"/> accepts. A job splits into at most 64 claimable slots, so threads past
    /// that only wait; the bound is there so that a mistyped count (int.MaxValue) is an argument error, not an
    /// OutOfMemoryException while the pool starts its workers.
    /// </summary>
    public const int MaxThreadCount = 256;

    /// <summary>
    /// Threads that large kernels use, the calling thread included: the NETGEN_THREADS environment variable if set
    /// (and in [1, <see cref="MaxThreadCount"/>]), else <see cref="Environment.ProcessorCount"/>. Setting it replaces the
    /// pool; set it between steps, not while a kernel runs on another thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxThreadCount"/>.</exception>
    public static int ThreadCount
    {
        get => s_threadCount;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ThreadCount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreadCount, nameof(ThreadCount));
            lock (s_gate)
            {
                if (value == s_threadCount) return;
                s_threadCount = value;
                s_shared?.Stop();
                s_shared = null;
            }
        }
    }

    [ThreadStatic] private static bool t_runsOnCaller;

    /// <summary>
    /// Whether jobs started on this thread run all their parts on it, one after another (the same results): what a
    /// thread sets that trains one of several networks side by side, one core each (the architecture search's trial
    /// threads), so that they neither wait for nor oversubscribe the shared pool, which stays as it is.
    /// </summary>
    public static bool RunsOnCaller
    {
        get => t_runsOnCaller;
        set => t_runsOnCaller = value;
    }

    /// <summary>The pool of <see cref="ThreadCount"/> threads, started on first use.</summary>
    internal static WorkerPool Shared
    {
        get
        {
            WorkerPool? pool = Volatile.Read(ref s_shared);
            if (pool is not null) return pool;
            lock (s_gate) return s_shared ??= new WorkerPool(s_threadCount);
        }
    }

    private WorkerPool(int threads)
    {
        _workers = new Worker[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i + 1);
        }
    }

    /// <summary>Threads a job is split across, the caller included.</summary>
    internal int Parallelism => _workers.Length + 1;

    /// <summary>
    /// Tests and benchmarks only: true splits every latency-bound job (<see cref="RunLatencyBound"/>), false runs
    /// every one on its caller; null (the default) lets each call site choose by what it measured.
    /// </summary>
    internal static bool? SplitLatencyBoundJobs { get; set; }

    // What the latency-bound call sites measured, by (work, key); open addressing, never removed. Static, so that a pool
    // replaced (ThreadCount set) keeps what its predecessor learned rather than allocating every site again.
    private const int SiteCount = 64;
    private static readonly LatencyBoundSite?[] s_sites = new LatencyBoundSite?[SiteCount];

    private sealed class LatencyBoundSite
    {
        public nint Work;
        public long Key;
        public SplitChoice Choice;
    }

    /// <summary>
    /// <see cref="Run"/> for a job so short (a few microseconds) that the handoff to the workers costs about as much as
    /// splitting saves, which depends on the machine: on a virtual machine whose two vCPUs the host sometimes places
    /// on cores that share no L3, one cache line between them takes 400-450 ns instead of 70-130, and LeNet-5's
    /// one-sample Predict measured 5.9-6.9 us split on near cores, 12.8-14.2 us split on far ones and 7.4-7.6 us on
    /// one thread (Zen 5, 2026-12-02), while on another host (Zen 3, 2026-12-03) splitting won in both placements
    /// (37 against 56 us). So the call site measures both: it runs the way that has been faster (see
    /// <see cref="SplitChoice"/>), timing every call, and now and then the other way. Both ways run the same parts,
    /// in order on one thread or spread over the pool, so the result is the same. <paramref name="key"/> tells apart
    /// the shapes that one work function serves (its multiply-adds, say).
    /// </summary>
    internal void RunLatencyBound(delegate*<void*, int, int, void> work, void* context, int parts, long key)
    {
        bool split;
        if (parts <= 1 || _workers.Length == 0 || t_runsOnCaller) split = false;
        else if (SplitLatencyBoundJobs is bool forced) split = forced;
        else
        {
            ref SplitChoice choice = ref Site((nint)work, key).Choice;
            split = choice.NextSplits(WorkersAwake());
            long start = Stopwatch.GetTimestamp();
            RunSplitOrNot(work, context, parts, split);
            choice.Record(split, Stopwatch.GetTimestamp() - start);
            return;
        }
        RunSplitOrNot(work, context, parts, split);
    }

    private void RunSplitOrNot(delegate*<void*, int, int, void> work, void* context, int parts, bool split)
    {
        if (split) Run(work, context, parts);
        else RunInOrder(work, context, parts);
    }

    // Every part in order on the calling thread. As in a split job, a part that throws does not stop the others: the
    // first exception is rethrown once every part has run.
    private static void RunInOrder(delegate*<void*, int, int, void> work, void* context, int parts)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        for (int part = 0; part < parts; part++)
        {
            try
            {
                work(context, part, parts);
            }
            catch (Exception exception)
            {
                failure ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
            }
        }
        failure?.Throw();
    }

    // The site of (work, key): found, or claimed in the first free slot of its probe sequence; a full table (more
    // than 64 latency-bound shapes) shares the last slot probed, which costs only the quality of that site's choice.
    private static LatencyBoundSite Site(nint work, long key)
    {
        int start = (int)((ulong)(work ^ (nint)key * unchecked((nint)0x9E3779B97F4A7C15)) % SiteCount), index = start;
        for (int probe = 0; probe < SiteCount; probe++, index = (index + 1) % SiteCount)
        {
            LatencyBoundSite? site = Volatile.Read(ref s_sites[index]);
            if (site is null)
            {
                var created = new LatencyBoundSite { Work = work, Key = key };
                site = Interlocked.CompareExchange(ref s_sites[index], created, null) ?? created;
            }
            if (site.Work == work && site.Key == key) return site;
        }
        return s_sites[start]!;
    }

    // Whether every worker is spinning, ready for a job within a cache line's trip (a sleeping one takes tens of
    // microseconds to wake, which would make a split look slow); wakes the sleeping ones, for the next call.
    private bool WorkersAwake()
    {
        bool awake = true;
        foreach (var worker in _workers)
        {
            if (!worker.Sleeping) continue;
            awake = false;
            worker.WakeIfSleeping();
        }
        return awake;
    }

    /// <summary>
    /// Runs <c>work(context, part, parts)</c> for every part in [0, <paramref name="parts"/>) and returns when all are
    /// done. Thread t (the caller is 0, worker i is i) first takes its own share of the parts, the t-th of
    /// <see cref="Parallelism"/> consecutive runs, so a kernel called again with the same split finds its part of the
    /// data in that core's cache; then it takes whatever is left, so a thread that is slow to wake, or whose core is
    /// taken by another process, leaves its share to the others instead of holding up the call.
    /// <paramref name="parts"/> is usually a multiple of <see cref="Parallelism"/>.
    /// <paramref name="context"/> usually points at a struct on the caller's stack, which outlives the call.
    /// </summary>
    internal void Run(delegate*<void*, int, int, void> work, void* context, int parts)
    {
        Debug.Assert(parts >= 1);
        if (parts == 1 || t_runsOnCaller || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // Busy (another thread's job, or a kernel inside a job): the same parts, one after another, give the same result.
            RunInOrder(work, context, parts);
            return;
        }
        try
        {
            // Every slot of the last job is claimed (it finished), so no late worker can claim one while the fields
            // change; a worker reads the fields only after its claim succeeds.
            int slots = Math.Min(parts, MaxSlots);
            _work = work;
            _context = context;
            _parts = parts;
            _slots = slots;
            Volatile.Write(ref _remaining, slots);
            Interlocked.Exchange(ref _claimed, slots == MaxSlots ? 0L : -1L << slots);
            Interlocked.Increment(ref _generation);
            foreach (var worker in _workers) worker.WakeIfSleeping();
            RunSlots(thread: 0);
            // The caller only waits for slots already started: the rest it has run itself.
            long spinUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 500;
            var spinner = new SpinWait();
            while (Volatile.Read(ref _remaining) != 0)
            {
                if (Stopwatch.GetTimestamp() < spinUntil) Thread.SpinWait(4);
                else spinner.SpinOnce(sleep1Threshold: -1);
            }
            var failure = Interlocked.Exchange(ref _failure, null);
            failure?.Throw();   // on the caller, with the part's stack trace, never on a worker (which would end the process)
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // Claims and runs slots of the current job until none is left: first thread's own share, then the highest free
    // slot (the far end of another thread's share, which that thread reaches last).
    private void RunSlots(int thread)
    {
        int threads = Parallelism;
        while (true)
        {
            long claimed = Volatile.Read(ref _claimed);
            if (claimed == -1L) return;
            // The share read here may be a newer job's than the word above: any free bit is a valid slot of the job
            // that the claim below takes, so a stale share costs locality, never correctness.
            int slots = _slots;
            int first = slots >= threads ? thread * slots / threads : Math.Min(thread, slots);
            int last = slots >= threads ? (thread + 1) * slots / threads : Math.Min(thread + 1, slots);
            long share = last - first >= MaxSlots ? -1L : ((1L << (last - first)) - 1) << first;
            long free = ~claimed;
            int slot = (free & share) != 0
                ? System.Numerics.BitOperations.TrailingZeroCount(free & share)
                : 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)free);
            if (Interlocked.CompareExchange(ref _claimed, claimed | (1L << slot), claimed) != claimed) continue;
            // Claimed: the job cannot change until this slot is done, so its fields are this job's.
            var work = _work;
            void* context = _context;
            int parts = _parts;
            int slotCount = _slots;
            try
            {
                int end = (int)((long)parts * (slot + 1) / slotCount);
                for (int part = (int)((long)parts * slot / slotCount); part < end; part++) work(context, part, parts);
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception), null);
            }
            Interlocked.Decrement(ref _remaining);
        }
    }

    // Takes the pool for good (a job in flight finishes first; later jobs run on their callers), then ends the workers.
    private void Stop()
    {
        var spinner = new SpinWait();
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) spinner.SpinOnce();
        _stopping = true;
        Interlocked.Increment(ref _generation);
        foreach (var worker in _workers) worker.WakeIfSleeping();
    }

    private sealed class Worker
    {
        private readonly WorkerPool _pool;
        private readonly int _part;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private int _sleeping;

        public Worker(WorkerPool pool, int part)
        {
            _pool = pool;
            _part = part;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"NetGen worker {part}" };
            thread.UnsafeStart();
        }

        public bool Sleeping => Volatile.Read(ref _sleeping) != 0;

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        }

        private void Loop()
        {
            Kernels.Gemm.PrepareThread();   // the packing buffers, before the first job rather than inside it
            int seen = Volatile.Read(ref _pool._generation);
            while (true)
            {
                seen = WaitForJob(seen);
                if (_pool._stopping) return;
                _pool.RunSlots(_part);
            }
        }

        // Spins until the generation moves past `seen`, sleeping on the event after SpinMicroseconds; returns the new one.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private int WaitForJob(int seen)
        {
            long spinUntil = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
            int generation;
            while ((generation = Volatile.Read(ref _pool._generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(8);
                    continue;
                }
                _wake.Reset();
                Interlocked.Exchange(ref _sleeping, 1);   // a full fence: the pool sees the flag, or we see its generation
                if (Volatile.Read(ref _pool._generation) == seen) _wake.Wait();
                Interlocked.Exchange(ref _sleeping, 0);
                spinUntil = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
            }
            return generation;
        }
    }

    private static int DefaultThreadCount()
    {
        string? text = Environment.GetEnvironmentVariable("NETGEN_THREADS");
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int threads) && threads is >= 1 and <= MaxThreadCount
            ? threads
            : Math.Min(Environment.ProcessorCount, MaxThreadCount);
    }
}
