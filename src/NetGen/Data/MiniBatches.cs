namespace NetGen.Data;

/// <summary>
/// Cuts a dataset into mini-batches, in a fresh shuffled order each epoch. Sample <c>i</c> is
/// <c>features[(i * featureSize)..((i + 1) * featureSize)]</c> with
/// <c>labels[(i * labelSize)..((i + 1) * labelSize)]</c>.
/// </summary>
/// <typeparam name="TLabel">Label element type: <see cref="int"/> class indices, <see cref="float"/> targets...</typeparam>
/// <remarks>
/// The order of an epoch depends only on <c>(seed, epoch)</c>, so a run can be repeated or resumed
/// at any epoch. All buffers are allocated by the constructor: <see cref="StartEpoch"/> and
/// <see cref="GetBatch"/> allocate nothing. The dataset arrays are referenced, not copied.
/// A batch's spans point into buffers that the next <see cref="GetBatch"/> call overwrites.
/// Not thread-safe.
/// </remarks>
public sealed class MiniBatches<TLabel> where TLabel : unmanaged
{
    private readonly float[] _features;
    private readonly TLabel[] _labels;
    private readonly int _featureSize;
    private readonly int _labelSize;
    private readonly int _seed;
    private readonly bool _shuffle;
    private readonly int[] _order;
    private readonly float[] _batchFeatures;
    private readonly TLabel[] _batchLabels;

    /// <summary>Creates the batcher and starts epoch 0.</summary>
    /// <param name="features">All features, <c>Count * featureSize</c> values.</param>
    /// <param name="labels">All labels, <c>Count * labelSize</c> values.</param>
    /// <param name="featureSize">Feature values per sample (784 for an MNIST image).</param>
    /// <param name="labelSize">Label values per sample (1 for a class index).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="seed">Seed of the per-epoch shuffles.</param>
    /// <param name="shuffle">Whether to shuffle; when false every epoch is in dataset order.</param>
    /// <param name="dropLast">Whether to skip the last batch when it would be shorter than <paramref name="batchSize"/>.</param>
    public MiniBatches(float[] features, TLabel[] labels, int featureSize, int labelSize, int batchSize, int seed, bool shuffle = true, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (labels.Length % labelSize != 0)
        {
            throw new ArgumentException(
                $"{nameof(labels)} has {labels.Length} values, not a multiple of {nameof(labelSize)} = {labelSize}.", nameof(labels));
        }

        int count = labels.Length / labelSize;
        if (features.LongLength != (long)count * featureSize)
        {
            throw new ArgumentException(
                $"{nameof(features)} has {features.Length} values; expected {count} samples * {nameof(featureSize)} {featureSize} = {(long)count * featureSize} (the sample count comes from {nameof(labels)}).",
                nameof(features));
        }

        _features = features;
        _labels = labels;
        _featureSize = featureSize;
        _labelSize = labelSize;
        _seed = seed;
        _shuffle = shuffle;
        Count = count;
        BatchSize = batchSize;
        BatchCount = dropLast ? count / batchSize : (count + batchSize - 1) / batchSize;
        _order = new int[count];
        int bufferRows = Math.Min(batchSize, Math.Max(count, 1));
        _batchFeatures = new float[(long)bufferRows * featureSize];
        _batchLabels = new TLabel[(long)bufferRows * labelSize];
        StartEpoch(0);
    }

    /// <summary>Number of samples in the dataset.</summary>
    public int Count { get; }

    /// <summary>Samples per full batch.</summary>
    public int BatchSize { get; }

    /// <summary>Batches per epoch (the last one may be short unless <c>dropLast</c> was set).</summary>
    public int BatchCount { get; }

    /// <summary>The epoch whose order <see cref="GetBatch"/> currently follows.</summary>
    public int Epoch { get; private set; }

    /// <summary>
    /// Computes the sample order of <paramref name="epoch"/>: a Fisher-Yates shuffle seeded by
    /// <c>(seed, epoch)</c>, or dataset order when shuffling is off. Allocates nothing.
    /// </summary>
    /// <param name="epoch">The epoch number, 0 or more.</param>
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        int[] order = _order;
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (!_shuffle) return;

        // One 64-bit state per (seed, epoch): distinct pairs give distinct SplitMix64 streams.
        ulong state = ((ulong)(uint)_seed << 32) | (uint)epoch;
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = UniformBelow(ref state, (uint)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>
    /// Copies batch <paramref name="index"/> of the current epoch into the internal buffers.
    /// </summary>
    /// <param name="index">The batch, <c>0..BatchCount-1</c>.</param>
    /// <param name="features">The batch's features, <c>rows * featureSize</c> values; valid until the next call.</param>
    /// <param name="labels">The batch's labels, <c>rows * labelSize</c> values; valid until the next call.</param>
    /// <returns>The number of samples (rows) in the batch: <see cref="BatchSize"/>, or fewer for a short last batch.</returns>
    public int GetBatch(int index, out ReadOnlySpan<float> features, out ReadOnlySpan<TLabel> labels)
    {
        if ((uint)index >= (uint)BatchCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"batch {nameof(index)} must be in 0..{BatchCount - 1} ({BatchCount} batches).");
        }

        int start = index * BatchSize;
        int rows = Math.Min(BatchSize, Count - start);
        int featureSize = _featureSize;
        int labelSize = _labelSize;
        ReadOnlySpan<float> allFeatures = _features;
        ReadOnlySpan<TLabel> allLabels = _labels;
        Span<float> batchFeatures = _batchFeatures;
        Span<TLabel> batchLabels = _batchLabels;
        for (int row = 0; row < rows; row++)
        {
            int sample = _order[start + row];
            allFeatures.Slice(sample * featureSize, featureSize).CopyTo(batchFeatures.Slice(row * featureSize, featureSize));
            allLabels.Slice(sample * labelSize, labelSize).CopyTo(batchLabels.Slice(row * labelSize, labelSize));
        }

        features = batchFeatures[..(rows * featureSize)];
        labels = batchLabels[..(rows * labelSize)];
        return rows;
    }

    // SplitMix64 (Steele, Lea, Flood 2014): a small, well-mixed generator; private so that batch
    // order never depends on how another part of NetGen consumes random numbers.
    private static ulong NextUInt64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    // Unbiased integer in [0, bound) by Lemire's multiply-and-reject (2019).
    private static int UniformBelow(ref ulong state, uint bound)
    {
        ulong product = (NextUInt64(ref state) >> 32) * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (NextUInt64(ref state) >> 32) * bound;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }
}
