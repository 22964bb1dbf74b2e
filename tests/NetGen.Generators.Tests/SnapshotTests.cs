using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Generated source for representative declarations is pinned by reviewed snapshots, and compiles cleanly.</summary>
public class SnapshotTests
{
    [Fact]
    public void MnistMlp_MatchesSnapshot() =>
        Snapshot.Verify("MnistMlp", GeneratorHarness.RunClean(Declarations.MnistMlp).Source("MnistMlp.g.cs"));

    [Fact]
    public void RegressionWithNesterovSgd_MatchesSnapshot() =>
        Snapshot.Verify("Regressor", GeneratorHarness.RunClean(Declarations.Regression).Source("Regressor.g.cs"));

    [Fact]
    public void ImageInputWithFlatten_MatchesSnapshot() =>
        Snapshot.Verify("TinyImageNet", GeneratorHarness.RunClean(Declarations.ImageFlatten).Source("TinyImageNet.g.cs"));

    [Fact]
    public void CuresForTrainingPitfalls_MatchSnapshot() =>
        Snapshot.Verify("RegularizedMlp", GeneratorHarness.RunClean(Declarations.Cures).Source("RegularizedMlp.g.cs"));

    [Fact]
    public void ResidualGraph_MatchesSnapshot() =>
        Snapshot.Verify("ResidualGraph", GeneratorHarness.RunClean(Declarations.ResidualGraph).Source("ResidualGraph.g.cs"));

    [Fact]
    public void Snapshot_Mismatch_ShowsChangedLinesWithContext()
    {
        string diff = Snapshot.Diff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nX\ne\nf\ng\n");
        Assert.Contains("- d", diff);
        Assert.Contains("+ X", diff);
        Assert.Contains("  c", diff);
        Assert.DoesNotContain("  a", diff);
    }
}
