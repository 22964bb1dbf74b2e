using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// Stops training when <see cref="Metric"/> has not improved by more than <see cref="MinimumDelta"/>
/// for <see cref="Patience"/> epochs in a row (Keras' <c>EarlyStopping</c>). With
/// <see cref="RestoreBestWeights"/>, it copies the parameters at each new best into a snapshot and
/// copies the best back when training ends, so the network ends at its best epoch, not its last.
/// </summary>
public sealed class EarlyStopping : TrainerCallback
{
    private float[] _bestParameters = [];
    private int _epochsWithoutImprovement;

    /// <summary>Stops after <paramref name="patience"/> epochs without improvement of <paramref name="metric"/>.</summary>
    public EarlyStopping(int patience = 3, TrainerMetric metric = TrainerMetric.ValidationLoss, double minimumDelta = 0, bool restoreBestWeights = true)
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

    /// <summary>The best epoch so far (0 before one has a number).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best value so far (NaN before one).</summary>
    public double BestValue { get; private set; } = double.NaN;

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainerContext context)
    {
        BestEpoch = 0;
        BestValue = double.NaN;
        _epochsWithoutImprovement = 0;
        if (RestoreBestWeights && _bestParameters.Length != context.Network.Parameters.Length)
        {
            _bestParameters = new float[context.Network.Parameters.Length];
        }
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result)
    {
        double value = result.Value(Metric);
        if (EpochResult.Improves(Metric, value, BestValue, MinimumDelta))
        {
            BestValue = value;
            BestEpoch = result.Epoch;
            _epochsWithoutImprovement = 0;
            if (RestoreBestWeights) context.Network.Parameters.CopyTo(_bestParameters);
            return;
        }

        if (++_epochsWithoutImprovement >= Patience)
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
            _bestParameters.CopyTo(context.Network.Parameters);
        }
    }
}
