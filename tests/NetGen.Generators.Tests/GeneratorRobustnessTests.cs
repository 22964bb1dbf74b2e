using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Legal programs the generator once failed on, and sizes past what .NET arrays hold.</summary>
public class GeneratorRobustnessTests
{
    private const string Usings = "using NetGen;\n";

    [Fact]
    public void NetworksWhoseNamesDifferOnlyInCase_BothGenerateAndCompile()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            namespace Models
            {
                [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class Mlp;
                [Network] [Input(4)] [Dense(5)] [SoftmaxCrossEntropy] [Adam] public partial class MLP;
            }
            namespace models
            {
                [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class Mlp;
            }
            """);
        Assert.Equal(3, run.Sources.Length);
        Assert.Equal(3, run.Sources.Select(s => s.HintName.ToLowerInvariant()).Distinct().Count());
    }

    [Fact]
    public void NamespaceWithAVerbatimKeyword_Generates()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            namespace Shop.@event;
            [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class Mlp;
            """);
        Assert.Single(run.Sources);
    }

    [Fact]
    public void NetworkNamedLikeASearchVariant_GeneratesBothFiles()
    {
        // The C# compiler reports the duplicate class (CS0101); the generator itself must not fail with CS8785.
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [SearchSpace] [Input(4)] [DenseChoice(Units = new[] { 2, 3 })] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class Space;
            [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class SpaceVariant00;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785" or "NG9999");
        Assert.Equal(4, run.Sources.Length);
    }

    private static Diagnostic SingleError(string markedSource)
    {
        (string source, var span) = Markup.Parse(Usings + markedSource);
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Empty(run.Sources);
        return diagnostic;
    }

    [Fact]
    public void DenseWhoseWeightsWrapInt_ReportsNG0016_AtThatLayer_WithTheRealCount()
    {
        // 65,537 x 65,536 = 4,295,032,832 weights: in int it wraps to 65,536 and the first step wrote out of bounds.
        Diagnostic d = SingleError("""
            [Network] [Input(65536)] [[|Dense(65537)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Equal("NG0016", d.Id);
        Assert.Contains("4,295,098,369", d.GetMessage());
    }

    [Fact]
    public void ForgottenPoolingBeforeABigDense_ReportsNG0016_AtTheDense()
    {
        Diagnostic d = SingleError("""
            [Network] [Input(3, 512, 512)] [Flatten] [[|Dense(6000)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Equal("NG0016", d.Id);
        Assert.Contains("4,718,598,000", d.GetMessage());
    }

    [Fact]
    public void ConvolutionWhoseWeightsWrapInt_ReportsNG0016()
    {
        Diagnostic d = SingleError("""
            [Network] [Input(70000, 2, 2)] [[|Conv2D(70000, 1)|]] [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Equal("NG0016", d.Id);
    }

    [Fact]
    public void BatchOfInputsPastAnArray_ReportsNG0016_AtTheNetwork()
    {
        Diagnostic d = SingleError("""
            [[|Network(BatchSize = 65536)|]] [Input(65536)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Equal("NG0016", d.Id);
    }

    [Fact]
    public void OptimizerStatePastAnArray_ReportsNG0016()
    {
        // 1,250,025,000 parameters fit one array; Adam's two moments, 2,500,050,000 floats, do not.
        Diagnostic d = SingleError("""
            [[|Network(BatchSize = 1)|]] [Input(50000)] [Dense(25000)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Equal("NG0016", d.Id);
        Assert.Contains("optimizer", d.GetMessage());
    }
}
