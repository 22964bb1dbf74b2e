namespace NetGen.Training;

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c> in mode 'min' with threshold_mode 'rel': call <see cref="Update"/> with the
/// monitored metric (a validation loss) once per evaluation; when it has not improved by a relative
/// <see cref="Threshold"/> for more than <see cref="Patience"/> calls, the factor is multiplied by
/// <see cref="ReductionFactor"/> (not below <see cref="MinFactor"/>), then <see cref="Cooldown"/> calls are ignored.
/// Stateful, unlike the other schedules; as an <see cref="ILearningRateSchedule"/> its factor ignores the step.
/// </summary>
public sealed class ReduceOnPlateau : ILearningRateSchedule
{
    // PyTorch skips reductions smaller than eps = 1e-8 (applied here to the factor rather than the absolute rate).
    private const double MinimumChange = 1e-8;

    private double best = double.PositiveInfinity;
    private int badCalls;
    private int cooldownLeft;

    /// <summary>
    /// Creates the scheduler with PyTorch's defaults. <paramref name="minFactor"/> is PyTorch's min_lr divided by the
    /// base learning rate (this class only knows factors).
    /// </summary>
    public ReduceOnPlateau(double factor = 0.1, int patience = 10, double threshold = 1e-4, int cooldown = 0, double minFactor = 0.0)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be in (0, 1).");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be >= 0.");
        if (!(threshold >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be >= 0.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, "cooldown must be >= 0.");
        if (!(minFactor >= 0)) throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "minFactor must be >= 0.");
        ReductionFactor = factor;
        Patience = patience;
        Threshold = threshold;
        Cooldown = cooldown;
        MinFactor = minFactor;
    }

    /// <summary>Multiplier applied at each reduction (PyTorch's factor).</summary>
    public double ReductionFactor { get; }

    /// <summary>Calls without improvement tolerated before a reduction.</summary>
    public int Patience { get; }

    /// <summary>Relative improvement that counts: metric &lt; best·(1 - threshold).</summary>
    public double Threshold { get; }

    /// <summary>Calls ignored after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The factor never goes below this (min_lr / base lr).</summary>
    public double MinFactor { get; }

    /// <summary>The current factor of the base learning rate (1 until the first reduction).</summary>
    public double Current { get; private set; } = 1.0;

    /// <summary>The best metric seen so far (+∞ before the first call).</summary>
    public double Best => best;

    /// <summary>Records one evaluation of the monitored metric (lower is better) and returns the factor to use next.</summary>
    public double Update(double metric)
    {
        if (metric < best * (1.0 - Threshold))
        {
            best = metric;
            badCalls = 0;
        }
        else
        {
            badCalls++; // NaN never improves, as in PyTorch
        }
        if (cooldownLeft > 0)
        {
            cooldownLeft--;
            badCalls = 0;
        }
        if (badCalls > Patience)
        {
            double reduced = Math.Max(Current * ReductionFactor, MinFactor);
            if (Current - reduced > MinimumChange) Current = reduced;
            cooldownLeft = Cooldown;
            badCalls = 0;
        }
        return Current;
    }

    /// <summary>The current factor; the step is ignored (this schedule moves on <see cref="Update"/>).</summary>
    public double Factor(int step) => Current;
}
