using NetGen.Training;

namespace NetGen.Tests.Training;

public class EarlyStoppingAndHealthTests
{
    [Fact]
    public void EarlyStopping_StopsAfterPatience_AndRestoresTheBestParameters()
    {
        var stopping = new EarlyStopping(parameterCount: 2, patience: 2);
        float[] parameters = [1, 1];
        Assert.False(stopping.Update(0, 0.9, parameters));
        parameters[0] = 2;
        Assert.False(stopping.Update(1, 0.5, parameters));     // best
        parameters[0] = 3;
        Assert.False(stopping.Update(2, 0.6, parameters));
        parameters[0] = 4;
        Assert.True(stopping.Update(3, 0.55, parameters));     // two epochs without improvement
        stopping.RestoreBest(parameters);
        Assert.Equal([2f, 1f], parameters);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.Equal(0.5, stopping.BestMetric);
    }

    [Fact]
    public void EarlyStopping_OnAccuracy_RequiresMinDelta()
    {
        var stopping = new EarlyStopping(1, patience: 1, higherIsBetter: true, minDelta: 0.01);
        Assert.False(stopping.Update(0, 0.90, [0f]));
        Assert.True(stopping.Update(1, 0.905, [0f]));           // +0.005 < minDelta: not an improvement
        Assert.Throws<ArgumentException>(() => stopping.Update(2, 0.95, [0f, 0f]));
    }

    [Fact]
    public void GradientHealth_FlagsVanishingAndExplodingLayers()
    {
        var health = new GradientHealth(["Dense1", "Dense2", "Dense3", "Dense4"]);
        float[] norms = [1e-9f, 2e-5f, 0.5f, float.NaN];
        norms.CopyTo(health.Norms);
        var warnings = new List<LayerGradient>();
        health.Warning += (_, w) => warnings.Add(w);
        Assert.Equal(3, health.Check(step: 1));
        Assert.Equal(GradientCondition.Vanishing, warnings[0].Condition);   // below 1e-7
        Assert.Equal(GradientCondition.Vanishing, warnings[1].Condition);   // below 1e-4 x 0.5
        Assert.Equal(GradientCondition.Exploding, warnings[2].Condition);   // not finite
        Assert.Equal("Dense4", warnings[2].Layer);
        Assert.Equal(GradientCondition.Healthy, health.Classify(2));
    }
}
