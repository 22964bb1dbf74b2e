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
        Assert.Equal(6, run.Sources.Length); // each network: its partial and its implementation
        Assert.Equal(6, run.Sources.Select(s => s.HintName.ToLowerInvariant()).Distinct().Count());
    }

    [Fact]
    public void NamespaceWithAVerbatimKeyword_Generates()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            namespace Shop.@event;
            [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class Mlp;
            """);
        Assert.Equal(2, run.Sources.Length);
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
        Assert.Equal(5, run.Sources.Length); // two variants and the registry; the network's partial and implementation
    }

    [Fact]
    public void NetworkNamedLikeAnotherNetworksImplementationFile_GetsItsOwnHintNames()
    {
        // "A" + ".Implementation.g.cs" and "a.Implementation" + ".g.cs" would be the same file name (hint names ignore case).
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            namespace a { [Network] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adam] public partial class Implementation; }
            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class A;
            """);
        Assert.Equal(4, run.Sources.Select(s => s.HintName.ToLowerInvariant()).Distinct().Count());
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

    private static Diagnostic SingleDiagnostic(string id, string markedSource)
    {
        (string source, var span) = Markup.Parse(Usings + markedSource);
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id != DiagnosticIds.MemoryFootprint);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        return diagnostic;
    }

    [Fact]
    public void NullInputShape_ReportsNG0003_NotAnInternalError() => SingleDiagnostic("NG0003", """
        [Network] [[|Input(null)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NullReshape_ReportsNG0003_NotAnInternalError() => SingleDiagnostic("NG0003", """
        [Network] [Input(4)] [[|Reshape(null)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1_000_000)]
    [InlineData(1_000_001)]
    public void HugeStride_ReportsNG0022WithAFix_Quickly(int stride)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Diagnostic d = SingleDiagnostic("NG0022", $$"""
            [Network] [Input(1, 28, 28)] [Conv2D(4, 3, [|Stride = {{stride}}|])] [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("Stride = ", d.GetMessage());
        // Not a timing test: a search over every stride up to int.MaxValue ran out of memory; a bounded one is instant.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
    }

    [Theory]
    [InlineData("Adam(LearningRate = 1e39)", "LearningRate = 1e39")]
    [InlineData("Adam(LearningRate = 1e-50)", "LearningRate = 1e-50")]
    [InlineData("Sgd(LearningRate = 0.1, WeightDecay = 1e300)", "WeightDecay = 1e300")]
    public void HyperparameterFloatCannotHold_ReportsNG0009_AtIt(string optimizer, string argument)
    {
        string declaration = $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [{optimizer.Replace(argument, "[|" + argument + "|]")}]\npublic partial class Net;";
        Diagnostic d = SingleDiagnostic("NG0009", declaration);
        Assert.Contains("float", d.GetMessage());
    }

    [Theory]
    [InlineData("Init = WeightInit.Uniform, [|InitScale = double.PositiveInfinity|]", "NG0009")]
    [InlineData("Init = WeightInit.Normal, [|InitScale = -1|]", "NG0009")]
    [InlineData("Init = WeightInit.Uniform, [|InitScale = 0|]", "NG0041")]
    [InlineData("Init = WeightInit.Normal, [|InitScale = 0|]", "NG0041")]
    public void InitScaleThatCannotWork_IsReportedAtInitScale(string arguments, string id) => SingleDiagnostic(id,
        $"[Network] [Input(4)] [Dense(3, {arguments})] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");

    [Fact]
    public void NaNWrittenOutWhereItIsTheDefault_IsAccepted()
    {
        GeneratorHarness.RunClean(Usings + """
            [Network] [Input(4)] [Dense(3, Activation.LeakyReLU, ActivationAlpha = double.NaN, L1 = double.NaN, L2 = double.NaN)] [Dense(2)]
            [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
    }

    [Theory]
    [InlineData("public partial record [|Net|];", "a record")]
    [InlineData("public partial struct [|Net|];", "a struct")]
    [InlineData("file partial class [|Net|];", "file-local")]
    public void DeclarationFormsNetGenCannotExtend_ReportNG0011_NotSilence(string declaration, string reason)
    {
        Diagnostic d = SingleDiagnostic("NG0011", "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\n" + declaration);
        Assert.Contains(reason, d.GetMessage());
    }

    [Fact]
    public void NetworkAndSearchSpaceOnOneClass_ReportsNG0011_Once()
    {
        Diagnostic d = SingleDiagnostic("NG0011", """
            [Network] [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class [|Net|];
            """);
        Assert.Contains("[SearchSpace]", d.GetMessage());
    }

    [Fact]
    public void LanguageVersion10_ReportsNG0017_AtTheClass()
    {
        (string source, var span) = Markup.Parse(Usings + """
            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class [|Net|] { }
            """);
        var options = new Microsoft.CodeAnalysis.CSharp.CSharpParseOptions(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp10);
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("UserAssembly",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, options, path: "Network0.cs")],
            GeneratorHarness.Compile().References,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorRun run = GeneratorHarness.Run(compilation);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NG0017", d.Id);
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Contains("C# 10", d.GetMessage());
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void ClassNamedWithAKeyword_GeneratesCodeThatCompiles()
    {
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class @class;
            """);
        Assert.Contains("partial class @class", run.Source("class.g.cs"));
    }

    [Fact]
    public void ArgumentTheCompilerRejects_GetsNoFollowOnNGDiagnostic()
    {
        // CS0182 (not a constant) is the compiler's; a made-up "Dense units is 0" on top of it would mislead.
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Network] [Input(4)] [Dense(System.Environment.ProcessorCount)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Contains(run.Input.GetDiagnostics(), d => d.Id == "CS0182");
    }

    [Fact]
    public void NetworkAttributeOnTwoPartialDeclarations_ReportsEachDiagnosticOnce()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            public partial class Net;
            [Network] [Adam]
            public partial class Net;
            """);
        Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NG0004");
    }

    [Fact]
    public void ReadmeGraphExample_GeneratesCodeThatCompiles()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int section = readme.IndexOf("### Networks as graphs", StringComparison.Ordinal);
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        string example = readme.Substring(start, readme.IndexOf("```", start, StringComparison.Ordinal) - start);
        string source = string.Concat(GeneratorHarness.RunClean(example).Sources.Select(s => s.SourceText.ToString()));
        Assert.Contains("\"pairs.14.dense2.bias\"", source);
    }

    private static string RepositoryRoot()
    {
        string folder = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(folder, "NetGen.sln"))) folder = Path.GetDirectoryName(folder)!;
        return folder;
    }
}
