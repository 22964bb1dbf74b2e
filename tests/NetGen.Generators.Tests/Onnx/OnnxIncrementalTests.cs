using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generators.Onnx;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests.Onnx;

/// <summary>
/// The ONNX branch caches: an identical rerun and an edit of unrelated C# re-read no file and regenerate nothing; a
/// file touched but unchanged re-reads it and stops there; a changed file regenerates its network.
/// </summary>
public sealed class OnnxIncrementalTests
{
    private const string Source = """
        using NetGen;
        [Network(BatchSize = 4)] [OnnxModel("models/net.onnx")] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """;

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static (GeneratorDriver Driver, CSharpCompilation Compilation, AdditionalText File) FirstRun()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source, "class Other { int X; }");
        var file = new InMemoryAdditionalText(OnnxHarness.ProjectFolder + "models/net.onnx", OnnxBytes.Classifier());
        GeneratorDriver driver = GeneratorHarness.CreateDriver().AddAdditionalTexts([file]).RunGenerators(compilation);
        Assert.Equal(3, driver.GetRunResult().Results.Single().GeneratedSources.Length); // the partial, its implementation, the weights
        return (driver, compilation, file);
    }

    [Fact]
    public void IdenticalRerun_EveryOnnxStepIsCached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, _) = FirstRun();
        GeneratorRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        foreach (string step in new[] { OnnxPipeline.TrackingNames.OnnxFiles, OnnxPipeline.TrackingNames.OnnxImports, OnnxPipeline.TrackingNames.OnnxPlans })
        {
            Assert.NotEmpty(Reasons(second, step));
            Assert.All(Reasons(second, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void UnrelatedEdit_ReadsNoFileAndRegeneratesNothing()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, _) = FirstRun();
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("class Other { int X; int Y; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(Reasons(result, OnnxPipeline.TrackingNames.OnnxFiles), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void FileTouchedButUnchanged_IsReReadAndStopsThere()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, AdditionalText file) = FirstRun();
        var same = new InMemoryAdditionalText(file.Path, OnnxBytes.Classifier());
        GeneratorRunResult result = driver.ReplaceAdditionalText(file, same).RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Unchanged, Reasons(result, OnnxPipeline.TrackingNames.OnnxFiles));
        Assert.All(Reasons(result, OnnxPipeline.TrackingNames.OnnxPlans), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void ChangedFile_RegeneratesTheNetwork()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, AdditionalText file) = FirstRun();
        string before = driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Net.g.cs").SourceText.ToString();
        var changed = new InMemoryAdditionalText(file.Path, OnnxBytes.Classifier(middle: OnnxBytes.Node("Tanh", ["h"], ["a"])));
        GeneratorRunResult result = driver.ReplaceAdditionalText(file, changed).RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, OnnxPipeline.TrackingNames.OnnxPlans));
        string after = result.GeneratedSources.Single(s => s.HintName == "Net.g.cs").SourceText.ToString();
        Assert.Contains("Fc1 ReLU", before);
        Assert.Contains("Fc1 Tanh", after);
    }

    [Fact]
    public void EquivalentEditOfTheNetworkFile_PlanUnchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation, _) = FirstRun();
        SyntaxTree tree = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText("// a comment moves the attribute, and changes nothing else\n" + Source, GeneratorHarness.ParseOptions, path: tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        Assert.All(Reasons(result, OnnxPipeline.TrackingNames.OnnxFiles), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(Reasons(result, OnnxPipeline.TrackingNames.OnnxPlans), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }
}
