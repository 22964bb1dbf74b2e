using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Issue 6's diagnostics: recurrent declarations that cannot work, and the plain-RNN-over-a-long-sequence warning.</summary>
public partial class DiagnosticTests
{
    [Fact]
    public void RecurrentAfterVector_ReportsNG0070_AtTheLayer()
    {
        Diagnostic d = AssertSingle("NG0070", """
            [Network] [Input(16)] [[|Lstm(8)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("[Lstm] receives a 16 tensor", d.GetMessage());
        Assert.Contains("[Embedding(vocabulary, dimensions)]", d.GetMessage());
    }

    [Fact]
    public void RecurrentAfterLastStateOnly_ReportsNG0070_AtTheSecondLayer()
    {
        Diagnostic d = AssertSingle("NG0070", """
            [Network] [Input(5, 3)] [Gru(4, ReturnSequences = false)] [[|SimpleRnn(4)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("ReturnSequences = true", d.GetMessage());
    }

    [Fact]
    public void RecurrentAfterImage_ReportsNG0070() => AssertSingle("NG0070", """
        [Network] [Input(1, 4, 4)] [[|Gru(4)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void EmbeddingNotFirst_ReportsNG0071_AtTheEmbedding()
    {
        Diagnostic d = AssertSingle("NG0071", """
            [Network] [Input(8, 4)] [Lstm(4)] [[|Embedding(10, 4)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("the output of layer 1", d.GetMessage());
    }

    [Fact]
    public void EmbeddingAfterTwoDimensionalInput_ReportsNG0071()
    {
        Diagnostic d = AssertSingle("NG0071", """
            [Network] [Input(8, 3)] [[|Embedding(10, 4)|]] [Lstm(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("an input of shape 8x3", d.GetMessage());
    }

    [Theory]
    [InlineData("[Embedding([|0|], 4)]", "Embedding vocabulary")]
    [InlineData("[Embedding(10, [|-1|])]", "Embedding dimensions")]
    public void EmbeddingWithoutSizes_ReportsNG0003_AtTheArgument(string embedding, string what)
    {
        Diagnostic d = AssertSingle("NG0003", $"[Network] [Input(8)] {embedding} [Lstm(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");
        Assert.Contains(what, d.GetMessage());
    }

    [Theory]
    [InlineData("[SimpleRnn([|0|])]", "SimpleRnn hidden size")]
    [InlineData("[Lstm([|-3|])]", "Lstm hidden size")]
    [InlineData("[Gru([|0|], ReturnSequences = false)]", "Gru hidden size")]
    public void NonPositiveHidden_ReportsNG0003_AtTheArgument(string layer, string what)
    {
        Diagnostic d = AssertSingle("NG0003", $"[Network] [Input(8, 2)] {layer} [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");
        Assert.Contains(what, d.GetMessage());
    }

    [Fact]
    public void SequenceOutputWithOneClass_ReportsNG0007_AtTheLoss() => AssertSingle("NG0007", """
        [Network] [Input(8)] [Embedding(10, 4)] [Lstm(4)] [Dense(1)] [[|SoftmaxCrossEntropy|]] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void SimpleRnnOverFiftySteps_WarnsNG0072_AtTheLayer()
    {
        Diagnostic d = AssertSingle("NG0072", """
            [Network] [Input(50)] [Embedding(10, 4)] [[|SimpleRnn(8, ReturnSequences = false)|]] [Dense(10)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """, generatesCode: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("50 steps (50 or more warns)", d.GetMessage());
        Assert.Contains("[Lstm] or [Gru]", d.GetMessage());
    }

    [Theory]
    [InlineData("[Input(49)] [Embedding(10, 4)] [SimpleRnn(8)]")]
    [InlineData("[Input(100)] [Embedding(10, 4)] [Lstm(8)]")]
    [InlineData("[Input(100, 3)] [Gru(8)]")]
    public void ShortSimpleRnnOrGatedCells_DoNotWarn(string layers)
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + $"[Network] {layers} [Dense(10)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "NG0072");
        Assert.Empty(run.OutputDiagnostics);
    }

    [Fact]
    public void DenseAfterSequence_AppliesAtEveryStep_WithoutNG0012()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + "[Network] [Input(6, 3)] [Dense(5, Activation.Tanh)] [Gru(4)] [Dense(2)] [MeanSquaredError] [Adam]\npublic partial class Net;");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(run.OutputDiagnostics);
        Assert.Contains("rows * Dense1Steps", run.Source("Net.g.cs"));
    }
}
