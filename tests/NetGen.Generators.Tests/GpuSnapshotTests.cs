using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>
/// The GPU emitter: a project that references NetGen.Gpu gets a nested Gpu class per network, pinned by reviewed
/// snapshots and compiled cleanly against NetGen.Gpu and ILGPU; a project that does not gets none; a layer kind
/// without a GPU kernel skips the Gpu class with Info NG0200 instead of breaking the build.
/// </summary>
public class GpuSnapshotTests
{
    private static readonly ImmutableArray<MetadataReference> GpuReferences = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(NetGen.Gpu.GpuDevice).Assembly.Location))
        .Append(MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location))
        .ToImmutableArray();

    internal static CSharpCompilation CompileWithGpu(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(SourceText.From(s), GeneratorHarness.ParseOptions, path: $"Network{i}.cs")),
            GpuReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // ILGPU targets net7.0: unify its System.Runtime 7.0 reference with 10.0 silently, as the SDK's default NoWarn does.
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    /// <summary>Runs the generator with NetGen.Gpu referenced and asserts the generated code compiles with no warning or error.</summary>
    private static GeneratorRun RunCleanWithGpu(params string[] sources)
    {
        GeneratorRun run = GeneratorHarness.Run(CompileWithGpu(sources));
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.OutputDiagnostics);
        return run;
    }

    [Fact]
    public void MnistMlp_WithNetGenGpu_GpuClassMatchesSnapshot() =>
        Snapshot.Verify("GpuMnistMlp", RunCleanWithGpu(Declarations.MnistMlp).Source("MnistMlp.Gpu.g.cs"));

    [Fact]
    public void RegressionWithNesterovSgd_WithNetGenGpu_GpuClassMatchesSnapshot() =>
        Snapshot.Verify("GpuRegressor", RunCleanWithGpu(Declarations.Regression).Source("Regressor.Gpu.g.cs"));

    [Fact]
    public void FlattenAndNoBias_WithNetGenGpu_CompilesCleanly()
    {
        GeneratorRun run = RunCleanWithGpu(Declarations.ImageFlatten);
        string source = run.Source("TinyImageNet.Gpu.g.cs");
        Assert.Contains("_kernels.DenseForward(_inputs.View, Dense1Weight, default, _dense1PreActivation.View", source);
    }

    [Fact]
    public void WithoutNetGenGpu_NoGpuClassAndNoDiagnostic()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Declarations.MnistMlp);
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".Gpu.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == DiagnosticIds.NoGpuKernel);
    }

    [Fact]
    public void WithNetGenGpu_CpuClassIsUnchanged()
    {
        string withGpu = RunCleanWithGpu(Declarations.MnistMlp).Source("MnistMlp.g.cs");
        string withoutGpu = GeneratorHarness.RunClean(Declarations.MnistMlp).Source("MnistMlp.g.cs");
        Assert.Equal(withoutGpu, withGpu);
    }

    [Fact]
    public void WithNetGenGpu_UnrelatedEdit_DoesNotRegenerate()
    {
        CSharpCompilation compilation = CompileWithGpu(Declarations.MnistMlp, "class Other { int X; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("class Other { int X; int Y; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(3, result.GeneratedSources.Length); // the partial, its implementation and the Gpu class
        var referencesGpu = result.TrackedSteps[NetworkGenerator.TrackingNames.ReferencesGpu].SelectMany(s => s.Outputs);
        Assert.All(referencesGpu, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

}

/// <summary>NG0200 (Info): a network with a feature the GPU emitter cannot run yet gets no Gpu class, and the build goes on.</summary>
public partial class DiagnosticTests
{
    [Theory]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dropout(0.5)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[Adam]", "its layer Dropout1 (Dropout)")]
    [InlineData("[Dense(8, Activation.ELU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[Adam]", "Dense1's ELU activation")]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[RmsProp]", "the RmsProp optimizer")]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[Adadelta]", "the Adadelta optimizer")]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[NAdam]", "the NAdam optimizer")]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[RAdam]", "the RAdam optimizer")]
    [InlineData("[Dense(8, Activation.ReLU)]\n[Dense(3)]\n[SoftmaxCrossEntropy]\n[Lion]", "the Lion optimizer")]
    public void FeatureWithoutGpuKernel_ReportsNG0200_AndSkipsOnlyTheGpuClass(string layers, string named)
    {
        string source = "using NetGen;\n\n[Network(BatchSize = 4)]\n[Input(5)]\n" + layers + "\npublic partial class Mixed;\n";
        GeneratorRun run = GeneratorHarness.Run(GpuSnapshotTests.CompileWithGpu(source));

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == DiagnosticIds.NoGpuKernel);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains($"'Mixed' gets no Gpu class: {named} has no GPU kernel yet", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains(run.Sources, s => s.HintName == "Mixed.g.cs");
        Assert.DoesNotContain(run.Sources, s => s.HintName.EndsWith(".Gpu.g.cs", StringComparison.Ordinal));
        Assert.Empty(run.OutputDiagnostics);
    }
}
