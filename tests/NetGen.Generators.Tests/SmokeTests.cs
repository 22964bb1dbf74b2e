namespace NetGen.Generators.Tests;

public class SmokeTests
{
    [Fact]
    public void GeneratorType_Loads() => Assert.NotNull(new NetGen.Generators.NetworkGenerator());
}
