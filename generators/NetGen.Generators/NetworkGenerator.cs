using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Emit;
using NetGen.Generators.Parser;

namespace NetGen.Generators;

/// <summary>
/// Emits forward, backward and training code for classes marked [Network]. Parser -> equatable model ->
/// shape inference -> emitter; diagnostics are reported from a separate output so the source output
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
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkAttributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax,
                transform: NetworkParser.Parse)
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(results.SelectMany(static (result, _) => result.Diagnostics),
            static (spc, info) => spc.ReportDiagnostic(info.ToDiagnostic()));

        var networks = results
            .Where(static result => result.Network is not null)
            .Select(static (result, _) => result.Network!)
            .WithTrackingName(TrackingNames.Networks);

        context.RegisterSourceOutput(networks,
            static (spc, network) => spc.AddSource(CpuEmitter.HintName(network), CpuEmitter.Emit(network)));
    }
}
