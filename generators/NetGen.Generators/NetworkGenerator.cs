using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Emit;
using NetGen.Generators.Emit.Gpu;
using NetGen.Generators.Parser;

namespace NetGen.Generators;

/// <summary>
/// Emits forward, backward and training code for classes marked [Network]. Parser -> equatable model ->
/// shape inference -> plan -> emitter; diagnostics are reported from a separate output so the source output
/// sees only the model and caches across unrelated edits.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public const string NetworkAttributeName = "NetGen.NetworkAttribute";

    /// <summary>Step names for incremental-caching tests.</summary>
    public static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Networks = nameof(Networks);
        public const string Plans = nameof(Plans);
        public const string Emitted = nameof(Emitted);
        public const string ReferencesGpu = nameof(ReferencesGpu);
    }

    /// <summary>A type of NetGen.Gpu: when the user's compilation can see it, each network also gets a nested Gpu class.</summary>
    public const string GpuDeviceTypeName = "NetGen.Gpu.GpuDevice";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkAttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax, // records and structs get NG0011, not silence
                transform: NetworkParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(results.SelectMany(static (result, _) => result.Diagnostics),
            static (spc, info) => spc.ReportDiagnostic(info.ToDiagnostic()));

        var networks = results
            .Where(static result => result.Network is not null)
            .Select(static (result, _) => result.Network!)
            .WithTrackingName(TrackingNames.Networks);

        // The plan: every decision about how each network runs, its own step so an edit that keeps it emits nothing anew.
        var plans = networks
            .Select(static (network, _) => Plan.Planner.Plan(network))
            .WithTrackingName(TrackingNames.Plans);

        // Every network's full name, so hint names stay unique where names differ only in case.
        IncrementalValueProvider<ImmutableArray<string>> names = networks
            .Select(static (network, _) => HintNames.FullName(network.Model.Namespace, network.Model.ClassName))
            .Collect();

        // The generated source, with the names of the members it declares: a name the user's class already has stops it.
        var emitted = plans
            .Select(static (plan, _) => EmittedNetwork.Of(plan))
            .WithTrackingName(TrackingNames.Emitted);

        context.RegisterSourceOutput(emitted.Combine(names), static (spc, pair) => AddNetwork(spc, pair.Left, pair.Right));

        // NG0015 and NG0018 at the user's class or member whose name a generated member would take.
        context.RegisterSourceOutput(results.Where(static r => r.Network is not null).Combine(emitted.Collect()), static (spc, pair) =>
        {
            (ParseResult result, ImmutableArray<EmittedNetwork> all) = pair;
            EmittedNetwork? network = all.FirstOrDefault(e => e.FullName == result.FullName);
            if (network is null || network.Clashes.Count == 0) return;
            foreach (UserMember member in result.UserMembers.Where(m => network.Clashes.Contains(m.Name)))
            {
                spc.ReportDiagnostic(member.Name == network.ClassName.TrimStart('@')
                    ? Diagnostic.Create(Diagnostics.ClassNameClashesWithMember, member.Location, network.ClassName)
                    : Diagnostic.Create(Diagnostics.MemberClashesWithGenerated, member.Location, member.Name, network.ClassName));
            }
        });

        // [Input] on a class that is neither a network nor a search space: said, not ignored.
        context.RegisterSourceOutput(context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "NetGen.InputAttribute",
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (context, cancellationToken) => Parser.NetworkParser.InputWithoutNetwork(context, cancellationToken))
            .Where(static d => d is not null),
            static (spc, info) => spc.ReportDiagnostic(info!.ToDiagnostic()));

        // Layer, loss or optimizer attributes on a class with none of those: said too (the attributes carry no base type
        // that ForAttributeWithMetadataName could match, so classes with attributes are checked one by one).
        // A class that a network names in [Block(typeof(X))] is left to that report (NG0105: mark it [NetworkBlock]).
        IncrementalValueProvider<ImmutableArray<string>> blockTypes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "NetGen.BlockAttribute",
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (context, _) => context.Attributes
                    .Select(a => a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value is ITypeSymbol t ? t.Name : null)
                    .Where(n => n is not null).Select(n => n!).ToImmutableArray())
            .SelectMany(static (names, _) => names)
            .Collect();
        context.RegisterSourceOutput(context.SyntaxProvider
            .CreateSyntaxProvider(
                predicate: static (node, _) => node is ClassDeclarationSyntax { AttributeLists.Count: > 0 },
                transform: static (context, cancellationToken) => Parser.NetworkParser.AttributesWithoutNetwork(context, cancellationToken))
            .Where(static d => d is not null)
            .Combine(blockTypes),
            static (spc, pair) =>
            {
                if (!pair.Right.Contains(pair.Left!.Arguments[0])) spc.ReportDiagnostic(pair.Left.ToDiagnostic());
            });
        // [OnnxModel] networks: the layers and weights come from an ONNX file among the AdditionalFiles (issue 24).
        Onnx.OnnxPipeline.Register(context, results);

        // [SearchSpace] classes: one generated network per structural variant plus their registry (issue 9).
        Search.SearchSpaceEmitter.Register(context);

        // The GPU variant, only for projects that reference NetGen.Gpu: a bool, so edits that keep it re-run nothing downstream.
        IncrementalValueProvider<bool> referencesGpu = context.CompilationProvider
            .Select(static (compilation, _) => compilation.GetTypeByMetadataName(GpuDeviceTypeName) is not null)
            .WithTrackingName(TrackingNames.ReferencesGpu);
        context.RegisterSourceOutput(networks.Combine(referencesGpu).Combine(names),
            static (spc, pair) => EmitGpu(spc, pair.Left.Left, pair.Left.Right, pair.Right));
    }

    /// <summary>
    /// A network's two files (the user's partial and its implementation), or NG9999 where the emitter failed: the
    /// generator never throws, and a declaration the emitter cannot handle becomes a diagnostic, not CS8785. A clash
    /// is reported at the user's member instead; the code would only add CS0102 inside a generated file.
    /// </summary>
    internal static void AddNetwork(SourceProductionContext context, EmittedNetwork network, ImmutableArray<string> allNames)
    {
        if (network.Failure is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, Location.None, network.ClassName, network.Failure));
            return;
        }

        if (network.Clashes.Count > 0) return;
        AddSource(context, HintNames.For(network.FullName, ".g.cs", allNames), network.Source, network.ClassName);
        AddSource(context, HintNames.For(network.FullName, HintNames.ImplementationSuffix, allNames), network.ImplementationSource, network.ClassName);
    }

    /// <summary>Adds a generated file; a failure (which would be a NetGen bug) becomes NG9999 on the class, never CS8785.</summary>
    internal static void AddSource(SourceProductionContext context, string hintName, string source, string className)
    {
        try
        {
            context.AddSource(hintName, source);
        }
        catch (System.ArgumentException exception)
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, Location.None, className, exception.GetType().Name + ": " + exception.Message));
        }
    }

    private static void EmitGpu(SourceProductionContext context, Shapes.ResolvedNetwork network, bool referencesGpu, ImmutableArray<string> allNames)
    {
        if (!referencesGpu) return;
        string? unsupported = GpuEmitter.FirstUnsupportedFeature(network);
        if (unsupported is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.NoGpuKernel, Location.None, network.Model.ClassName, unsupported));
            return;
        }

        try
        {
            string hintName = HintNames.For(HintNames.FullName(network.Model.Namespace, network.Model.ClassName), ".Gpu.g.cs", allNames);
            AddSource(context, hintName, GpuEmitter.Emit(network), network.Model.ClassName + ".Gpu");
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            // The generator never throws: the CPU class is already out; the Gpu class is skipped with the reason.
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, Location.None,
                network.Model.ClassName + ".Gpu", exception.GetType().Name + ": " + exception.Message));
        }
    }
}
