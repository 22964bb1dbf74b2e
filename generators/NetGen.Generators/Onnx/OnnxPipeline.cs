using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Onnx;

/// <summary>One AdditionalFiles item ending in .onnx, read and parsed once per change of the file: the model, or why it is not one.</summary>
public sealed record OnnxFileData(string Path, OnnxModel? Model, string? Error);

/// <summary>The weights of an imported network laid out as its parameter and statistics buffers (emitted into the assembly).</summary>
public sealed record OnnxWeights(string? Namespace, string ClassName, string File, EquatableArray<float> Parameters, EquatableArray<float> Statistics);

/// <summary>An [OnnxModel] network after import: the resolved network (null when the file cannot be mapped), its weights and diagnostics.</summary>
public sealed record OnnxImportResult(string FullName, ResolvedNetwork? Network, OnnxWeights? Weights, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public EquatableArray<UserMember> UserMembers { get; init; }
}

/// <summary>
/// The ONNX branch of the generator: [Network] classes whose parse left an <see cref="OnnxRequest"/> are combined with
/// the .onnx AdditionalFiles, imported into the same <see cref="ResolvedNetwork"/> a declared network resolves to, and
/// planned and emitted by the same stages; the weights go into a second file. Each file is read and parsed in its own
/// step, so editing C# re-reads nothing and a changed file re-runs only the networks whose import it changes.
/// </summary>
internal static class OnnxPipeline
{
    /// <summary>The most parameters and statistics embedded as base64 text (the metadata string heap holds 16 MiB of UTF-16).</summary>
    public const int MaxEmbeddedFloats = 1_500_000;

    public static class TrackingNames
    {
        public const string OnnxFiles = nameof(OnnxFiles);
        public const string OnnxImports = nameof(OnnxImports);
        public const string OnnxPlans = nameof(OnnxPlans);
    }

    public static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> results)
    {
        IncrementalValuesProvider<OnnxFileData> files = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            .Select(static (text, cancellationToken) => ReadFile(text, cancellationToken))
            .WithTrackingName(TrackingNames.OnnxFiles);

        IncrementalValuesProvider<OnnxImportResult> imports = results
            .Where(static result => result.Onnx is not null)
            .Combine(files.Collect())
            .Select(static (pair, cancellationToken) => Import(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.OnnxImports);

        context.RegisterSourceOutput(imports.SelectMany(static (result, _) => result.Diagnostics),
            static (spc, info) => spc.ReportDiagnostic(info.ToDiagnostic()));

        var emitted = imports
            .Where(static result => result.Network is not null)
            .Select(static (result, _) => Plan.Planner.Plan(result.Network!))
            .WithTrackingName(TrackingNames.OnnxPlans)
            .Select(static (plan, _) => EmittedNetwork.Of(plan));
        IncrementalValueProvider<ImmutableArray<string>> names = imports.Select(static (result, _) => result.FullName).Collect();

        context.RegisterSourceOutput(emitted.Combine(names), static (spc, pair) => NetworkGenerator.AddNetwork(spc, pair.Left, pair.Right));

        // NG0015 and NG0018, as for declared networks.
        context.RegisterSourceOutput(imports.Where(static r => r.Network is not null).Combine(emitted.Collect()), static (spc, pair) =>
        {
            (OnnxImportResult result, ImmutableArray<EmittedNetwork> all) = pair;
            EmittedNetwork? network = all.FirstOrDefault(e => e.FullName == result.FullName);
            if (network is null || network.Clashes.Count == 0) return;
            foreach (UserMember member in result.UserMembers.Where(m => network.Clashes.Contains(m.Name)))
            {
                spc.ReportDiagnostic(member.Name == network.ClassName.TrimStart('@')
                    ? Diagnostic.Create(Diagnostics.ClassNameClashesWithMember, member.Location, network.ClassName)
                    : Diagnostic.Create(Diagnostics.MemberClashesWithGenerated, member.Location, member.Name, network.ClassName));
            }
        });

        context.RegisterSourceOutput(imports.Select(static (result, _) => result.Weights).Where(static w => w is not null).Combine(names), static (spc, pair) =>
        {
            OnnxWeights weights = pair.Left!;
            string fullName = HintNames.FullName(weights.Namespace, weights.ClassName);
            NetworkGenerator.AddSource(spc, HintNames.For(fullName, ".OnnxWeights.g.cs", pair.Right), OnnxWeightsEmitter.Emit(weights), weights.ClassName);
        });

        // [OnnxModel] on a class that is not a network: said, not ignored.
        context.RegisterSourceOutput(context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "NetGen.OnnxModelAttribute",
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (context, cancellationToken) => OnnxDeclaration.WithoutNetwork(context, cancellationToken))
            .Where(static d => d is not null),
            static (spc, info) => spc.ReportDiagnostic(info!.ToDiagnostic()));
    }

    /// <summary>
    /// The file's bytes, parsed. The command-line compiler decodes AdditionalFiles as text and refuses one that looks
    /// binary (CS2015), which an ONNX file always does, so the bytes are read from the item's path; an in-memory item
    /// with no file behind it (a test, an editor buffer) is read through its text, encoded back with the encoding it
    /// was decoded with.
    /// </summary>
    internal static OnnxFileData ReadFile(AdditionalText text, CancellationToken cancellationToken)
    {
        byte[]? bytes = null;
        try
        {
#pragma warning disable RS1035 // File IO in an analyzer: the only way to the bytes of a binary AdditionalFiles item (see above); the item's change re-runs this step.
            if (System.IO.File.Exists(text.Path)) bytes = System.IO.File.ReadAllBytes(text.Path);
#pragma warning restore RS1035
        }
        catch (Exception exception) when (exception is System.IO.IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return new OnnxFileData(text.Path, null, "it cannot be read (" + exception.Message + ")");
        }

        if (bytes is null)
        {
            SourceText? source = text.GetText(cancellationToken);
            if (source is null) return new OnnxFileData(text.Path, null, "it cannot be read");
            string chars = source.ToString();
            bytes = (source.Encoding ?? System.Text.Encoding.UTF8).GetBytes(chars);
        }

        cancellationToken.ThrowIfCancellationRequested();
        (OnnxModel? model, string? error) = OnnxFileReader.Read(bytes);
        return new OnnxFileData(text.Path, model, error is null ? null : (bytes.Length == 0 ? "the file is empty" : "its bytes are not a well-formed ModelProto (" + error + ")"));
    }

    /// <summary>The file of <paramref name="path"/>: an AdditionalFiles item whose full path is it or ends with it (separators either way).</summary>
    internal static OnnxFileData? Find(string path, ImmutableArray<OnnxFileData> files)
    {
        string wanted = Normalize(path).TrimStart('.', '/');
        return files
            .Where(f => Normalize(f.Path) == Normalize(path) || Normalize(f.Path).EndsWith("/" + wanted, StringComparison.Ordinal) || Normalize(f.Path) == wanted)
            .OrderBy(f => f.Path.Length).ThenBy(f => f.Path, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static string Normalize(string path) => path.Replace('\\', '/');

    internal static OnnxImportResult Import(ParseResult parse, ImmutableArray<OnnxFileData> files, CancellationToken cancellationToken)
    {
        OnnxRequest request = parse.Onnx!;
        NetworkModel declared = request.Model;
        string fileName = System.IO.Path.GetFileName(request.Path);
        OnnxImportResult Failed(params DiagnosticInfo[] diagnostics) => new(parse.FullName, null, null, diagnostics.ToEquatableArray()) { UserMembers = parse.UserMembers };
        OnnxFileData? file = Find(request.Path, files);
        if (file is null) return Failed(DiagnosticInfo.Create(Diagnostics.OnnxFileNotFound, request.PathLocation, request.Path));
        if (file.Model is null) return Failed(DiagnosticInfo.Create(Diagnostics.OnnxNotAModel, request.PathLocation, fileName, file.Error));
        cancellationToken.ThrowIfCancellationRequested();
        Imported imported = ImportModel(file.Model, declared, fileName);
        // Every diagnostic about the file is reported at the path argument of [OnnxModel]: the file itself is not C#.
        var diagnostics = imported.Problems.Select(p => DiagnosticInfo.Create(DescriptorOf(p.DiagnosticId), request.PathLocation, p.Arguments.ToArray<object>())).ToEquatableArray();
        return new OnnxImportResult(parse.FullName, imported.Network, imported.Weights, diagnostics) { UserMembers = parse.UserMembers };
    }

    /// <summary>An import's outcome without locations: the network and its weights, or the problems (each with the file name first).</summary>
    internal sealed record Imported(ResolvedNetwork? Network, OnnxWeights? Weights, EquatableArray<OnnxProblem> Problems);

    /// <summary>Maps <paramref name="file"/> onto <paramref name="declared"/>'s loss, optimizer and batch: never throws (NG9999 for a NetGen bug).</summary>
    internal static Imported ImportModel(OnnxModel file, NetworkModel declared, string fileName)
    {
        var problems = new List<OnnxProblem>();
        void Add(string id, params string[] arguments) => problems.Add(new OnnxProblem(id, new[] { fileName }.Concat(arguments).ToEquatableArray()));
        Imported Failed() => new(null, null, problems.ToEquatableArray());
        try
        {
            OnnxImporter importer = OnnxImporter.Import(file, declared.Loss.Kind);
            foreach (OnnxProblem problem in importer.Problems) Add(problem.DiagnosticId, problem.Arguments.ToArray());
            if (importer.Problems.Count > 0) return Failed();
            NetworkModel model = declared with
            {
                InputShape = importer.InputShape,
                Layers = DropClashingNames(importer.Layers).ToEquatableArray(),
                ImportedFrom = fileName,
            };
            (ResolvedNetwork? network, List<ShapeError> errors) = ShapeInference.Resolve(model);
            foreach (ShapeError error in errors)
            {
                problems.Add(new OnnxProblem(error.DiagnosticId, error.MessageArguments));
            }

            if (network is null) return Failed();
            long floats = (long)network.ParameterCount + network.StatisticsCount;
            if (floats > MaxEmbeddedFloats)
            {
                Add(DiagnosticIds.OnnxTooLargeToEmbed, Literals.Grouped(floats), Literals.Grouped(MaxEmbeddedFloats));
                return Failed();
            }

            if (Lay(network, importer.Tensors, fileName, out string? mismatch) is not { } weights)
            {
                Add(DiagnosticIds.OnnxUnsupportedGraph, mismatch!);
                return Failed();
            }

            problems.Add(new OnnxProblem(DiagnosticIds.MemoryFootprint, EquatableArray.Create(declared.ClassName,
                Literals.Grouped(network.ParameterCount), Literals.Grouped(4L * network.ParameterCount), Literals.Grouped(4L * network.ParameterCount),
                Literals.Grouped(4L * network.OptimizerStateCount), Literals.Grouped(4L * network.ActivationFloats), model.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            return new Imported(network, weights, problems.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The generator never throws: an unexpected failure becomes NG9999 on the class.
            problems.Add(new OnnxProblem(DiagnosticIds.InternalError, EquatableArray.Create(declared.ClassName, exception.GetType().Name + ": " + exception.Message)));
            return Failed();
        }
    }

    private static DiagnosticDescriptor DescriptorOf(string id) => id switch
    {
        DiagnosticIds.InternalError => Diagnostics.InternalError,
        DiagnosticIds.MemoryFootprint => Diagnostics.MemoryFootprint,
        DiagnosticIds.OnnxTooLargeToEmbed => Diagnostics.OnnxTooLargeToEmbed,
        DiagnosticIds.OnnxUnsupportedGraph => Diagnostics.OnnxUnsupportedGraph,
        DiagnosticIds.OnnxUnsupportedOpset => Diagnostics.OnnxUnsupportedOpset,
        DiagnosticIds.OnnxUnsupportedOperator => Diagnostics.OnnxUnsupportedOperator,
        DiagnosticIds.OnnxUnsupportedAttribute => Diagnostics.OnnxUnsupportedAttribute,
        DiagnosticIds.OnnxDynamicShape => Diagnostics.OnnxDynamicShape,
        _ => Diagnostics.ById(id), // shape inference's own (NG0100, NG0012, ...)
    };

    /// <summary>
    /// Names taken from the file's initializers, except where one would equal another layer's name or an automatic name
    /// (dense1) of the same scope: those layers keep the automatic name, so generated members stay unique.
    /// </summary>
    private static List<LayerSpec> DropClashingNames(List<LayerSpec> layers)
    {
        var automatic = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (LayerSpec layer in layers)
        {
            string key = layer.Scope + layer.KindName;
            counters.TryGetValue(key, out int count);
            counters[key] = ++count;
            if (layer.Name is null) automatic.Add(LayerNames.MemberName(layer.Scope, LayerNames.AutoName(layer.KindName, count)));
        }

        var taken = new HashSet<string>(automatic, StringComparer.OrdinalIgnoreCase);
        var result = new List<LayerSpec>(layers.Count);
        foreach (LayerSpec layer in layers)
        {
            if (layer.Name is null) { result.Add(layer); continue; }
            string member = LayerNames.MemberName(layer.Scope, layer.Name);
            result.Add(taken.Add(member) && !char.IsDigit(member[0]) ? layer : layer with { Name = null, Scope = "" });
        }

        return result;
    }

    /// <summary>The file's tensors at the offsets shape inference gave each layer.</summary>
    private static OnnxWeights? Lay(ResolvedNetwork network, List<LayerTensors> tensors, string fileName, out string? mismatch)
    {
        mismatch = null;
        var parameters = new float[network.ParameterCount];
        var statistics = new float[network.StatisticsCount];
        for (int i = 0; i < network.Layers.Count; i++)
        {
            ResolvedLayer layer = network.Layers[i];
            LayerTensors source = tensors[i];
            int channels = layer.StatisticsCount / 2;
            mismatch = Copy(source.Weight, parameters, layer.WeightOffset, layer.WeightCount, layer, "weight")
                ?? Copy(source.Bias, parameters, layer.BiasOffset, layer.BiasCount, layer, "bias")
                ?? (layer.StatisticsCount > 0 ? Copy(source.Mean, statistics, layer.StatisticsOffset, channels, layer, "running mean") : null)
                ?? (layer.StatisticsCount > 0 ? Copy(source.Variance, statistics, layer.StatisticsOffset + channels, channels, layer, "running variance") : null);
            if (mismatch is not null) return null;
        }

        NetworkModel model = network.Model;
        return new OnnxWeights(model.Namespace, model.ClassName, fileName, parameters.ToEquatableArray(), statistics.ToEquatableArray());
    }

    /// <summary>Copies one tensor, or says why its size does not fit the layer (the file's shapes disagree with each other).</summary>
    private static string? Copy(float[]? source, float[] destination, int offset, int count, ResolvedLayer layer, string what)
    {
        if (count == 0 && (source is null || source.Length == 0)) return null;
        if (source is null || source.Length != count)
        {
            return $"the {what} of {layer.CheckpointName} holds {(source?.Length ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)} values, but a layer of {layer.Spec.KindName} reading {layer.Input} needs {count.ToString(System.Globalization.CultureInfo.InvariantCulture)}: the weight does not fit the shape its input has in the graph";
        }

        Array.Copy(source, 0, destination, offset, count);
        return null;
    }
}
