using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>The pipeline caches: re-running or editing an unrelated file regenerates nothing.</summary>
public class IncrementalTests
{
    private static readonly string[] TrackedSteps = [NetworkGenerator.TrackingNames.Parse, NetworkGenerator.TrackingNames.Networks, NetworkGenerator.TrackingNames.Plans];

    [Fact]
    public void IdenticalRerun_EveryTrackedStepIsCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations.MnistMlp);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            var outputs = second.TrackedSteps[step].SelectMany(s => s.Outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void UnrelatedEdit_DoesNotRegenerate()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations.MnistMlp, "class Other { int X; }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("class Other { int X; int Y; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void EquivalentEditOfTheNetworkFile_ModelUnchanged_OutputNotRegenerated()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations.MnistMlp);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText("// a comment changes nothing\n" + Declarations.MnistMlp, GeneratorHarness.ParseOptions, path: tree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The diagnostics move with the text (their locations must), but the model, and so the emitted source, does not.
        var networks = result.TrackedSteps[NetworkGenerator.TrackingNames.Networks].SelectMany(s => s.Outputs);
        Assert.All(networks, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void IdenticalRerunOfAGraph_PlanIsCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations.ResidualGraph);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult second = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
        var plans = second.TrackedSteps[NetworkGenerator.TrackingNames.Plans].SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(plans);
        Assert.All(plans, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void EditOfABlockInAnotherFile_RegeneratesTheNetworkThatUsesIt()
    {
        // The block lives in its own file: editing it must reach the network (a parse cached per file would miss it).
        string network = Declarations.ResidualGraph.Substring(Declarations.ResidualGraph.IndexOf("[Network(", StringComparison.Ordinal));
        string usings = "using NetGen;\n\nnamespace Samples.Graphs;\n\n";
        string block = Declarations.ResidualGraph.Substring(0, Declarations.ResidualGraph.IndexOf("[Network(", StringComparison.Ordinal));
        CSharpCompilation compilation = GeneratorHarness.Compile(usings + network, block);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        string before = string.Concat(driver.GetRunResult().Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));

        SyntaxTree blockTree = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(blockTree,
            CSharpSyntaxTree.ParseText(Declarations.DeeperMlpBlock, GeneratorHarness.ParseOptions, path: blockTree.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        string after = string.Concat(result.GeneratedSources.Select(s => s.SourceText.ToString()));

        Assert.DoesNotContain("blocks.0.dense3.weight", before);
        Assert.Contains("blocks.0.dense3.weight", after);
        Assert.Contains(result.TrackedSteps[NetworkGenerator.TrackingNames.Plans].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void StepOutputs_HoldNoSymbolsOrCompilations()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Declarations.MnistMlp, Declarations.Regression, Declarations.ImageFlatten, Declarations.ResidualGraph);
        GeneratorRunResult result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        foreach (string step in TrackedSteps)
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoBannedTypes(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    /// <summary>Walks the object graph (NetEscapades' check): a symbol or compilation would pin the whole compilation in the cache.</summary>
    private static void AssertNoBannedTypes(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (value is Location or DiagnosticDescriptor) return; // Kept on purpose beside the model: a real source location, compared by value.
        Assert.False(value is ISymbol or Compilation or SemanticModel or SyntaxNode, $"{path} holds a {value.GetType().Name}");
        if (!seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            foreach (object? item in items) AssertNoBannedTypes(item, path + "[]", seen);
            return;
        }

        foreach (FieldInfo field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoBannedTypes(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
