namespace NetGen.Training;

/// <summary>
/// Writes a checkpoint each time <see cref="Metric"/> reaches a new best (Keras'
/// <c>ModelCheckpoint(save_best_only=True)</c>). The write is atomic, so the file always holds a
/// complete best checkpoint, even if training is killed mid-write.
/// </summary>
public sealed class CheckpointOnBest : TrainerCallback
{
    private readonly Action<string> _save;

    /// <summary>Saves to <paramref name="path"/> with <paramref name="save"/>, for example <c>network.SaveCheckpoint</c>.</summary>
    public CheckpointOnBest(string path, Action<string> save, TrainerMetric metric = TrainerMetric.ValidationLoss)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(save);
        Path = path;
        Metric = metric;
        _save = save;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>The number watched.</summary>
    public TrainerMetric Metric { get; }

    /// <summary>The epoch last saved (0 before any).</summary>
    public int SavedEpoch { get; private set; }

    /// <summary>The best value so far (NaN before one).</summary>
    public double BestValue { get; private set; } = double.NaN;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The watched metric has no value in this run (<see cref="EpochResult.CheckAvailable"/>).</exception>
    public override void OnTrainBegin(TrainerContext context)
    {
        EpochResult.CheckAvailable(Metric, context, nameof(CheckpointOnBest));
        SavedEpoch = 0;
        BestValue = double.NaN;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result)
    {
        double value = result.Value(Metric);
        if (!EpochResult.Improves(Metric, value, BestValue, 0)) return;
        BestValue = value;
        SavedEpoch = result.Epoch;
        _save(Path);
    }
}
