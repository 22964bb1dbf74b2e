using Microsoft.CodeAnalysis;
using NetGen.Generators.Onnx;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests.Onnx;

/// <summary>
/// The code generated for an imported network is the declared networks' code (same emitters) with one difference,
/// pinned here: FillParameters and FillStatistics copy the file's weights instead of drawing them; the weights file is
/// pinned too. Both compile cleanly, and no ONNX step output holds a symbol or a compilation.
/// </summary>
public sealed class OnnxSnapshotTests
{
    private const string Source = """
        using NetGen;

        namespace Imported;

        [Network(BatchSize = 4)]
        [OnnxModel("models/classifier.onnx")]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Classifier;
        """;

    private static GeneratorRun Run()
    {
        GeneratorRun run = OnnxHarness.Run(Source, ("models/classifier.onnx", OnnxBytes.Classifier()));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticIds.MemoryFootprint, d.Id));
        Assert.Empty(run.OutputDiagnostics);
        return run;
    }

    [Fact]
    public void ImportedClassifier_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("ImportedClassifier", Run(), "Imported.Classifier.g.cs");

    [Fact]
    public void ImportedClassifierWeights_MatchSnapshot() =>
        Snapshot.Verify("ImportedClassifier.OnnxWeights", Run().Source("Imported.Classifier.OnnxWeights.g.cs"));

    [Fact]
    public void OnnxStepOutputs_HoldNoSymbolsOrCompilations()
    {
        GeneratorRunResult result = Run().Driver.GetRunResult().Results.Single();
        foreach (string step in new[] { OnnxPipeline.TrackingNames.OnnxFiles, OnnxPipeline.TrackingNames.OnnxImports, OnnxPipeline.TrackingNames.OnnxPlans })
        {
            foreach (var output in result.TrackedSteps[step].SelectMany(s => s.Outputs))
            {
                AssertNoBannedTypes(output.Value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertNoBannedTypes(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (value is Location or DiagnosticDescriptor) return; // kept on purpose: real source locations, compared by value
        Assert.False(value is ISymbol or Compilation or SemanticModel or SyntaxNode or AdditionalText, $"{path} holds a {value.GetType().Name}");
        if (!seen.Add(value)) return;
        if (value is System.Collections.IEnumerable items)
        {
            foreach (object? item in items) AssertNoBannedTypes(item, path + "[]", seen);
            return;
        }

        foreach (var property in value.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            AssertNoBannedTypes(property.GetValue(value), path + "." + property.Name, seen);
        }
    }
}
