using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Generated source for representative declarations is pinned by reviewed snapshots, and compiles cleanly.</summary>
public class SnapshotTests
{
    [Fact]
    public void MnistMlp_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("MnistMlp", GeneratorHarness.RunClean(Declarations.MnistMlp), "MnistMlp.g.cs");

    [Fact]
    public void RegressionWithNesterovSgd_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("Regressor", GeneratorHarness.RunClean(Declarations.Regression), "Regressor.g.cs");

    [Fact]
    public void NAdamMlp_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("NAdamMlp", GeneratorHarness.RunClean(Declarations.NAdam), "NAdamMlp.g.cs");

    [Fact]
    public void ImageInputWithFlatten_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("TinyImageNet", GeneratorHarness.RunClean(Declarations.ImageFlatten), "TinyImageNet.g.cs");

    [Fact]
    public void CuresForTrainingPitfalls_MatchSnapshot() =>
        Snapshot.VerifyNetwork("RegularizedMlp", GeneratorHarness.RunClean(Declarations.Cures), "RegularizedMlp.g.cs");

    [Fact]
    public void ResidualGraph_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("ResidualGraph", GeneratorHarness.RunClean(Declarations.ResidualGraph), "ResidualGraph.g.cs");

    [Fact]
    public void UsersPartial_HoldsTheTableAndThePublicApi_InAtMost150Lines_WithTheImplementationBesideIt()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Declarations.MnistMlp);
        string api = run.File("MnistMlp.g.cs");
        Assert.True(api.Split('\n').Length <= 151, $"MnistMlp.g.cs has {api.Split('\n').Length - 1} lines");
        Assert.Contains("| Dense1 ReLU |", api);
        Assert.Contains("public float TrainStep(", api);
        Assert.DoesNotContain("global::NetGen.Kernels.", api); // no kernel call on the user's surface
        Assert.Contains("private sealed class Implementation", run.ImplementationOf("MnistMlp.g.cs"));
    }

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
