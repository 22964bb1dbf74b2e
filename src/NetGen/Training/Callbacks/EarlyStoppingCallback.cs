using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// <see cref="EarlyStopping"/> as a <see cref="Trainer"/> callback: stops training when <see cref="Metric"/>
/// has not improved by more than <see cref="MinimumDelta"/> for <see cref="Patience"/> epochs in a row
/// (Keras' <c>EarlyStopping</c>), and with <see cref="RestoreBestWeights"/> puts the best epoch's
/// parameters back when training ends, so the network ends at its best epoch, not its last.
/// </summary>
public sealed class EarlyStoppingCallback : TrainerCallback
{
    /// <summary>Stops after <paramref name="patience"/> epochs without improvement of <paramref name="metric"/>.</summary>
    public EarlyStoppingCallback(int patience = 3, TrainerMetric metric = TrainerMetric.ValidationLoss, double minimumDelta = 0, bool restoreBestWeights = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumDelta);
        Patience = patience;
        Metric = metric;
        MinimumDelta = minimumDelta;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>The number watched.</summary>
    public TrainerMetric Metric { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinimumDelta { get; }

    /// <summary>Put the best epoch's parameters back when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The tracker of the current run (best value, best epoch, the best parameters); null before training begins.</summary>
    public EarlyStopping? State { get; private set; }

    /// <summary>The best epoch so far (0 before one has a number).</summary>
    public int BestEpoch => Math.Max(State?.BestEpoch ?? 0, 0);

    /// <summary>The best value so far (NaN before one).</summary>
    public double BestValue => BestEpoch == 0 ? double.NaN : State!.BestMetric;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The watched metric has no value in this run (<see cref="EpochResult.CheckAvailable"/>).</exception>
    public override void OnTrainBegin(TrainerContext context)
    {
        EpochResult.CheckAvailable(Metric, context, nameof(EarlyStoppingCallback));
        State = new EarlyStopping(context.Network.Parameters.Length, Patience, higherIsBetter: Metric == TrainerMetric.ValidationAccuracy, MinimumDelta);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result)
    {
        if (State!.Update(result.Epoch, result.Value(Metric), context.Network.Parameters, context.Network.Statistics))
        {
            context.Stop(string.Create(CultureInfo.InvariantCulture,
                $"early stopping: {Metric} did not improve for {Patience} epochs (best {BestValue:G5} at epoch {BestEpoch})"));
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(TrainerContext context, TrainingHistory history)
    {
        if (RestoreBestWeights && BestEpoch > 0 && BestEpoch != history.Last?.Epoch)
        {
            State!.RestoreBest(context.Network.Parameters, context.Network.Statistics);
        }
    }
}
