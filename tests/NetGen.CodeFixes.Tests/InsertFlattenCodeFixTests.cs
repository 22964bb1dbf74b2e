namespace NetGen.CodeFixes.Tests;

/// <summary>NG0012: the fix inserts <c>[Flatten]</c> just before the Dense layer that receives a 3-D tensor, and the network then generates.</summary>
public sealed class InsertFlattenCodeFixTests
{
    private const string Head = """
        using NetGen;

        namespace Demo;

        [Network(BatchSize = 4)]
        [Input(1, 4, 4)]

        """;

    private const string Tail = """
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Cnn;

        """;

    [Fact]
    public Task DenseOnItsOwnLine_GetsFlattenLineAbove() =>
        CodeFixHarness.VerifyAsync<InsertFlattenCodeFix>(
            Head + "[Dense(10)]\n" + Tail,
            "NG0012", InsertFlattenCodeFix.Title,
            Head + "[Flatten]\n[Dense(10)]\n" + Tail);

    [Fact]
    public Task IndentedDenseAfterComment_FlattenKeepsIndentationAndCommentStaysAbove()
    {
        const string Before = """
            using NetGen;

            namespace Demo
            {
                [Network(BatchSize = 4)]
                [Input(2, 3, 3)]
                // classifier head
                [Dense(10, Activation.ReLU)]
                [Dense(3)]
                [SoftmaxCrossEntropy]
                [Adam]
                public partial class Cnn { }
            }
            """;
        return CodeFixHarness.VerifyAsync<InsertFlattenCodeFix>(Before, "NG0012", InsertFlattenCodeFix.Title,
            Before.Replace("    [Dense(10, Activation.ReLU)]", "    [Flatten]\n    [Dense(10, Activation.ReLU)]", StringComparison.Ordinal));
    }

    [Fact]
    public Task QualifiedDense_GetsQualifiedFlatten() =>
        CodeFixHarness.VerifyAsync<InsertFlattenCodeFix>(
            Head + "[global::NetGen.DenseAttribute(10)]\n" + Tail,
            "NG0012", InsertFlattenCodeFix.Title,
            Head + "[global::NetGen.FlattenAttribute]\n[global::NetGen.DenseAttribute(10)]\n" + Tail);

    [Fact]
    public Task DenseSharingAnAttributeList_GetsFlattenInsertedInTheList() =>
        CodeFixHarness.VerifyAsync<InsertFlattenCodeFix>(
            Head.Replace("[Input(1, 4, 4)]\n", "", StringComparison.Ordinal) + "[Input(1, 4, 4), Dense(10)]\n" + Tail,
            "NG0012", InsertFlattenCodeFix.Title,
            Head.Replace("[Input(1, 4, 4)]\n", "", StringComparison.Ordinal) + "[Input(1, 4, 4), Flatten, Dense(10)]\n" + Tail);
}
