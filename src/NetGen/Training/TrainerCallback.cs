namespace NetGen.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/>: override the stages you need. Callbacks run in the order of
/// <see cref="TrainerOptions.Callbacks"/>. <see cref="OnBatchEnd"/> runs after every step, so keep it cheap.
/// </summary>
public abstract class TrainerCallback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainerContext context) { }

    /// <summary>Before epoch <paramref name="epoch"/> (1-based) starts; a schedule sets the learning rate here.</summary>
    public virtual void OnEpochBegin(TrainerContext context, int epoch) { }

    /// <summary>After each training step.</summary>
    public virtual void OnBatchEnd(TrainerContext context, in BatchProgress progress) { }

    /// <summary>After an epoch is trained and evaluated; call <see cref="TrainerContext.Stop"/> to end training.</summary>
    public virtual void OnEpochEnd(TrainerContext context, EpochResult result) { }

    /// <summary>After the last epoch, or after a callback stopped training.</summary>
    public virtual void OnTrainEnd(TrainerContext context, TrainingHistory history) { }
}

/// <summary>Where training is, after one step.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">0-based batch within the epoch.</param>
/// <param name="BatchCount">Batches per epoch.</param>
/// <param name="SamplesDone">Samples trained on so far in this epoch.</param>
/// <param name="Loss">This batch's mean loss.</param>
/// <param name="MeanLoss">Mean loss over the epoch's batches so far.</param>
/// <param name="SamplesPerSecond">Training throughput so far in this epoch.</param>
public readonly record struct BatchProgress(int Epoch, int Batch, int BatchCount, int SamplesDone, float Loss, double MeanLoss, double SamplesPerSecond);

/// <summary>What callbacks see of the run: the network, the plan, the history so far, and a way to stop.</summary>
public sealed class TrainerContext
{
    internal TrainerContext(INetwork<int> network, TrainerOptions options, int trainCount, int validationCount, int batchCount, TrainingHistory history)
    {
        Network = network;
        Options = options;
        TrainCount = trainCount;
        ValidationCount = validationCount;
        BatchCount = batchCount;
        History = history;
    }

    /// <summary>The network being trained.</summary>
    public INetwork<int> Network { get; }

    /// <summary>The options of this run.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Epochs planned.</summary>
    public int Epochs => Options.Epochs;

    /// <summary>Training samples.</summary>
    public int TrainCount { get; }

    /// <summary>Validation samples (0 without a validation set).</summary>
    public int ValidationCount { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount { get; }

    /// <summary>The epochs finished so far.</summary>
    public TrainingHistory History { get; }

    /// <summary>True once a callback has asked to stop.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Ends training after the current epoch's callbacks; <paramref name="reason"/> goes to <see cref="TrainingHistory.StopReason"/>.</summary>
    public void Stop(string reason)
    {
        StopRequested = true;
        History.StopReason ??= reason;
    }
}
