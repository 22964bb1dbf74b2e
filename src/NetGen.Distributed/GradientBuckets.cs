using System.Diagnostics;
using System.Numerics.Tensors;
using Mpi = MPI.Unsafe;

namespace NetGen.Distributed;

/// <summary>
/// The overlapped gradient all-reduce of <see cref="DataParallel.OverlapAllReduce"/>, as PyTorch's DDP buckets it:
/// told by the generated backward pass as each parameter layer's gradients become final (last layer first), it
/// gathers the ranges into buckets of at least <see cref="DataParallel.BucketFloats"/> floats and starts a
/// non-blocking <c>MPI_Iallreduce</c> on each full bucket while backward goes on; <see cref="Finish"/> starts the
/// last bucket and waits for all. Bucket boundaries depend only on the layer sizes, so every rank starts the same
/// reductions in the same order, as MPI requires. Allocates nothing per step.
/// </summary>
internal sealed unsafe class GradientBuckets(MpiLibrary.NonBlocking mpi) : IGradientListener
{
    private int[] _requests = new int[8];
    private int _pending;
    private float* _gradients;
    private int _bucketStart, _bucketEnd, _bucketFloats;
    private float _weight;
    private long _ticks;

    /// <summary>Prepares a step over the pinned gradient buffer; <paramref name="weight"/> scales each range before its reduction.</summary>
    public void Begin(float* gradients, int length, float weight, int bucketFloats, int layers)
    {
        if (_requests.Length < layers + 1) _requests = new int[layers + 1]; // grows once per network shape, not per step
        _gradients = gradients;
        _bucketStart = _bucketEnd = length;
        _weight = weight;
        _bucketFloats = bucketFloats;
        _pending = 0;
        _ticks = 0;
    }

    /// <summary>Time spent inside MPI during this step (starting reductions, polling, and the final wait).</summary>
    public long Ticks => _ticks;

    /// <summary>Reductions started during this step.</summary>
    public int Reductions { get; private set; }

    public void OnGradientsReady(int offset, int count)
    {
        if (offset + count != _bucketStart)
            throw new InvalidOperationException($"gradient range [{offset}, {offset + count}) is not just below the last one ({_bucketStart}): the network reported its layers out of order.");
        if (_weight != 1f) TensorPrimitives.Multiply(new ReadOnlySpan<float>(_gradients + offset, count), _weight, new Span<float>(_gradients + offset, count));
        _bucketStart = offset;
        long start = Stopwatch.GetTimestamp();
        if (_bucketEnd - _bucketStart >= _bucketFloats) StartBucket();
        else if (_pending > 0) Poll();
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>Starts the last, partial bucket and waits until every reduction of the step is done.</summary>
    public void Finish()
    {
        long start = Stopwatch.GetTimestamp();
        if (_bucketEnd > _bucketStart) StartBucket();
        if (_bucketStart != 0)
            throw new InvalidOperationException($"the backward pass reported gradients down to {_bucketStart}, not to 0: some layers' gradients were never reduced.");
        Wait();
        _ticks += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>Waits for every reduction already started (after a failure, before the buffer is unpinned).</summary>
    public void Wait()
    {
        if (_pending == 0) return;
        fixed (int* requests = _requests)
        {
            Check(mpi.WaitAll(_pending, requests, MpiLibrary.NonBlocking.StatusesIgnore), "MPI_Waitall");
        }

        _pending = 0;
    }

    private void StartBucket()
    {
        int count = _bucketEnd - _bucketStart;
        float* bucket = _gradients + _bucketStart;
        fixed (int* requests = _requests)
        {
            Check(mpi.AllReduce(new IntPtr(-1), (IntPtr)bucket, count, Mpi.MPI_FLOAT, Mpi.MPI_SUM, Mpi.MPI_COMM_WORLD, requests + _pending), "MPI_Iallreduce");
        }

        _pending++;
        Reductions++;
        _bucketEnd = _bucketStart;
    }

    // MPICH progresses non-blocking collectives only inside MPI calls (without an asynchronous progress thread):
    // testing between layers moves the started reductions along.
    private void Poll()
    {
        int done;
        fixed (int* requests = _requests)
        {
            Check(mpi.TestAll(_pending, requests, &done, MpiLibrary.NonBlocking.StatusesIgnore), "MPI_Testall");
        }

        if (done != 0) _pending = 0;
    }

    /// <summary>Clears the count of reductions (with the step timers).</summary>
    public void ResetCounters() => Reductions = 0;

    private static void Check(int errorCode, string function)
    {
        if (errorCode != 0) throw new InvalidOperationException($"{function} failed with MPI error code {errorCode}.");
    }
}
