namespace NetGen.Training;

/// <summary>
/// A learning-rate schedule as a multiplier of the optimizer's base rate: lr(step) = baseLearningRate · Factor(step).
/// <c>step</c> counts from 0 in whatever unit the caller advances it by: optimizer steps (PyTorch's per-iteration
/// schedulers) or epochs (PyTorch's usual per-epoch <c>scheduler.step()</c>); stepSize, totalSteps and warmupSteps
/// are in that same unit. Implementations are immutable, so one instance can be shared; <see cref="ReduceOnPlateau"/>
/// is the stateful exception.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The multiplier of the base learning rate at <paramref name="step"/> (0-based).</summary>
    double Factor(int step);
}

internal static class ScheduleChecks
{
    public static void Step(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step counts from 0.");
    }
}
