namespace NetGen.Training;

/// <summary>
/// Sets the network's base learning rate before each epoch (Keras' <c>LearningRateScheduler</c>, PyTorch's
/// per-epoch <c>scheduler.step()</c>): rate = initial rate x <c>schedule.Factor(epoch - 1)</c> with any
/// <see cref="ILearningRateSchedule"/> (<see cref="StepDecay"/>, <see cref="ExponentialDecay"/>,
/// <see cref="CosineAnnealing"/>, <see cref="LinearWarmup"/>...), or from a function of the epoch.
/// <see cref="ReduceOnPlateau"/> is fed the watched metric after each epoch. A schedule declared on the
/// network's optimizer attribute still scales this base rate per step.
/// </summary>
public sealed class LearningRateScheduler : TrainerCallback
{
    private readonly Func<int, float, float> _rate;
    private readonly ReduceOnPlateau? _plateau;

    /// <summary>Per-epoch <paramref name="schedule"/>; its step unit is the epoch (0-based: epoch 1 uses Factor(0)).</summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="plateauMetric">The number a <see cref="ReduceOnPlateau"/> schedule watches (lower is better; accuracy is negated).</param>
    public LearningRateScheduler(ILearningRateSchedule schedule, TrainerMetric plateauMetric = TrainerMetric.ValidationLoss)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _rate = (epoch, initial) => (float)(initial * schedule.Factor(epoch - 1));
        _plateau = schedule as ReduceOnPlateau;
        PlateauMetric = plateauMetric;
    }

    /// <summary>A schedule written as a function: <paramref name="rate"/>(epoch, initialRate) is the rate for that 1-based epoch.</summary>
    public LearningRateScheduler(Func<int, float, float> rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        _rate = rate;
    }

    /// <summary>The number a <see cref="ReduceOnPlateau"/> schedule watches.</summary>
    public TrainerMetric PlateauMetric { get; }

    /// <summary>The base rate the network had when training began.</summary>
    public float InitialRate { get; private set; } = float.NaN;

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainerContext context) => InitialRate = context.Network.LearningRate;

    /// <inheritdoc/>
    public override void OnEpochBegin(TrainerContext context, int epoch)
    {
        float rate = _rate(epoch, InitialRate);
        if (!float.IsFinite(rate) || rate < 0)
        {
            throw new InvalidOperationException($"The learning-rate schedule gave {rate} for epoch {epoch}; a rate must be finite and not negative.");
        }

        context.Network.LearningRate = rate;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result)
    {
        if (_plateau is null) return;
        double value = result.Value(PlateauMetric);
        _plateau.Update(PlateauMetric == TrainerMetric.ValidationAccuracy ? -value : value);
    }
}

/// <summary>Runs an action before each epoch (1-based): the hook for anything a schedule does not cover.</summary>
public sealed class EpochHook(Action<int> onEpochBegin) : TrainerCallback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(TrainerContext context, int epoch) => onEpochBegin(epoch);
}
