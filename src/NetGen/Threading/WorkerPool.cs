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
    private int _generation;
    private long _claim;        // (generation << 32) | next part to hand out; parts past _parts are closed
    private int _remaining;     // parts of the current job not finished yet
    private int _busy;
    private volatile bool _stopping;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;   // the first exception a part threw

    /// <summary>
    /// Threads that large kernels use, the calling thread included: the NETGEN_THREADS environment variable if set,
    /// else <see cref="Environment.ProcessorCount"/>. Setting it (1 or more) replaces the pool; set it between steps,
    /// not while a kernel runs on another thread.
    /// </summary>
    public static int ThreadCount
    {
        get => s_threadCount;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ThreadCount));
            lock (s_gate)
            {
                if (value == s_threadCount) return;
                s_threadCount = value;
                s_shared?.Stop();
                s_shared = null;
            }
        }
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
    /// Runs <c>work(context, part, parts)</c> for every part in [0, <paramref name="parts"/>) and returns when all are
    /// done. The caller and the woken workers claim parts one at a time, so the caller runs all of them if the workers
    /// are slow to wake. <paramref name="parts"/> is usually <see cref="Parallelism"/>.
    /// <paramref name="context"/> usually points at a struct on the caller's stack, which outlives the call.
    /// </summary>
    internal void Run(delegate*<void*, int, int, void> work, void* context, int parts)
    {
        Debug.Assert(parts >= 1);
        if (parts == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // Busy (another thread's job, or a kernel inside a job): the same parts, one after another, give the same result.
            for (int part = 0; part < parts; part++) work(context, part, parts);
            return;
        }
        try
        {
            int generation = _generation + 1;
            // Close the claims of the last job before rewriting its fields: a late worker's claim then fails.
            Interlocked.Exchange(ref _claim, ((long)generation << 32) | int.MaxValue);
            _work = work;
            _context = context;
            _parts = parts;
            Volatile.Write(ref _remaining, parts);
            Interlocked.Exchange(ref _claim, (long)generation << 32);
            Interlocked.Exchange(ref _generation, generation);
            foreach (var worker in _workers) worker.WakeIfSleeping();
            RunParts(generation);
            // Parts are claimed, not assigned: a worker that is descheduled or asleep leaves its parts to the caller,
            // which only waits for parts already started.
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

    // Claims and runs parts of job `generation` until none is left.
    private void RunParts(int generation)
    {
        while (true)
        {
            long claim = Volatile.Read(ref _claim);
            if ((int)(claim >> 32) != generation) return;
            var work = _work;
            void* context = _context;
            int parts = _parts;
            int part = (int)claim;
            if (part >= parts) return;
            // Success means the job was still `generation` after the fields above were read.
            if (Interlocked.CompareExchange(ref _claim, claim + 1, claim) != claim) continue;
            try
            {
                work(context, part, parts);
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
                _pool.RunParts(seen);
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
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int threads) && threads >= 1
            ? threads
            : Environment.ProcessorCount;
    }
}
