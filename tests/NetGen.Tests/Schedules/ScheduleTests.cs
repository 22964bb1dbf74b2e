using NetGen.Training;

namespace NetGen.Tests.Schedules;

/// <summary>
/// Each schedule against PyTorch's formula for the matching scheduler (torch/optim/lr_scheduler.py), over enough steps
/// to cross every boundary. PyTorch's chainable (recursive) forms are transcribed where they exist, so the tests also
/// show the closed forms agree with what PyTorch actually computes step by step. Values are doubles: 1e-12.
/// </summary>
public class ScheduleTests
{
    private const double BaseLr = 0.5;

    [Fact]
    public void ConstantSchedule_IsOne()
    {
        var schedule = new ConstantSchedule();
        for (int step = 0; step < 5; step++) Assert.Equal(1.0, schedule.Factor(step));
    }

    [Fact]
    public void StepDecay_MatchesStepLR()
    {
        var schedule = new StepDecay(stepSize: 3, gamma: 0.5);
        double lr = BaseLr;
        for (int step = 0; step < 12; step++)
        {
            // StepLR.get_lr: lr unchanged unless epoch % step_size == 0 (and epoch > 0), then lr·gamma.
            if (step > 0 && step % 3 == 0) lr *= 0.5;
            Assert.Equal(lr, BaseLr * schedule.Factor(step), 1e-12);
            Assert.Equal(BaseLr * Math.Pow(0.5, step / 3), BaseLr * schedule.Factor(step), 1e-12); // _get_closed_form_lr
        }
    }

    [Fact]
    public void ExponentialDecay_MatchesExponentialLR()
    {
        var schedule = new ExponentialDecay(0.9);
        double lr = BaseLr;
        for (int step = 0; step < 10; step++)
        {
            if (step > 0) lr *= 0.9;
            Assert.Equal(lr, BaseLr * schedule.Factor(step), 1e-12);
        }
    }

    [Theory]
    [InlineData(10, 0.0)]
    [InlineData(7, 0.1)]
    public void CosineAnnealing_MatchesCosineAnnealingLR_ThenStaysAtMinimum(int totalSteps, double minFactor)
    {
        var schedule = new CosineAnnealing(totalSteps, minFactor);
        double etaMin = BaseLr * minFactor, lr = BaseLr;
        for (int step = 0; step <= totalSteps; step++)
        {
            // CosineAnnealingLR.get_lr (recursive form), valid for 0 <= step <= T_max.
            if (step > 0)
            {
                lr = (1 + Math.Cos(Math.PI * step / totalSteps)) / (1 + Math.Cos(Math.PI * (step - 1) / totalSteps)) * (lr - etaMin) + etaMin;
            }
            double closedForm = etaMin + (BaseLr - etaMin) * (1 + Math.Cos(Math.PI * step / totalSteps)) / 2;
            Assert.Equal(closedForm, BaseLr * schedule.Factor(step), 1e-12);
            Assert.Equal(lr, BaseLr * schedule.Factor(step), 1e-12);
        }
        Assert.Equal(minFactor, schedule.Factor(totalSteps + 5));
    }

    [Fact]
    public void LinearWarmup_MatchesLinearLR_ThenHandsOverToTheNextScheduleAtItsStepZero()
    {
        const int warmup = 4;
        const double start = 0.25;
        var after = new StepDecay(2, 0.1);
        var schedule = new LinearWarmup(warmup, after, start);
        double lr = BaseLr * start;
        for (int step = 0; step < warmup; step++)
        {
            // LinearLR.get_lr (recursive, end_factor 1, total_iters = warmup).
            if (step > 0) lr *= 1 + (1 - start) / (warmup * start + (step - 1) * (1 - start));
            Assert.Equal(lr, BaseLr * schedule.Factor(step), 1e-12);
            Assert.Equal(start + (1 - start) * step / warmup, schedule.Factor(step), 1e-12);
        }
        for (int step = warmup; step < warmup + 6; step++) Assert.Equal(after.Factor(step - warmup), schedule.Factor(step));
        Assert.Equal(1.0, schedule.Factor(warmup)); // continuous at the hand-over
        Assert.Equal(0.5, new LinearWarmup(0, new ExponentialDecay(0.5)).Factor(1)); // no warm-up: the next schedule alone
    }

    /// <summary>ReduceLROnPlateau.step for mode='min', threshold_mode='rel', transcribed on absolute learning rates.</summary>
    private sealed class TorchPlateau(double lr, double factor, int patience, double threshold, int cooldown, double minLr)
    {
        private double best = double.PositiveInfinity;
        private int numBadEpochs, cooldownCounter;
        public double Lr = lr;

        public void Step(double current)
        {
            if (current < best * (1 - threshold)) { best = current; numBadEpochs = 0; }
            else numBadEpochs++;
            if (cooldownCounter > 0) { cooldownCounter--; numBadEpochs = 0; }
            if (numBadEpochs > patience)
            {
                double newLr = Math.Max(Lr * factor, minLr);
                if (Lr - newLr > 1e-8) Lr = newLr;
                cooldownCounter = cooldown;
                numBadEpochs = 0;
            }
        }
    }

    [Theory]
    [InlineData(0.5, 2, 1e-2, 0, 0.0)]
    [InlineData(0.5, 1, 1e-2, 2, 0.2)]
    [InlineData(0.1, 0, 0.0, 1, 0.0)]
    public void ReduceOnPlateau_MatchesReduceLROnPlateauModeMin(double factor, int patience, double threshold, int cooldown, double minFactor)
    {
        // Improves, plateaus (including a gain below the relative threshold), improves again, plateaus, NaN.
        double[] metrics = [1.0, 0.9, 0.895, 0.9, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, double.NaN, 0.6, 0.6];
        var plateau = new ReduceOnPlateau(factor, patience, threshold, cooldown, minFactor);
        var torch = new TorchPlateau(BaseLr, factor, patience, threshold, cooldown, BaseLr * minFactor);
        foreach (double metric in metrics)
        {
            torch.Step(metric);
            double returned = plateau.Update(metric);
            Assert.Equal(torch.Lr, BaseLr * returned, 1e-12);
            Assert.Equal(returned, plateau.Factor(123));
        }
        Assert.True(plateau.Current < 1.0);
        Assert.True(plateau.Current >= minFactor);
    }

    [Fact]
    public void ReduceOnPlateau_HandWorkedExample()
    {
        // patience 1: the second call in a row without a 10% relative gain halves the factor.
        var plateau = new ReduceOnPlateau(factor: 0.5, patience: 1, threshold: 0.1);
        Assert.Equal(1.0, plateau.Update(1.0));  // best 1.0
        Assert.Equal(1.0, plateau.Update(0.95)); // 5% gain < 10%: bad 1
        Assert.Equal(0.5, plateau.Update(0.95)); // bad 2 > patience: reduce
        Assert.Equal(0.5, plateau.Update(0.8));  // 20% gain: best 0.8
        Assert.Equal(0.8, plateau.Best);
    }

    [Fact]
    public void Constructors_RejectBadArguments_NamingThem()
    {
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0)).ParamName);
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(factor: 1.0)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.5).Factor(-1)).ParamName);
    }

    [Fact]
    public void Schedules_HaveValueEquality()
    {
        Assert.Equal(new StepDecay(3, 0.5), new StepDecay(3, 0.5));
        Assert.NotEqual(new CosineAnnealing(10), new CosineAnnealing(11));
    }
}
