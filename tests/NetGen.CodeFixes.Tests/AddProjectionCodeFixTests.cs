namespace NetGen.CodeFixes.Tests;

/// <summary>NG0100 on a residual connection: the fix adds Projection = true to the [Residual], and the class then generates.</summary>
public sealed class AddProjectionCodeFixTests
{
    private const string Head = """
        using NetGen;

        namespace Demo;

        [Network(BatchSize = 4)]
        [Input(8)]
        [Dense(16)]

        """;

    private const string Tail = """
        [Dense(32)]
        [EndResidual]
        [Dense(2)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Widening;

        """;

    [Fact]
    public Task ResidualWithoutArguments_GetsProjection() =>
        CodeFixHarness.VerifyAsync<AddProjectionCodeFix>(
            Head + "[Residual]\n" + Tail,
            "NG0100", AddProjectionCodeFix.Title,
            Head + "[Residual(Projection = true)]\n" + Tail);

    [Fact]
    public Task ResidualWithAName_KeepsItAndGetsProjection() =>
        CodeFixHarness.VerifyAsync<AddProjectionCodeFix>(
            Head + "[Residual(Name = \"widen\")]\n" + Tail,
            "NG0100", AddProjectionCodeFix.Title,
            Head + "[Residual(Name = \"widen\", Projection = true)]\n" + Tail);
}
