namespace NetGen.Text;

/// <summary>
/// Batches for stateful truncated backpropagation through time: the source is cut into B equal
/// contiguous streams, and batch k holds steps [kT, (k+1)T) of every stream, so row b of one batch
/// continues row b of the previous one and a recurrent layer can carry its state across batches.
/// </summary>
/// <remarks>
/// Stream b covers <c>source[b*L .. b*L + L]</c> with <c>L = (N - 1) / B</c> (the +1 is the last
/// target); an epoch is <c>L / T</c> batches and drops the at most T-1 leftover steps per stream.
/// When <see cref="Next"/> returns false the epoch is over: call <see cref="Reset"/> and zero the carried state.
/// </remarks>
public sealed class SequentialBatches
{
    private readonly int[] _source;
    private int _batchIndex;

    /// <summary>Cuts <paramref name="source"/> into <paramref name="batch"/> streams read <paramref name="steps"/> tokens at a time.</summary>
    /// <exception cref="ArgumentException">The source is too short for one batch.</exception>
    public SequentialBatches(int[] source, int batch, int steps)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of steps must be positive.");
        _source = source;
        Batch = batch;
        Steps = steps;
        StreamLength = (source.Length - 1) / batch;
        BatchesPerEpoch = StreamLength / steps;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException(
                $"source holds {source.Length} tokens; {batch} streams of {steps} steps need at least {batch * steps + 1}.", nameof(source));
    }

    /// <summary>The number of parallel streams, B.</summary>
    public int Batch { get; }

    /// <summary>The steps per batch, T.</summary>
    public int Steps { get; }

    /// <summary>Tokens per stream, L = (N - 1) / B.</summary>
    public int StreamLength { get; }

    /// <summary>Batches in one pass over the streams, L / T.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Batches already taken in this epoch.</summary>
    public int BatchIndex => _batchIndex;

    // inputs[b,t] = source[b*L + k*T + t], targets[b,t] = source[b*L + k*T + t + 1] for batch k of the epoch
    /// <summary>
    /// Fills <paramref name="inputs"/> and <paramref name="targets"/> [B, T] with the next batch and
    /// returns true; returns false, writing nothing, once the epoch is over. Allocates nothing.
    /// </summary>
    public bool Next(Span<int> inputs, Span<int> targets)
    {
        CharCorpus.CheckBatch(_source.Length, inputs.Length, targets.Length, Batch, Steps);
        if (_batchIndex >= BatchesPerEpoch) return false;
        int offset = _batchIndex * Steps;
        for (int b = 0; b < Batch; b++)
        {
            int start = b * StreamLength + offset;
            _source.AsSpan(start, Steps).CopyTo(inputs.Slice(b * Steps, Steps));
            _source.AsSpan(start + 1, Steps).CopyTo(targets.Slice(b * Steps, Steps));
        }
        _batchIndex++;
        return true;
    }

    /// <summary>Starts the streams over from their beginnings (a new epoch).</summary>
    public void Reset() => _batchIndex = 0;
}
