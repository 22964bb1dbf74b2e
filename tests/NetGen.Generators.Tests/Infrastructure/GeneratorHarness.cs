using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generators.Tests.Infrastructure;

/// <summary>The outcome of running the generator over an in-memory compilation.</summary>
public sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<GeneratedSourceResult> Sources)
{
    /// <summary>Errors and warnings of the compilation with the generated code added (the user's build).</summary>
    public ImmutableArray<Diagnostic> OutputDiagnostics =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    /// <summary>The generated file whose hint name ends in <paramref name="hintNameSuffix"/>, followed by its network's implementation file when it has one.</summary>
    public string Source(string hintNameSuffix) => File(hintNameSuffix) + (ImplementationOf(hintNameSuffix) ?? "");

    /// <summary>Exactly the generated file whose hint name ends in <paramref name="hintNameSuffix"/> (for a [Network] class: the user's partial).</summary>
    public string File(string hintNameSuffix) => Sources.Single(s => s.HintName.EndsWith(hintNameSuffix, StringComparison.Ordinal)).SourceText.ToString();

    /// <summary>The nested Implementation's file of the network whose file is <paramref name="hintNameSuffix"/> ("Net.g.cs"), or null.</summary>
    public string? ImplementationOf(string hintNameSuffix)
    {
        if (!hintNameSuffix.EndsWith(".g.cs", StringComparison.Ordinal)) return null;
        string suffix = hintNameSuffix.Substring(0, hintNameSuffix.Length - ".g.cs".Length) + ".Implementation.g.cs";
        return Sources.SingleOrDefault(s => s.HintName.EndsWith(suffix, StringComparison.Ordinal)).SourceText?.ToString();
    }
}

/// <summary>
/// Compiles test declarations in memory against .NET 10's reference assemblies and the NetGen runtime,
/// and runs <see cref="NetworkGenerator"/> with step tracking on.
/// </summary>
public static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> References = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(NetworkAttribute).Assembly.Location))
        .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(SourceText.From(s), ParseOptions, path: $"Network{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new NetworkGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(Compile(sources));

    public static GeneratorRun Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorDriverRunResult result = driver.GetRunResult();
        GeneratorRunResult single = result.Results.Single();
        Assert.Null(single.Exception);
        return new GeneratorRun(compilation, output, driver, single.Diagnostics, single.GeneratedSources);
    }

    /// <summary>Runs the generator and asserts the generated code compiles with no warning or error.</summary>
    public static GeneratorRun RunClean(params string[] sources)
    {
        GeneratorRun run = Run(sources);
        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(run.OutputDiagnostics);
        return run;
    }
}
