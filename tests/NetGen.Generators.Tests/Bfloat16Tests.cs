using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>[Bfloat16Inference]: what it emits (pinned by a snapshot, compiled warning-free) and its diagnostic.</summary>
public class Bfloat16Tests
{
    // Two dense layers in a row (one ForwardTwoLayers call), a separate GELU (pre-activation buffer), a layer without
    // bias, and float layers between them.
    public const string Declaration = """
        using NetGen;

        namespace Samples;

        [Network(BatchSize = 16, Seed = 3)]
        [Input(20)]
        [Dense(12, Activation.ReLU)]
        [Dense(10, Activation.Tanh)]
        [Dropout(0.25)]
        [Dense(8, Activation.GELU, UseBias = false)]
        [LayerNorm]
        [Dense(3)]
        [SoftmaxCrossEntropy]
        [Adam]
        [Bfloat16Inference]
        public partial class Bfloat16Mlp;
        """;

    [Fact]
    public void Bfloat16Inference_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("Bfloat16Mlp", GeneratorHarness.RunClean(Declaration), "Samples.Bfloat16Mlp.g.cs");

    [Fact]
    public void WithoutTheAttribute_NoBfloat16MembersAreEmitted()
    {
        string source = GeneratorHarness.RunClean(Declarations.MnistMlp).Source("Samples.Mnist.MnistMlp.g.cs");
        Assert.DoesNotContain("Bfloat16", source);
    }

    [Fact]
    public void WithTheAttribute_EveryWritePathMarksTheCopyStale()
    {
        string source = GeneratorHarness.RunClean(Declaration).Source("Samples.Bfloat16Mlp.g.cs");
        Assert.Contains("public global::System.Span<float> Parameters { get { _bfloat16Stale = true; return _parameters; } }", source);
        Assert.Contains("public global::System.Span<float> Dense1Weight { get { _bfloat16Stale = true;", source);
        string load = source.Substring(source.IndexOf("public void LoadCheckpoint(string path)", StringComparison.Ordinal));
        Assert.True(load.IndexOf("_bfloat16Stale = true;", StringComparison.Ordinal) < load.IndexOf("CheckpointLayout.Load", StringComparison.Ordinal),
            "LoadCheckpoint marks the bfloat16 copy stale before loading");
        // OptimizerStep, ResetParameters and LoadCheckpoint.
        Assert.Equal(3, source.Split("\n").Count(line => line.Trim() == "_bfloat16Stale = true;"));
    }

    [Fact]
    public void NoDenseLayer_ReportsNG0090_AtTheAttribute()
    {
        (string source, var span) = Markup.Parse("""
            using NetGen;

            [Network] [Input(1, 8, 8)] [Conv2D(2, kernel: 3)] [Flatten] [SoftmaxCrossEntropy] [Adam] [[|Bfloat16Inference|]]
            public partial class Net;
            """);
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id != DiagnosticIds.MemoryFootprint);
        Assert.Equal("NG0090", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Contains("remove [Bfloat16Inference]", diagnostic.GetMessage());
        // A warning: the class (with its float PredictBfloat16) is still generated.
        Assert.NotEmpty(run.Sources);
    }
}
