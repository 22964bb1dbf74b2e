namespace NetGen.Training;

/// <summary>PyTorch's <c>ExponentialLR</c>: Factor = γ^step.</summary>
public sealed record ExponentialDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="gamma"/> &gt; 0 (below 1 to decay).</summary>
    public ExponentialDecay(double gamma)
    {
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be > 0.");
        Gamma = gamma;
    }

    /// <summary>Multiplier per step.</summary>
    public double Gamma { get; }

    /// <summary>γ^step.</summary>
    public double Factor(int step)
    {
        ScheduleChecks.Step(step);
        return Math.Pow(Gamma, step);
    }
}
