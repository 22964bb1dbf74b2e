namespace NetGen.Training;

/// <summary>
/// Linear warm-up followed by another schedule, as PyTorch's <c>SequentialLR([LinearLR(start_factor, 1, W), after],
/// milestones=[W])</c>: for step &lt; W the factor rises linearly, start + (1 - start)·step/W; from step W on it is
/// <c>after.Factor(step - W)</c>, so the following schedule starts at its own step 0.
/// </summary>
public sealed record LinearWarmup : ILearningRateSchedule
{
    /// <summary>
    /// Creates the schedule: <paramref name="warmupSteps"/> &gt;= 0 (0 means no warm-up), <paramref name="after"/> the
    /// schedule that follows, <paramref name="startFactor"/> in (0, 1] the factor at step 0 (PyTorch LinearLR's default 1/3).
    /// </summary>
    public LinearWarmup(int warmupSteps, ILearningRateSchedule after, double startFactor = 1.0 / 3.0)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be >= 0.");
        if (!(startFactor > 0 && startFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "startFactor must be in (0, 1] (PyTorch's LinearLR rule).");
        WarmupSteps = warmupSteps;
        After = after;
        StartFactor = startFactor;
    }

    /// <summary>Steps of warm-up.</summary>
    public int WarmupSteps { get; }

    /// <summary>The schedule from step <see cref="WarmupSteps"/> on.</summary>
    public ILearningRateSchedule After { get; }

    /// <summary>The factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>start + (1 - start)·step/W during warm-up, then After.Factor(step - W).</summary>
    public double Factor(int step)
    {
        ScheduleChecks.Step(step);
        if (step < WarmupSteps) return StartFactor + (1.0 - StartFactor) * step / WarmupSteps;
        return After.Factor(step - WarmupSteps);
    }
}
