namespace NetGen.Training;

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> in closed form: Factor = min + (1 - min)·(1 + cos(π·t/T))/2 with T =
/// <see cref="TotalSteps"/> and min = <see cref="MinFactor"/> (PyTorch's eta_min / base lr). From step T on the
/// factor stays at min (PyTorch's closed form would climb back up; warm restarts are a different schedule).
/// </summary>
public sealed record CosineAnnealing : ILearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="totalSteps"/> &gt; 0 is PyTorch's T_max, <paramref name="minFactor"/> in [0, 1].</summary>
    public CosineAnnealing(int totalSteps, double minFactor = 0.0)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be > 0.");
        if (!(minFactor >= 0 && minFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "minFactor must be in [0, 1].");
        TotalSteps = totalSteps;
        MinFactor = minFactor;
    }

    /// <summary>Steps from the base rate down to the minimum (T_max).</summary>
    public int TotalSteps { get; }

    /// <summary>The final factor (eta_min / base lr).</summary>
    public double MinFactor { get; }

    /// <summary>min + (1 - min)·(1 + cos(π·min(step, T)/T))/2.</summary>
    public double Factor(int step)
    {
        ScheduleChecks.Step(step);
        if (step >= TotalSteps) return MinFactor;
        return MinFactor + (1.0 - MinFactor) * (1.0 + Math.Cos(Math.PI * step / TotalSteps)) / 2.0;
    }
}
