namespace NetGen.Tests;

public class SmokeTests
{
    [Fact]
    public void ActivationValues_AreStable() => Assert.Equal(1, (int)Activation.ReLU);
}
