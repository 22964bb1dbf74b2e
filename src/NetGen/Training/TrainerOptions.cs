namespace NetGen.Training;

/// <summary>How <see cref="Trainer.Fit"/> trains: epochs, shuffling, what it evaluates, and the callbacks.</summary>
public sealed class TrainerOptions
{
    /// <summary>Passes over the training set (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Seed of the per-epoch shuffle (the same seed and epoch give the same order).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Shuffle the training set each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Also evaluate the whole training set after each epoch, for train accuracy (one more forward pass
    /// over it). Off by default: the train loss is then the mean of the epoch's batch losses, and train accuracy is NaN.
    /// </summary>
    public bool EvaluateTrainingSet { get; init; }

    /// <summary>Called in order at each stage of training: progress display, schedules, early stopping, checkpoints, plots.</summary>
    /// <exception cref="ArgumentNullException">Set to null (an empty list means no callbacks).</exception>
    public IList<TrainerCallback> Callbacks
    {
        get => _callbacks;
        init => _callbacks = value ?? throw new ArgumentNullException(nameof(Callbacks), "Callbacks cannot be null; leave it unset (or give []) for no callbacks.");
    }

    private readonly IList<TrainerCallback> _callbacks = [];
}

/// <summary>A number the callbacks watch for improvement.</summary>
public enum TrainerMetric
{
    /// <summary>Validation loss, lower is better (the training loss when there is no validation set).</summary>
    ValidationLoss,

    /// <summary>Validation accuracy, higher is better (training accuracy when there is no validation set; that needs <see cref="TrainerOptions.EvaluateTrainingSet"/>).</summary>
    ValidationAccuracy,

    /// <summary>Mean training loss of the epoch, lower is better.</summary>
    TrainLoss,
}
