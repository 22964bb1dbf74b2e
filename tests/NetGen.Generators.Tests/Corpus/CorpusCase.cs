using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests.Corpus;

/// <summary>
/// One declaration of the corpus and what the generator must make of it: <see cref="Clean"/> (no NG warning or
/// error, generated code that compiles with no warning or error) or an NG id at the span marked [| |].
/// </summary>
/// <param name="Name">Family/case, unique; a failure names it.</param>
/// <param name="Expected">"clean" or an NG id.</param>
/// <param name="Sources">Files of the compilation; "using NetGen;" is put in front of each. At most one holds a [| |] span.</param>
/// <param name="LanguageVersion">The user's LangVersion (the SDK default when null).</param>
public sealed record CorpusCase(string Name, string Expected, string[] Sources, LanguageVersion? LanguageVersion = null)
{
    public const string Clean = "clean";

    public override string ToString() => Name;
}

/// <summary>Runs a <see cref="CorpusCase"/> in memory and checks the issue-21 promises on it.</summary>
public static class CorpusRunner
{
    // One empty compilation that every case adds its trees to: derived compilations share its reference manager,
    // so the ~200 reference assemblies are bound once instead of once per case (most of a clean case's time).
    private static readonly CSharpCompilation Empty = CSharpCompilation.Create("UserAssembly", [],
        GeneratorHarness.Compile().References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static readonly HashSet<string> WarningIds = ["NG0008", "NG0040", "NG0041", "NG0072", "NG0090"];

    public static void Check(CorpusCase c)
    {
        var parse = new CSharpParseOptions(c.LanguageVersion ?? LanguageVersion.Latest);
        var trees = new List<SyntaxTree>();
        TextSpan? span = null;
        int spanFile = -1;
        for (int i = 0; i < c.Sources.Length; i++)
        {
            string text = "using NetGen;\n" + c.Sources[i];
            if (text.Contains("[|", StringComparison.Ordinal))
            {
                Assert.True(spanFile < 0, $"{c.Name}: only one source may mark a span");
                (text, TextSpan s) = Markup.Parse(text);
                span = s;
                spanFile = i;
            }
            trees.Add(CSharpSyntaxTree.ParseText(SourceText.From(text), parse, path: $"Network{i}.cs"));
        }
        CSharpCompilation compilation = Empty.AddSyntaxTrees(trees);
        // The corpus is of legal C#: an error here is a mistake in the case, not in the generator.
        Assert.True(!compilation.GetParseDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error),
            $"{c.Name}: the case does not parse: " + string.Join("; ", compilation.GetParseDiagnostics()));

        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: parse)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        string Describe() => $"{c.Name}\n  generator: {string.Join("\n    ", result.Diagnostics.Where(d => d.Id != "NG0042").Select(d => $"{d} @{d.Location.SourceSpan}"))}" +
            $"\n  output: {string.Join("\n    ", output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Take(5))}" +
            $"\n  sources: {result.GeneratedSources.Length}";

        Assert.True(result.Exception is null, $"{c.Name}: the generator threw {result.Exception}");
        Assert.False(driverDiagnostics.Any(d => d.Id == "CS8785"), $"{c.Name}: CS8785 (generator failed, all its code dropped)\n{Describe()}");
        Assert.False(result.Diagnostics.Any(d => d.Id == "NG9999"), $"{c.Name}: NG9999 internal error\n{Describe()}");

        Diagnostic[] reported = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        if (c.Expected == CorpusCase.Clean)
        {
            Assert.True(span is null, $"{c.Name}: a clean case marks no span");
            Assert.True(reported.Length == 0, $"{c.Name}: expected clean\n{Describe()}");
            Assert.True(result.GeneratedSources.Length > 0, $"{c.Name}: expected generated code, got none (silently ignored)\n{Describe()}");
            Diagnostic[] outputDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(outputDiagnostics.Length == 0, $"{c.Name}: the generated code does not compile cleanly\n{Describe()}");
            return;
        }

        Assert.True(span is not null, $"{c.Name}: an {c.Expected} case marks its span with [| |]");
        Assert.True(reported.Any(d => d.Id == c.Expected && d.Location.IsInSource && d.Location.SourceSpan == span
                && d.Location.SourceTree!.FilePath == $"Network{spanFile}.cs"),
            $"{c.Name}: expected {c.Expected} at {span}\n{Describe()}");
        // Nothing else on top: one mistake, one diagnostic id (a warning may fire on several layers).
        Assert.True(reported.All(d => d.Id == c.Expected), $"{c.Name}: diagnostics beyond {c.Expected}\n{Describe()}");
        if (WarningIds.Contains(c.Expected))
        {
            Assert.True(result.GeneratedSources.Length > 0, $"{c.Name}: a warning still generates code\n{Describe()}");
            Diagnostic[] outputDiagnostics = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(outputDiagnostics.Length == 0, $"{c.Name}: the generated code does not compile cleanly\n{Describe()}");
        }
        else
        {
            Assert.True(result.GeneratedSources.Length == 0, $"{c.Name}: an error must leave the class without generated code\n{Describe()}");
        }
    }
}
