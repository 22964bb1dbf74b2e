using System.Diagnostics;
using System.Globalization;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetGen.Generators;

// What the generator costs a build: for each sample's declaration files, the source it emits (characters, files), the
// generator's time, and the C# compiler's time to compile the declarations with it (emit to memory), best of several
// runs after one to warm up. One JSON line per sample. Usage: dotnet run -c Release --project tests/NetGen.GeneratorBenchmarks [-- REPO_ROOT]
string root = args.Length > 0 ? args[0] : FindRoot(AppContext.BaseDirectory);
const int Runs = 5;
MetadataReference[] references = [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(NetGen.NetworkAttribute).Assembly.Location)];
var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);

foreach (string sample in Directory.GetDirectories(Path.Combine(root, "samples")).Order(StringComparer.Ordinal))
{
    // The declaration files: those with [Network], [SearchSpace] or [NetworkBlock] (the programs use other projects).
    string[] files = Directory.GetFiles(sample, "*.cs").Where(f => File.ReadAllText(f) is var text
        && (text.Contains("[Network(") || text.Contains("[Network]") || text.Contains("[SearchSpace") || text.Contains("[NetworkBlock]"))).Order(StringComparer.Ordinal).ToArray();
    if (files.Length == 0) continue;
    var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parseOptions, path: f)).ToArray();
    var compilation = CSharpCompilation.Create(Path.GetFileName(sample), trees, references,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, allowUnsafe: true));

    double generateBest = double.MaxValue, compileBest = double.MaxValue;
    long characters = 0;
    int generated = 0, errors = 0;
    for (int run = 0; run <= Runs; run++)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: parseOptions);
        var clock = Stopwatch.StartNew();
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        double generate = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        using var assembly = new MemoryStream();
        var result = output.Emit(assembly);
        double compile = clock.Elapsed.TotalMilliseconds;
        if (run == 0)
        {
            // The first run warms the JIT; its outputs are counted once.
            var sources = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).ToList();
            characters = sources.Sum(s => (long)s.SourceText.Length);
            generated = sources.Count;
            errors = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
            continue;
        }

        generateBest = Math.Min(generateBest, generate);
        compileBest = Math.Min(compileBest, compile);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"workload\":\"generator {Path.GetFileName(sample)}\",\"declaration_files\":{files.Length},\"generated_files\":{generated},\"generated_chars\":{characters},\"generate_ms\":{generateBest:F1},\"compile_ms\":{compileBest:F1},\"compile_errors\":{errors}}}"));
}

static string FindRoot(string folder)
{
    while (!File.Exists(Path.Combine(folder, "NetGen.sln"))) folder = Path.GetDirectoryName(folder) ?? throw new DirectoryNotFoundException("NetGen.sln not found above " + AppContext.BaseDirectory);
    return folder;
}
