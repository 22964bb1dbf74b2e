using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using Mpi = MPI.Unsafe;

namespace NetGen.Distributed;

/// <summary>
/// Data-parallel training over MPI, as PyTorch's DistributedDataParallel and Horovod do it: every rank (process)
/// holds a replica of the network, takes its shard of each global batch, and one all-reduce of the flat gradient
/// buffer per step makes every rank apply the same update, so the replicas stay identical.
/// </summary>
/// <remarks>
/// <para>Typical loop (launched as <c>mpirun.mpich -np 2 dotnet App.dll</c>; without mpirun it runs as 1 rank):</para>
/// <code>
/// return DataParallel.Run(dp =>
/// {
///     var net = new MnistMlp();                       // same seed on every rank
///     dp.Synchronize(net);                            // count check, broadcast from rank 0, checksum check
///     var batches = new MiniBatches&lt;int&gt;(x, y, 784, 1, globalBatch, seed);   // same seed: same batches
///     ...
///     int rows = batches.GetBatch(b, out var images, out var labels);
///     float loss = dp.TrainStep(net, images, labels, rows);  // shard, gradients, all-reduce, optimizer step
///     ...
///     if (dp.IsRoot) { /* evaluate, print, checkpoint */ }
///     return 0;
/// });
/// </code>
/// <para>The gradient of each rank is the mean over its shard; <see cref="AllReduceGradients"/> weights it by
/// <c>localRows / globalRows</c> before the sum, so the result is the mean over the whole global batch even when the
/// shards differ in size (a batch that does not divide by the rank count): it equals single-process training at the
/// same global batch up to float rounding of the different summation order.</para>
/// <para>One instance per process (MPI is initialized once). Calls are collective: every rank must make the same
/// calls in the same order. Not thread-safe: one thread at a time.</para>
/// </remarks>
public sealed unsafe class DataParallel : IAllReduce, IDisposable
{
    // MPICH and MS-MPI both define MPI_IN_PLACE as ((void*)-1); MPI.NET 1.4.0 does not expose it.
    private static readonly IntPtr InPlace = new(-1);

    // Per-rank record gathered by the checks: parameter count, checksum, then the network's name in 64 UTF-8 bytes.
    private const int NameBytes = 64;
    private const int RecordLongs = 2 + NameBytes / sizeof(long);

    private static int _started;

    private readonly bool _ownsMpi;
    private long _allReduceTicks;
    private long _allReduceCalls;
    private bool _disposed;
    private GradientBuckets? _buckets;
    private bool _overlap;
    private int _bucketFloats = 1 << 18;

    private DataParallel(int rank, int ranks, bool ownsMpi)
    {
        Rank = rank;
        Ranks = ranks;
        _ownsMpi = ownsMpi;
    }

    /// <summary>This process's rank, 0 to <see cref="Ranks"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>Processes in the job (MPI_COMM_WORLD's size); 1 when started without mpirun.</summary>
    public int Ranks { get; }

    /// <summary>Whether this is rank 0, the one that evaluates, prints and writes checkpoints.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>The MPI library in use and what it says it is, e.g. <c>libmpich.so.12: MPICH Version: 4.0.2</c>.</summary>
    public static string LibraryDescription => $"{MpiLibrary.LoadedName ?? "msmpi.dll"}: {MpiLibrary.Version}";

    /// <summary>Seconds spent in gradient all-reduces since the start or the last <see cref="ResetTimers"/>, waiting for slower ranks included.</summary>
    public double AllReduceSeconds => (double)_allReduceTicks / Stopwatch.Frequency;

    /// <summary>Gradient all-reduces since the start or the last <see cref="ResetTimers"/>.</summary>
    public long AllReduceCount => _allReduceCalls;

    /// <summary>
    /// Loads MPICH, initializes MPI (unless the application already did) and returns this process's place in the job.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No MPICH-compatible library is installed, or the one found is Open MPI.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="DataParallel"/> was already started in this process.</exception>
    public static DataParallel Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("DataParallel.Start was already called in this process: MPI is initialized once per process; keep the first instance.");
        }

        MpiLibrary.EnsureLoaded();
        int initialized;
        Check(Mpi.MPI_Initialized(out initialized), "MPI_Initialized");
        bool ownsMpi = initialized == 0;
        if (ownsMpi)
        {
            int argc = 0;
            byte** argv = null;
            int provided;
            Check(Mpi.MPI_Init_thread(ref argc, ref argv, Mpi.MPI_THREAD_SERIALIZED, out provided), "MPI_Init_thread");
        }

        int rank, size;
        Check(Mpi.MPI_Comm_rank(Mpi.MPI_COMM_WORLD, out rank), "MPI_Comm_rank");
        Check(Mpi.MPI_Comm_size(Mpi.MPI_COMM_WORLD, out size), "MPI_Comm_size");
        return new DataParallel(rank, size, ownsMpi);
    }

    /// <summary>
    /// Starts MPI, runs <paramref name="body"/> and finalizes, so that a failing rank ends the whole job instead of
    /// leaving the others waiting forever in an all-reduce. Returns the exit code for <c>Main</c>.
    /// </summary>
    /// <remarks>
    /// A <see cref="DistributedMismatchException"/> is thrown by every rank at once: rank 0 prints it and every rank
    /// returns 3. Any other exception is printed as <c>rank R of N failed: Type: message</c> on standard error and
    /// aborts the job (<c>MPI_Abort</c>, exit code 1). No MPI library: the message, exit code 1.
    /// </remarks>
    public static int Run(Func<DataParallel, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        DataParallel parallel;
        try
        {
            parallel = Start();
        }
        catch (MpiUnavailableException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }

        try
        {
            int exitCode = body(parallel);
            parallel.Dispose();
            return exitCode;
        }
        catch (DistributedMismatchException e)
        {
            if (parallel.IsRoot) Console.Error.WriteLine($"error: {e.Message}");
            parallel.Dispose();
            return 3;
        }
        catch (Exception e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"rank {parallel.Rank} of {parallel.Ranks} failed: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine(e.StackTrace);
            Console.Error.Flush();
            if (parallel.Ranks > 1) parallel.Abort(1);
            parallel.Dispose();
            return 1;
        }
    }

    /// <summary>This rank's rows of a global batch of <paramref name="globalRows"/> rows (see <see cref="Shard.Of"/>).</summary>
    public Shard ShardOf(int globalRows) => Shard.Of(globalRows, Rank, Ranks);

    /// <summary>
    /// One data-parallel training step on a global batch that every rank holds in full: this rank computes the
    /// gradients of its shard, the gradients are averaged over the whole batch across ranks, and every rank applies
    /// the same optimizer update. Returns the mean loss over the global batch (one more all-reduce, of one number).
    /// A rank whose shard is empty (fewer rows than ranks) contributes zero gradients.
    /// </summary>
    /// <param name="network">This rank's replica: any generated network (they all implement <see cref="INetwork{TTarget}"/>).</param>
    /// <param name="inputs">The global batch's inputs, <paramref name="rows"/> rows.</param>
    /// <param name="targets">The global batch's targets, <paramref name="rows"/> rows (1 value per row for class labels).</param>
    /// <param name="rows">Rows in the global batch.</param>
    public float TrainStep<TTarget>(INetwork<TTarget> network, ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int rows)
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (inputs.Length % rows != 0 || inputs.Length == 0)
        {
            throw new ArgumentException($"inputs hold {inputs.Length} values, not a whole, non-zero number of values per row for {rows} rows.", nameof(inputs));
        }

        if (targets.Length % rows != 0 || targets.Length == 0)
        {
            throw new ArgumentException($"targets hold {targets.Length} values, not a whole, non-zero number of values per row for {rows} rows.", nameof(targets));
        }

        bool synchronizedBatchNorm = ReferenceEquals(network.BatchNormSynchronization, this);
        if (synchronizedBatchNorm && rows < Ranks)
        {
            throw new ArgumentException($"synchronized batch norm needs at least one row on every rank: a batch of {rows} rows over {Ranks} ranks leaves a rank without any.", nameof(rows));
        }

        // Running statistics (batch normalization) follow rank 0's, as DDP's default broadcast_buffers=True does;
        // each replica still normalizes with the statistics of its own shard. Synchronized statistics are equal already.
        if (Ranks > 1 && !network.Statistics.IsEmpty && !synchronizedBatchNorm) Broadcast(network.Statistics);
        Shard shard = ShardOf(rows);
        float loss = 0f;
        // Overlap needs every rank to run backward (the bucket reductions are collective): not with an empty shard.
        if (Ranks > 1 && OverlapAllReduce && rows >= Ranks)
        {
            loss = ComputeGradientsOverlapped(network, shard.Slice(inputs, inputs.Length / rows), shard.Slice(targets, targets.Length / rows), shard.Count, rows);
        }
        else
        {
            if (shard.Count > 0)
            {
                loss = network.ComputeGradients(shard.Slice(inputs, inputs.Length / rows), shard.Slice(targets, targets.Length / rows));
            }
            else
            {
                network.Gradients.Clear();
            }

            AllReduceGradients(network.Gradients, shard.Count, rows);
        }

        network.OptimizerStep();
        return Ranks == 1 ? loss : (float)AllReduceSum((double)loss * shard.Count / rows);
    }

    /// <summary>
    /// Overlap the gradient all-reduce with the backward pass (PyTorch DDP's bucketed reduction): as soon as the
    /// last layers' gradients reach <see cref="BucketFloats"/> floats, a non-blocking all-reduce of them starts while
    /// the earlier layers' backward runs. Off by default: on 2 processes of one machine it did not pay (see the
    /// README's measurement). Needs an MPI library with MPI-3's <c>MPI_Iallreduce</c> (MPICH 3 and later).
    /// </summary>
    /// <exception cref="NotSupportedException">Set to true when the MPI library has no MPI_Iallreduce.</exception>
    public bool OverlapAllReduce
    {
        get => _buckets is not null && _overlap;
        set
        {
            if (value && Ranks > 1 && _buckets is null)
            {
                MpiLibrary.NonBlocking mpi = MpiLibrary.NonBlockingFunctions()
                    ?? throw new NotSupportedException($"{LibraryDescription} has no MPI_Iallreduce (MPI-3): the all-reduce cannot overlap backward.");
                _buckets = new GradientBuckets(mpi);
            }

            _overlap = value;
        }
    }

    /// <summary>Smallest bucket of the overlapped all-reduce, in floats (default 262144, 1 MiB; DDP's default is 25 MiB).</summary>
    public int BucketFloats
    {
        get => _bucketFloats;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _bucketFloats = value;
        }
    }

    /// <summary>
    /// Synchronized batch normalization for <paramref name="network"/> (PyTorch's <c>SyncBatchNorm</c>): from now on its
    /// batch-normalization layers normalize with the statistics of the whole global batch, summed across every rank,
    /// instead of each rank's shard (DDP's default). Costs two small all-reduces per layer in forward and one in
    /// backward; every rank must hold at least one row of each batch. Call on every rank.
    /// </summary>
    public void UseSynchronizedBatchNorm(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.BatchNormSynchronization = this;
    }

    private float ComputeGradientsOverlapped<TTarget>(INetwork<TTarget> network, ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets, int localRows, int globalRows)
        where TTarget : unmanaged
    {
        GradientBuckets buckets = _buckets!;
        Span<float> gradients = network.Gradients;
        fixed (float* pinned = gradients)
        {
            buckets.Begin(pinned, gradients.Length, (float)localRows / globalRows, _bucketFloats, network.ParameterLayers.Count);
            network.GradientListener = buckets;
            try
            {
                float loss = network.ComputeGradients(inputs, targets);
                buckets.Finish();
                return loss;
            }
            finally
            {
                network.GradientListener = null;
                buckets.Wait(); // nothing may still write into the buffer once it is unpinned
                _allReduceTicks += buckets.Ticks;
                _allReduceCalls++;
            }
        }
    }

    // g = Σ_r (n_r / N) g_r   where g_r is rank r's mean gradient over its n_r rows and N = Σ_r n_r
    /// <summary>
    /// Turns every rank's mean gradient over its own shard into the mean gradient over the global batch, in place:
    /// scales by <c>localRows / globalRows</c>, then sums across ranks (one in-place MPI_Allreduce). With equal
    /// shards this is sum-then-divide-by-ranks; with unequal shards it still gives the global mean. Allocates nothing.
    /// </summary>
    /// <param name="gradients">This rank's gradients; receives the global mean gradient, identical on every rank.</param>
    /// <param name="localRows">Rows this rank's gradients were averaged over (0 if its shard was empty; then pass zeros).</param>
    /// <param name="globalRows">Rows in the global batch: the sum of every rank's <paramref name="localRows"/>.</param>
    public void AllReduceGradients(Span<float> gradients, int localRows, int globalRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalRows);
        if ((uint)localRows > (uint)globalRows)
        {
            throw new ArgumentOutOfRangeException(nameof(localRows), localRows, $"localRows must be in [0, globalRows = {globalRows}].");
        }

        if (Ranks == 1)
        {
            if (localRows != globalRows)
            {
                throw new ArgumentException($"one rank holds the whole batch: localRows ({localRows}) must equal globalRows ({globalRows}).", nameof(localRows));
            }

            return;
        }

        if (localRows != globalRows) TensorPrimitives.Multiply(gradients, (float)localRows / globalRows, gradients);
        long start = Stopwatch.GetTimestamp();
        AllReduceSum(gradients);
        _allReduceTicks += Stopwatch.GetTimestamp() - start;
        _allReduceCalls++;
    }

    /// <summary>Sums <paramref name="values"/> element-wise across every rank, in place (MPI_Allreduce, MPI_SUM). Allocates nothing.</summary>
    public void AllReduceSum(Span<float> values)
    {
        ThrowIfDisposed();
        if (Ranks == 1 || values.IsEmpty) return;
        fixed (float* pointer = values)
        {
            Check(Mpi.MPI_Allreduce(InPlace, (IntPtr)pointer, values.Length, Mpi.MPI_FLOAT, Mpi.MPI_SUM, Mpi.MPI_COMM_WORLD), "MPI_Allreduce");
        }
    }

    /// <summary>The sum of <paramref name="value"/> over every rank (a loss, a count of correct predictions).</summary>
    public double AllReduceSum(double value)
    {
        ThrowIfDisposed();
        if (Ranks == 1) return value;
        double sum = value;
        Check(Mpi.MPI_Allreduce(InPlace, (IntPtr)(&sum), 1, Mpi.MPI_DOUBLE, Mpi.MPI_SUM, Mpi.MPI_COMM_WORLD), "MPI_Allreduce");
        return sum;
    }

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank (MPI_Bcast). Every rank must pass the same length.</summary>
    public void Broadcast(Span<float> values, int root = 0)
    {
        ThrowIfDisposed();
        if ((uint)root >= (uint)Ranks) throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank in [0, {Ranks}).");
        if (Ranks == 1 || values.IsEmpty) return;
        fixed (float* pointer = values)
        {
            Check(Mpi.MPI_Bcast((IntPtr)pointer, values.Length, Mpi.MPI_FLOAT, root, Mpi.MPI_COMM_WORLD), "MPI_Bcast");
        }
    }

    /// <summary>Waits until every rank reaches this call.</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        if (Ranks > 1) Check(Mpi.MPI_Barrier(Mpi.MPI_COMM_WORLD), "MPI_Barrier");
    }

    /// <summary>
    /// Checks that every rank declares a network with the same parameter count, before anything is exchanged that
    /// depends on it (a broadcast or all-reduce with different lengths would hang or corrupt memory).
    /// </summary>
    /// <exception cref="DistributedMismatchException">On every rank, when the counts differ; the message lists each rank's count and network.</exception>
    public void CheckParameterCount(int parameterCount, string networkName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        GatherAndCheck(parameterCount, checksum: 0, networkName, compareChecksums: false);
    }

    /// <summary>
    /// Checks that every rank holds bit-identical <paramref name="parameters"/>: first their counts, then a checksum of
    /// their bits (<see cref="ParameterChecksum"/>). Call at the start (same seed on every rank) and, if wanted, now and
    /// then during training. Costs one pass over the buffer and one small all-gather.
    /// </summary>
    /// <exception cref="DistributedMismatchException">On every rank, naming the ranks whose count or checksum differs from rank 0's.</exception>
    public void VerifyIdentical(ReadOnlySpan<float> parameters, string networkName) =>
        GatherAndCheck(parameters.Length, ParameterChecksum.Of(parameters), networkName, compareChecksums: true);

    /// <summary>
    /// Makes every replica start from rank 0's state: checks the parameter counts agree, broadcasts rank 0's
    /// parameters, optimizer state and running statistics, and verifies the checksums. Call once before training.
    /// </summary>
    /// <param name="network">This rank's replica.</param>
    /// <param name="networkName">The name the error messages use; default: the class name.</param>
    /// <exception cref="DistributedMismatchException">On every rank, when the ranks disagree on the parameter count.</exception>
    public void Synchronize(INetwork network, string? networkName = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        networkName ??= network.GetType().Name;
        CheckParameterCount(network.Parameters.Length, networkName);
        CheckParameterCount(network.OptimizerState.Length + network.Statistics.Length, networkName + " (optimizer state and statistics)");
        Broadcast(network.Parameters);
        Broadcast(network.OptimizerState);
        Broadcast(network.Statistics);
        VerifyIdentical(network.Parameters, networkName);
    }

    /// <summary>Ends the whole job at once from this rank (MPI_Abort), for a failure the other ranks cannot know about.</summary>
    public void Abort(int exitCode)
    {
        if (Ranks > 1) Mpi.MPI_Abort(Mpi.MPI_COMM_WORLD, exitCode);
    }

    /// <summary>Clears <see cref="AllReduceSeconds"/> and <see cref="AllReduceCount"/> (after warm-up steps).</summary>
    public void ResetTimers()
    {
        _allReduceTicks = 0;
        _allReduceCalls = 0;
    }

    /// <summary>Finalizes MPI if <see cref="Start"/> initialized it. Collective: every rank disposes.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_ownsMpi) return;
        int finalized;
        Mpi.MPI_Finalized(out finalized);
        if (finalized == 0) Mpi.MPI_Finalize();
    }

    private void GatherAndCheck(int count, ulong checksum, string networkName, bool compareChecksums)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(networkName);
        long[] records = new long[RecordLongs * Ranks];
        Span<long> mine = records.AsSpan(RecordLongs * Rank, RecordLongs);
        mine[0] = count;
        mine[1] = unchecked((long)checksum);
        Span<byte> name = MemoryMarshal.AsBytes(mine[2..]);
        Encoding.UTF8.GetBytes(networkName.AsSpan(0, Math.Min(networkName.Length, NameBytes / 3)), name);
        if (Ranks > 1)
        {
            fixed (long* pointer = records)
            {
                Check(Mpi.MPI_Allgather(InPlace, 0, Mpi.MPI_LONG_LONG, (IntPtr)pointer, RecordLongs, Mpi.MPI_LONG_LONG, Mpi.MPI_COMM_WORLD), "MPI_Allgather");
            }
        }

        string? problem = DescribeMismatch(records, RecordLongs, compareChecksums);
        if (problem is not null) throw new DistributedMismatchException(problem);
    }

    // Null when every rank's count (and checksum) equals rank 0's; otherwise a message naming every rank's value.
    internal static string? DescribeMismatch(ReadOnlySpan<long> records, int recordLongs, bool compareChecksums)
    {
        int ranks = records.Length / recordLongs;
        bool countsDiffer = false, checksumsDiffer = false;
        for (int r = 1; r < ranks; r++)
        {
            countsDiffer |= records[r * recordLongs] != records[0];
            checksumsDiffer |= records[r * recordLongs + 1] != records[1];
        }

        if (!countsDiffer && !(compareChecksums && checksumsDiffer)) return null;
        var text = new StringBuilder();
        var differing = new List<int>();
        for (int r = 0; r < ranks; r++)
        {
            ReadOnlySpan<long> record = records.Slice(r * recordLongs, recordLongs);
            string name = Encoding.UTF8.GetString(MemoryMarshal.AsBytes(record[2..])).TrimEnd('\0');
            bool differs = countsDiffer ? record[0] != records[0] : record[1] != records[1];
            if (differs) differing.Add(r);
            text.Append(r == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"rank {r}: ");
            text.Append(countsDiffer
                ? string.Create(CultureInfo.InvariantCulture, $"{record[0]} parameters ({name})")
                : string.Create(CultureInfo.InvariantCulture, $"checksum {unchecked((ulong)record[1]):x16}"));
        }

        string ranksList = string.Join(", ", differing);
        return countsDiffer
            ? $"The ranks disagree on the network's parameter count ({text}); rank(s) {ranksList} differ from rank 0. Every rank must run the same network declaration."
            : $"The ranks hold different parameters of {Encoding.UTF8.GetString(MemoryMarshal.AsBytes(records[2..recordLongs])).TrimEnd('\0')} ({text}); rank(s) {ranksList} differ from rank 0. " +
              "Initialize every rank with the same seed, or call Synchronize to broadcast rank 0's parameters.";
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static void Check(int errorCode, string function)
    {
        if (errorCode != 0) throw new InvalidOperationException($"{function} failed with MPI error code {errorCode}.");
    }
}
