namespace NetGen.Training;

/// <summary>
/// Sets the learning rate before each epoch from a function of the epoch (1-based) and the rate the
/// network had when training began. Factories give the common schedules (PyTorch's
/// <c>StepLR</c>, <c>ExponentialLR</c>, <c>CosineAnnealingLR</c>).
/// </summary>
public sealed class LearningRateSchedule : TrainerCallback
{
    private readonly Func<int, float, float> _rate;

    /// <summary>A schedule: <paramref name="rate"/>(epoch, initialRate) is the rate for that epoch.</summary>
    public LearningRateSchedule(Func<int, float, float> rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        _rate = rate;
    }

    /// <summary>The rate the network had when training began.</summary>
    public float InitialRate { get; private set; } = float.NaN;

    /// <summary>Multiplies the rate by <paramref name="factor"/> every <paramref name="everyEpochs"/> epochs.</summary>
    public static LearningRateSchedule Step(int everyEpochs, float factor = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everyEpochs, 1);
        return new((epoch, initial) => initial * MathF.Pow(factor, (epoch - 1) / everyEpochs));
    }

    /// <summary>Multiplies the rate by <paramref name="gamma"/> every epoch.</summary>
    public static LearningRateSchedule Exponential(float gamma) =>
        new((epoch, initial) => initial * MathF.Pow(gamma, epoch - 1));

    /// <summary>Cosine from the initial rate at epoch 1 down to <paramref name="minimumRate"/> at epoch <paramref name="epochs"/>.</summary>
    public static LearningRateSchedule Cosine(int epochs, float minimumRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        return new((epoch, initial) => epochs == 1
            ? initial
            : minimumRate + (initial - minimumRate) * 0.5f * (1 + MathF.Cos(MathF.PI * (Math.Min(epoch, epochs) - 1) / (epochs - 1))));
    }

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
}

/// <summary>Runs an action before each epoch (1-based): the hook for anything a schedule does not cover.</summary>
public sealed class EpochHook(Action<int> onEpochBegin) : TrainerCallback
{
    /// <inheritdoc/>
    public override void OnEpochBegin(TrainerContext context, int epoch) => onEpochBegin(epoch);
}
