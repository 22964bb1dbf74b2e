namespace NetGen.Training;

/// <summary>What one epoch gave.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean loss over the epoch's batches (weighted by batch size), as the parameters changed.</param>
/// <param name="TrainAccuracy">Accuracy on the training set after the epoch; NaN unless <see cref="TrainerOptions.EvaluateTrainingSet"/>.</param>
/// <param name="Validation">Loss, accuracy and confusion matrix on the validation set after the epoch; null without one.</param>
/// <param name="LearningRate">The learning rate used in this epoch.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch's training steps (evaluation excluded).</param>
/// <param name="SamplesPerSecond">Training samples per second in this epoch.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, ClassificationMetrics? Validation,
    float LearningRate, double Seconds, double SamplesPerSecond)
{
    /// <summary>Validation loss, NaN without a validation set.</summary>
    public double ValidationLoss => Validation?.Loss ?? double.NaN;

    /// <summary>Validation accuracy, NaN without a validation set.</summary>
    public double ValidationAccuracy => Validation?.Accuracy ?? double.NaN;

    /// <summary>The value of <paramref name="metric"/>, falling back to the training numbers when there is no validation set.</summary>
    public double Value(TrainerMetric metric) => metric switch
    {
        TrainerMetric.ValidationLoss => Validation?.Loss ?? TrainLoss,
        TrainerMetric.ValidationAccuracy => Validation?.Accuracy ?? TrainAccuracy,
        TrainerMetric.TrainLoss => TrainLoss,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
    };

    /// <summary>
    /// Throws when <paramref name="metric"/> has no number in the run <paramref name="context"/> describes: validation
    /// accuracy without a validation set falls back to training accuracy, which exists only with
    /// <see cref="TrainerOptions.EvaluateTrainingSet"/>; otherwise every epoch's value is NaN, and a callback watching it
    /// would stop after its patience reporting "best NaN", or never save.
    /// </summary>
    /// <exception cref="InvalidOperationException">The metric is NaN in every epoch of this run; the message says how to get a number.</exception>
    public static void CheckAvailable(TrainerMetric metric, TrainerContext context, string watcher)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (metric == TrainerMetric.ValidationAccuracy && context.ValidationCount == 0 && !context.Options.EvaluateTrainingSet)
        {
            throw new InvalidOperationException(
                $"{watcher} watches {metric}, but Fit has no validation set and TrainerOptions.EvaluateTrainingSet is off, so there is no accuracy to watch: " +
                "pass validationInputs and validationLabels, set EvaluateTrainingSet = true, or watch ValidationLoss.");
        }
    }

    /// <summary>True when <paramref name="value"/> beats <paramref name="best"/> by more than <paramref name="minimumDelta"/> for <paramref name="metric"/> (NaN never improves; anything beats NaN).</summary>
    public static bool Improves(TrainerMetric metric, double value, double best, double minimumDelta)
    {
        if (double.IsNaN(value)) return false;
        if (double.IsNaN(best)) return true;
        return metric == TrainerMetric.ValidationAccuracy ? value > best + minimumDelta : value < best - minimumDelta;
    }
}

/// <summary>Every epoch's result, and why training ended.</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochResult> _epochs = [];

    /// <summary>The epochs run, in order.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>True when a callback stopped training before the last epoch.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Why a callback stopped training (null when all epochs ran).</summary>
    public string? StopReason { get; internal set; }

    /// <summary>The last epoch's result (null before the first ends).</summary>
    public EpochResult? Last => _epochs.Count == 0 ? null : _epochs[^1];

    /// <summary>The epoch with the best <paramref name="metric"/> (null when none has a number).</summary>
    public EpochResult? Best(TrainerMetric metric = TrainerMetric.ValidationLoss)
    {
        EpochResult? best = null;
        foreach (EpochResult epoch in _epochs)
        {
            if (EpochResult.Improves(metric, epoch.Value(metric), best?.Value(metric) ?? double.NaN, 0)) best = epoch;
        }

        return best;
    }

    internal void Add(EpochResult result) => _epochs.Add(result);
}
