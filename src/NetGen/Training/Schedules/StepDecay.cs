namespace NetGen.Training;

/// <summary>PyTorch's <c>StepLR</c>: the rate is multiplied by <see cref="Gamma"/> every <see cref="StepSize"/> steps, Factor = γ^⌊step / stepSize⌋.</summary>
public sealed record StepDecay : ILearningRateSchedule
{
    /// <summary>Creates the schedule; <paramref name="stepSize"/> &gt; 0 (in the caller's step unit), <paramref name="gamma"/> &gt; 0 (0.1 in PyTorch by default).</summary>
    public StepDecay(int stepSize, double gamma = 0.1)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "stepSize must be > 0.");
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be > 0.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Steps between two decays.</summary>
    public int StepSize { get; }

    /// <summary>Multiplier applied at each decay.</summary>
    public double Gamma { get; }

    /// <summary>γ^⌊step / stepSize⌋.</summary>
    public double Factor(int step)
    {
        ScheduleChecks.Step(step);
        return Math.Pow(Gamma, step / StepSize);
    }
}
