namespace NetGen.Distributed;

/// <summary>
/// One rank's contiguous block of rows of a global batch: rows <c>[Start, Start + Count)</c>.
/// </summary>
/// <remarks>
/// The split is as even as it can be: every rank gets <c>globalRows / ranks</c> rows and the first
/// <c>globalRows % ranks</c> ranks one more, so shard sizes differ by at most one and the shards of all ranks,
/// in rank order, tile the batch exactly once. Every rank must see the same global batch (same data, same
/// shuffle seed), which <see cref="NetGen.Data.MiniBatches{TLabel}"/> gives when every rank passes the same seed.
/// </remarks>
/// <param name="Start">The first row of the shard in the global batch.</param>
/// <param name="Count">Rows in the shard; 0 when the batch has fewer rows than there are ranks.</param>
public readonly record struct Shard(int Start, int Count)
{
    /// <summary>The shard of <paramref name="rank"/> in a batch of <paramref name="globalRows"/> rows split over <paramref name="ranks"/> ranks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, <paramref name="ranks"/> is not positive, or <paramref name="rank"/> is outside [0, ranks).</exception>
    public static Shard Of(int globalRows, int rank, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranks);
        if ((uint)rank >= (uint)ranks)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {ranks}) for {ranks} ranks.");
        }

        int baseRows = globalRows / ranks;
        int extraRows = globalRows % ranks;
        int start = rank * baseRows + Math.Min(rank, extraRows);
        int count = baseRows + (rank < extraRows ? 1 : 0);
        return new Shard(start, count);
    }

    /// <summary>
    /// This shard's rows of a global batch whose rows each hold <paramref name="valuesPerRow"/> values
    /// (<c>InputSize</c> floats for inputs, 1 for class labels).
    /// </summary>
    /// <exception cref="ArgumentException">The batch is too short for this shard.</exception>
    public ReadOnlySpan<T> Slice<T>(ReadOnlySpan<T> batch, int valuesPerRow)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(valuesPerRow);
        long end = ((long)Start + Count) * valuesPerRow;
        if (end > batch.Length)
        {
            throw new ArgumentException(
                $"batch holds {batch.Length} values; rows [{Start}, {Start + Count}) of {valuesPerRow} values need {end}.", nameof(batch));
        }

        return batch.Slice(Start * valuesPerRow, Count * valuesPerRow);
    }
}
