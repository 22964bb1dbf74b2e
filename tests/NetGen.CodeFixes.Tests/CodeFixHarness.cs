using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generators;

namespace NetGen.CodeFixes.Tests;

/// <summary>
/// Runs a code fix the way the IDE does, in an in-memory <see cref="AdhocWorkspace"/>: the real
/// NetGen generator reports its diagnostics on a one-file project (compiled against .NET 10's
/// reference assemblies and the NetGen runtime), the provider registers its actions for one of them,
/// and the chosen action's changes are applied to the solution. No package download, no network.
/// (Microsoft.CodeAnalysis.CSharp.CodeFix.Testing 1.1.4 was tried first: it does not restore cleanly
/// against this feed (NU1603 on several transitive packages) and fetches reference assemblies from
/// NuGet while the tests run.)
/// </summary>
public static class CodeFixHarness
{
    // System.Runtime holds every type the declarations and the generated code use (Span, Math, the
    // exceptions, GeneratedCodeAttribute); binding against it alone, instead of all 160-odd reference
    // assemblies, keeps each test well under a second once Roslyn is warm.
    private static readonly ImmutableArray<MetadataReference> References =
        [Net100.References.SystemRuntime, MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location)];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>A one-document project in a fresh workspace.</summary>
    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        ProjectInfo project = ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "User", "User", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: ParseOptions,
            metadataReferences: References);
        Solution solution = workspace.CurrentSolution.AddProject(project);
        DocumentId documentId = DocumentId.CreateNewId(project.Id);
        solution = solution.AddDocument(documentId, "Network.cs", SourceText.From(source));
        return solution.GetDocument(documentId)!;
    }

    /// <summary>The diagnostics the generator reports for the document's project, and the compilation with its output.</summary>
    public static async Task<(ImmutableArray<Diagnostic> Diagnostics, Compilation Output)> RunGeneratorAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (diagnostics, output);
    }

    /// <summary>The code actions <typeparamref name="TFix"/> registers for the generator's diagnostics with <paramref name="id"/>.</summary>
    public static async Task<(Document Document, ImmutableArray<Diagnostic> Diagnostics, List<CodeAction> Actions)> ActionsAsync<TFix>(string source, string id)
        where TFix : CodeFixProvider, new()
    {
        Document document = CreateDocument(source);
        ImmutableArray<Diagnostic> diagnostics = (await RunGeneratorAsync(document)).Diagnostics.Where(d => d.Id == id).ToImmutableArray();
        var fix = new TFix();
        Assert.Contains(id, fix.FixableDiagnosticIds);
        var actions = new List<CodeAction>();
        foreach (Diagnostic diagnostic in diagnostics)
        {
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
            await fix.RegisterCodeFixesAsync(context);
        }

        return (document, diagnostics, actions);
    }

    /// <summary>
    /// Asserts that the generator reports exactly one <paramref name="id"/> on <paramref name="source"/>,
    /// that <typeparamref name="TFix"/> offers exactly one action titled <paramref name="title"/>,
    /// that applying it gives exactly <paramref name="expected"/>, and that the fixed source then builds:
    /// no generator diagnostic of warning or error severity, no error in the compilation with the generated code.
    /// </summary>
    public static async Task VerifyAsync<TFix>(string source, string id, string title, string expected)
        where TFix : CodeFixProvider, new()
    {
        (Document document, ImmutableArray<Diagnostic> diagnostics, List<CodeAction> actions) = await ActionsAsync<TFix>(source, id);
        Assert.Single(diagnostics);
        CodeAction action = Assert.Single(actions);
        Assert.Equal(title, action.Title);

        Document fixedDocument = await ApplyAsync(document, action);
        string actual = (await fixedDocument.GetTextAsync()).ToString();
        Assert.Equal(expected.ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));

        await AssertBuildsAsync(fixedDocument);
    }

    /// <summary>Applies the action's changes and returns the document as they leave it.</summary>
    public static async Task<Document> ApplyAsync(Document document, CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        ApplyChangesOperation apply = Assert.IsType<ApplyChangesOperation>(Assert.Single(operations));
        return apply.ChangedSolution.GetDocument(document.Id)!;
    }

    /// <summary>The generator is happy with the document and the generated code compiles.</summary>
    public static async Task AssertBuildsAsync(Document document)
    {
        (ImmutableArray<Diagnostic> generatorDiagnostics, Compilation output) = await RunGeneratorAsync(document);
        string problems = string.Join("\n", generatorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Concat(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)));
        if (problems.Length > 0) Assert.Fail("The fixed source does not build:\n" + problems);
    }
}
