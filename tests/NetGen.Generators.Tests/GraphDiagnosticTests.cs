using Microsoft.CodeAnalysis;

namespace NetGen.Generators.Tests;

/// <summary>The graph declarations' diagnostics: each at the attribute or argument that is wrong, with both shapes where shapes disagree.</summary>
public partial class DiagnosticTests
{
    [Fact]
    public void ResidualShapesDiffer_ReportsNG0100_AtTheResidualWithBothShapes()
    {
        Diagnostic d = AssertSingle("NG0100", """
            [Network] [Input(8)] [Dense(16)] [[|Residual|]] [Dense(32)] [EndResidual] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("dense2 is 32", d.GetMessage());
        Assert.Contains("dense1 is 16", d.GetMessage());
        Assert.Contains("Projection = true", d.GetMessage());
    }

    [Fact]
    public void ConcatOtherDimensionsDiffer_ReportsNG0100_AtTheConcat()
    {
        Diagnostic d = AssertSingle("NG0100", """
            [Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = "a")] [Conv2D(4, 3, From = "input")] [[|Concat("a")|]]
            [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("4x6x6", d.GetMessage());
        Assert.Contains("4x8x8", d.GetMessage());
    }

    [Fact]
    public void UnknownName_ReportsNG0101_AtTheName() => AssertSingle("NG0101", """
        [Network] [Input(8)] [Dense(16, Name = "skip")] [Dense(16)] [Add([|"skp"|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void UnknownFrom_ReportsNG0101_AtFrom() => AssertSingle("NG0101", """
        [Network] [Input(8)] [Dense(16)] [Dense(16, [|From = "nowhere"|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NameUsedTwice_ReportsNG0102_AtTheSecondName() => AssertSingle("NG0102", """
        [Network] [Input(8)] [Dense(16, Name = "h")] [Dense(16, [|Name = "h"|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void NameNotAnIdentifier_ReportsNG0103_AtTheName() => AssertSingle("NG0103", """
        [Network] [Input(8)] [Dense(16, [|Name = "2nd.layer"|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void EndResidualWithoutResidual_ReportsNG0104_AtEndResidual() => AssertSingle("NG0104", """
        [Network] [Input(8)] [Dense(8)] [[|EndResidual|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void ResidualNeverClosed_ReportsNG0104_AtResidual() => AssertSingle("NG0104", """
        [Network] [Input(8)] [[|Residual|]] [Dense(8)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void BlockClassNotMarked_ReportsNG0105_AtTheType() => AssertSingle("NG0105", """
        [Dense(8)]
        public static class NotABlock;
        [Network] [Input(8)] [Block([|typeof(NotABlock)|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void LossInsideBlock_ReportsNG0105_AtTheLoss() => AssertSingle("NG0105", """
        [NetworkBlock] [Dense(8)] [[|MeanSquaredError|]]
        public static class Bad;
        [Network] [Input(8)] [Block(typeof(Bad))] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void UnreadBranch_ReportsNG0106_AtTheDeadLayer()
    {
        Diagnostic d = AssertSingle("NG0106", """
            [Network] [Input(8)] [[|Dense(16)|]] [Dense(2, From = "input")] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("dense1", d.GetMessage());
    }

    [Fact]
    public void ProjectionBetweenRanks_ReportsNG0107_AtTheResidual() => AssertSingle("NG0107", """
        [Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1)] [[|Residual(Projection = true)|]] [Flatten] [Dense(8)] [EndResidual]
        [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void JoinWithoutNames_ReportsNG0108_AtTheJoin() => AssertSingle("NG0108", """
        [Network] [Input(8)] [Dense(8)] [[|Add|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void ConcatAxisOutside_ReportsNG0108_AtTheAxis() => AssertSingle("NG0108", """
        [Network] [Input(8)] [Dense(8, Name = "a")] [Dense(8)] [Concat("a", [|Axis = 3|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void ResidualWithProjection_GeneratesCodeWithoutDiagnostics()
    {
        Infrastructure.GeneratorRun run = Infrastructure.GeneratorHarness.RunClean(Usings + """
            [NetworkBlock] [Residual(Projection = true)] [Dense(16, Activation.ReLU)] [Dense(12)] [EndResidual]
            public static class Widen;
            [Network] [Input(8)] [Block(typeof(Widen), Repeat = 2, Name = "blocks")] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        string source = string.Concat(run.Sources.Select(s => s.SourceText.ToString()));
        Assert.Contains("\"blocks.0.dense1.weight\"", source);
        Assert.Contains("\"blocks.1.projection1.weight\"", source);
    }

    [Fact]
    public void InputWithoutNetwork_ReportsNG0019_AtTheInput()
    {
        (string source, var span) = Infrastructure.Markup.Parse(Usings + """
            [[|Input(4)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Infrastructure.GeneratorRun run = Infrastructure.GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NG0019", d.Id);
        Assert.Equal(span, d.Location.SourceSpan);
    }

    [Theory]
    [InlineData("[[|Dense(2)|]] [SoftmaxCrossEntropy] [Adam]", "Dense")]
    [InlineData("[[|SoftmaxCrossEntropy|]] [Adam]", "SoftmaxCrossEntropy")]
    [InlineData("[[|Adam|]]", "Adam")]
    [InlineData("[[|Residual|]] [Dense(2)] [EndResidual]", "Residual")]
    public void NetGenAttributesWithoutNetworkOrInput_ReportNG0019_AtTheFirstOne(string attributes, string named)
    {
        (string source, var span) = Infrastructure.Markup.Parse(Usings + attributes + """

            public partial class Net;
            """);
        Infrastructure.GeneratorRun run = Infrastructure.GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NG0019", d.Id);
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Contains($"declares [{named}] but not [Network]", d.GetMessage());
    }

    [Fact]
    public void AttributesSplitOverPartialDeclarations_AreReportedOnce_AndLeftToNG0004_WithNetworkOnAnotherPart()
    {
        Infrastructure.GeneratorRun split = Infrastructure.GeneratorHarness.Run(Usings + """
            [Dense(2)] public partial class Net;
            [SoftmaxCrossEntropy] [Adam] public partial class Net;
            """);
        Assert.Equal("NG0019", Assert.Single(split.GeneratorDiagnostics).Id);

        Infrastructure.GeneratorRun network = Infrastructure.GeneratorHarness.Run(Usings + """
            [Network(BatchSize = 4)] [Input(3)] public partial class Net;
            [Dense(2)] [SoftmaxCrossEntropy] [Adam] public partial class Net;
            """);
        Assert.DoesNotContain(network.GeneratorDiagnostics, d => d.Id == "NG0019"); // NG0004 says where the layers belong
    }
}
