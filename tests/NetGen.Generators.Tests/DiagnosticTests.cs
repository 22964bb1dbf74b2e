using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>
/// Every diagnostic: its id, its exact span (marked [| |] in the source), and that a wrong declaration
/// gets no generated code while the generator itself never throws.
/// </summary>
public partial class DiagnosticTests
{
    private const string Usings = "using NetGen;\n";

    private static Diagnostic AssertSingle(string id, string markedSource, bool generatesCode = false)
    {
        (string source, var span) = Markup.Parse(Usings + markedSource);
        GeneratorRun run = GeneratorHarness.Run(source);
        // Every valid network also gets the NG0042 memory note; the tests look at everything else.
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id != DiagnosticIds.MemoryFootprint || id == DiagnosticIds.MemoryFootprint);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        // A real source location (not Location.Create from a path), so #pragma and .editorconfig apply to it.
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Equal("Network0.cs", diagnostic.Location.SourceTree!.FilePath);
        Assert.Equal(generatesCode, run.Sources.Length > 0);
        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri);
        return diagnostic;
    }

    [Fact]
    public void NotPartial_ReportsNG0001_AtClassName()
    {
        Diagnostic d = AssertSingle("NG0001", """
            [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public class [|Net|];
            """);
        Assert.Contains("partial class Net", d.GetMessage());
    }

    [Fact]
    public void MissingInput_ReportsNG0002_AtNetworkAttribute() => AssertSingle("NG0002", """
        [[|Network|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NonPositiveUnits_ReportsNG0003_AtTheArgument() => AssertSingle("NG0003", """
        [Network] [Input(4)] [Dense([|0|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NonPositiveInputDimension_ReportsNG0003_AtThatDimension() => AssertSingle("NG0003", """
        [Network] [Input(1, [|-28|], 28)] [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NonPositiveBatchSize_ReportsNG0003_AtTheProperty() => AssertSingle("NG0003", """
        [Network([|BatchSize = 0|])] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void LayersOnTwoPartialDeclarations_ReportsNG0004_AtTheStrayAttribute() => AssertSingle("NG0004", """
        [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
        public partial class Net;
        [[|Adam|]]
        public partial class Net;
        """);

    [Fact]
    public void MissingLoss_ReportsNG0005_AtNetworkAttribute() => AssertSingle("NG0005", """
        [[|Network|]] [Input(4)] [Dense(2)] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void MissingOptimizer_ReportsNG0006_AtNetworkAttribute() => AssertSingle("NG0006", """
        [[|Network|]] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
        public partial class Net;
        """);

    [Fact]
    public void CrossEntropyOnOneOutput_ReportsNG0007_AtTheLoss() => AssertSingle("NG0007", """
        [Network] [Input(4)] [Dense(1)] [[|SoftmaxCrossEntropy|]] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void ActivationBeforeCrossEntropy_WarnsNG0008_AtTheActivation_AndStillGenerates()
    {
        Diagnostic d = AssertSingle("NG0008", """
            [Network] [Input(4)] [Dense(3, [|Activation.ReLU|])] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """, generatesCode: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Theory]
    [InlineData("[Adam([|LearningRate = -0.1|])]")]
    [InlineData("[Adam([|Beta1 = 1.0|])]")]
    [InlineData("[Adam([|Beta2 = -0.5|])]")]
    [InlineData("[Adam([|Epsilon = 0|])]")]
    [InlineData("[Adam([|WeightDecay = -1e-4|])]")]
    [InlineData("[Sgd([|LearningRate = 0|])]")]
    [InlineData("[Sgd([|Momentum = 1.5|])]")]
    [InlineData("[Sgd([|Nesterov = true|])]")]
    [InlineData("[Sgd(LearningRate = 0.1, [|WeightDecay = -1|])]")]
    public void OptimizerValueOutOfRange_ReportsNG0009_AtTheArgument(string optimizer)
    {
        Diagnostic d = AssertSingle("NG0009", $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] {optimizer}\npublic partial class Net;");
        Assert.Contains("must be", d.GetMessage());
    }

    [Theory]
    [InlineData("[Input(4)] [[|Input(5)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]")]
    [InlineData("[Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [[|MeanSquaredError|]] [Adam]")]
    [InlineData("[Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [[|Sgd|]]")]
    public void SecondInputLossOrOptimizer_ReportsNG0010_AtTheDuplicate(string attributes) =>
        AssertSingle("NG0010", $"[Network] {attributes}\npublic partial class Net;");

    [Theory]
    [InlineData("public partial class [|Net|]<T>;")]
    [InlineData("public static partial class [|Net|];")]
    [InlineData("public partial class Outer { [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class [|Net|]; }")]
    public void UnsupportedClassShape_ReportsNG0011_AtClassName(string declaration)
    {
        string source = declaration.Contains("Outer") ? declaration : "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\n" + declaration;
        AssertSingle("NG0011", source);
    }

    [Theory]
    [InlineData("Forward")]
    [InlineData("Dense1Bias")]
    [InlineData("OptimizerStep")]
    public void ClassNamedLikeAGeneratedMember_ReportsNG0015_AtClassName(string name)
    {
        Diagnostic d = AssertSingle("NG0015", $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class [|{name}|];");
        Assert.Contains($"'{name}Network'", d.GetMessage());
    }

    [Fact]
    public void DenseAfterImage_ReportsNG0012_AtTheDense_SuggestingFlatten()
    {
        Diagnostic d = AssertSingle("NG0012", """
            [Network] [Input(1, 28, 28)] [[|Dense(10)|]] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("[Flatten]", d.GetMessage());
        Assert.Contains("784", d.GetMessage());
    }

    [Fact]
    public void NoLayers_ReportsNG0013_AtNetworkAttribute() => AssertSingle("NG0013", """
        [[|Network|]] [Input(4)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void UndefinedEnumValue_ReportsNG0014_AtTheArgument() => AssertSingle("NG0014", """
        [Network] [Input(4)] [Dense(2, [|(Activation)42|])] [MeanSquaredError] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void UnboundAttributeArgument_LeavesErrorToTheCompiler_AndDoesNotThrow()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Network] [Input(4)] [Dense("wide")] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "NG9999");
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void EveryDescriptor_IsDocumentedWithItsTitle()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md"));
        foreach (DiagnosticDescriptor descriptor in typeof(Diagnostics).GetFields().Where(f => f.FieldType == typeof(DiagnosticDescriptor))
                     .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).Where(d => d.Id != DiagnosticIds.InternalError))
        {
            int section = docs.IndexOf("## " + descriptor.Id + "\n", StringComparison.Ordinal);
            Assert.True(section >= 0, $"docs/diagnostics.md has no section for {descriptor.Id}");
            Assert.Contains("**" + descriptor.Title + "**", docs.Substring(section, Math.Min(600, docs.Length - section)));
        }

        // NG0013's documented message once said "declares no layers"; the emitted one is about layers with parameters.
        Assert.Contains("declares no layer with parameters to train", docs);
    }

    private static string RepositoryRoot()
    {
        string folder = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(folder, "NetGen.sln"))) folder = Path.GetDirectoryName(folder)!;
        return folder;
    }

    [Fact]
    public void EveryDescriptor_HasATest()
    {
        var ids = typeof(Diagnostics).GetFields()
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id)
            .Where(id => id != DiagnosticIds.InternalError);
        var names = typeof(DiagnosticTests).Assembly.GetTypes().SelectMany(t => t.GetMethods()).Select(m => m.Name).ToArray();
        foreach (string id in ids)
        {
            Assert.Contains(names, n => n.Contains(id, StringComparison.Ordinal) &&
                (n.Contains("report", StringComparison.OrdinalIgnoreCase) || n.Contains("warn", StringComparison.OrdinalIgnoreCase)));
        }
    }
}
