using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace NetGen.CodeFixes.Tests;

/// <summary>NG0001: the fix adds <c>partial</c> where C# requires it (last modifier, before <c>class</c>) and the class then generates.</summary>
public sealed class MakePartialCodeFixTests
{
    private const string Layers = """
        using NetGen;

        namespace Demo;

        [Network(BatchSize = 4)]
        [Input(3)]
        [Dense(2)]
        [SoftmaxCrossEntropy]
        [Adam]

        """;

    [Fact]
    public Task PublicClass_GetsPartialBeforeClassKeyword() =>
        CodeFixHarness.VerifyAsync<MakePartialCodeFix>(
            Layers + "public class Mlp;\n",
            "NG0001", MakePartialCodeFix.Title,
            Layers + "public partial class Mlp;\n");

    [Fact]
    public Task SealedClass_GetsPartialAfterTheOtherModifiers() =>
        CodeFixHarness.VerifyAsync<MakePartialCodeFix>(
            Layers + "public sealed class Mlp { }\n",
            "NG0001", MakePartialCodeFix.Title,
            Layers + "public sealed partial class Mlp { }\n");

    [Fact]
    public Task ClassWithoutModifiers_KeepsItsIndentationAndComment()
    {
        const string Before = """
            using NetGen;

            namespace Demo
            {
                [Network(BatchSize = 4)]
                [Input(3)]
                [Dense(2)]
                [SoftmaxCrossEntropy]
                [Adam]
                // a tiny classifier
                class Mlp { }
            }
            """;
        return CodeFixHarness.VerifyAsync<MakePartialCodeFix>(Before, "NG0001", MakePartialCodeFix.Title,
            Before.Replace("    class Mlp", "    partial class Mlp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FixAll_MakesEveryNetworkInTheDocumentPartial()
    {
        string source = Layers + "public class Small;\n\n" + Layers.Replace("using NetGen;\n\nnamespace Demo;\n", "", StringComparison.Ordinal) + "public class Tiny;\n";
        (Document document, var diagnostics, var actions) = await CodeFixHarness.ActionsAsync<MakePartialCodeFix>(source, "NG0001");
        Assert.Equal(2, diagnostics.Length);

        var fix = new MakePartialCodeFix();
        var context = new FixAllContext(document, fix, FixAllScope.Document, MakePartialCodeFix.Title, ["NG0001"],
            new FixedDiagnostics(diagnostics), CancellationToken.None);
        CodeAction fixAll = (await fix.GetFixAllProvider().GetFixAsync(context))!;
        Document fixedDocument = await CodeFixHarness.ApplyAsync(document, fixAll);

        string text = (await fixedDocument.GetTextAsync()).ToString();
        Assert.Contains("public partial class Small;", text, StringComparison.Ordinal);
        Assert.Contains("public partial class Tiny;", text, StringComparison.Ordinal);
        await CodeFixHarness.AssertBuildsAsync(fixedDocument);
    }

    /// <summary>Hands the fix-all machinery the generator's diagnostics (the IDE asks its diagnostic service instead).</summary>
    private sealed class FixedDiagnostics(IEnumerable<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult(diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());
    }
}
