namespace NetGen.Training;

/// <summary>The base learning rate at every step: Factor = 1.</summary>
public sealed record ConstantSchedule : ILearningRateSchedule
{
    /// <summary>Always 1.</summary>
    public double Factor(int step)
    {
        ScheduleChecks.Step(step);
        return 1.0;
    }
}
