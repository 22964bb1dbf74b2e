namespace NetGen;

// Learning-rate schedules. Each counts optimizer steps (TrainStep calls) from 0 and multiplies the
// optimizer's learning rate by a factor. At most one of StepDecay, ExponentialDecay and CosineAnnealing;
// LinearWarmup composes with it (warm-up first, then the schedule counts from the end of warm-up), and
// ReduceOnPlateau multiplies in its own factor, driven by the generated ReportValidationLoss.

/// <summary>Multiplies the learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> steps (PyTorch's StepLR).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class StepDecayAttribute : Attribute
{
    /// <summary>Steps between decays, positive.</summary>
    public int StepSize { get; set; } = 1000;

    /// <summary>Factor per decay, in (0, 1]. Default 0.1.</summary>
    public double Gamma { get; set; } = 0.1;
}

/// <summary>Multiplies the learning rate by <see cref="Gamma"/> every step (PyTorch's ExponentialLR, per step).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ExponentialDecayAttribute : Attribute
{
    /// <summary>Factor per step, in (0, 1].</summary>
    public double Gamma { get; set; } = 0.999;
}

/// <summary>Cosine annealing from the learning rate to <see cref="MinLearningRate"/> over <see cref="TotalSteps"/> (PyTorch's CosineAnnealingLR, closed form), then constant.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class CosineAnnealingAttribute : Attribute
{
    /// <summary>Steps from the start (or end of warm-up) to the minimum, positive.</summary>
    public int TotalSteps { get; set; } = 10000;

    /// <summary>The learning rate at the end, zero or positive and below the optimizer's.</summary>
    public double MinLearningRate { get; set; }
}

/// <summary>Linear warm-up from <see cref="StartFactor"/> times the learning rate to the full rate over <see cref="Steps"/> (PyTorch's LinearLR).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LinearWarmupAttribute : Attribute
{
    /// <summary>Warm-up steps, positive.</summary>
    public int Steps { get; set; } = 100;

    /// <summary>The factor at step 0, in (0, 1]. Default 1/3 (PyTorch).</summary>
    public double StartFactor { get; set; } = 1.0 / 3;
}

/// <summary>
/// Reduces the learning rate by <see cref="Factor"/> when the validation loss passed to the generated
/// <c>ReportValidationLoss</c> has not improved for <see cref="Patience"/> reports (PyTorch's ReduceLROnPlateau, mode min).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReduceOnPlateauAttribute : Attribute
{
    /// <summary>Factor per reduction, in (0, 1). Default 0.1.</summary>
    public double Factor { get; set; } = 0.1;

    /// <summary>Reports without improvement before a reduction. Default 10.</summary>
    public int Patience { get; set; } = 10;

    /// <summary>Relative improvement that counts, zero or positive. Default 1e-4.</summary>
    public double Threshold { get; set; } = 1e-4;

    /// <summary>Reports to wait after a reduction. Default 0.</summary>
    public int Cooldown { get; set; }

    /// <summary>The learning rate is never reduced below this. Default 0.</summary>
    public double MinLearningRate { get; set; }
}
