using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;

namespace NetGen.Generators.Onnx;

/// <summary>
/// A [Network] class with [OnnxModel]: everything the parser read from the class (batch size, seed, loss, optimizer,
/// training options, the user's member names) in <see cref="Model"/>, whose input shape and layers the file supplies,
/// and the path with the location diagnostics about the file are reported at.
/// </summary>
public sealed record OnnxRequest(NetworkModel Model, string Path, Location PathLocation);

/// <summary>Reads [OnnxModel] on a [Network] class (the parser calls it): the path, and what must not be declared beside it.</summary>
internal static class OnnxDeclaration
{
    public const string AttributeName = "OnnxModelAttribute";

    /// <summary>
    /// The path and its location, or null with NG0407 when [Input] or layer attributes are declared too (the file supplies
    /// them), or with NG0007/NG0008 when the loss or optimizer is missing.
    /// </summary>
    public static (string Path, Location Location)? Read(INamedTypeSymbol type, AttributeData onnx, List<AttributeData> ours, AttributeReader reader,
        bool hasLoss, bool hasOptimizer, Location networkLocation, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        foreach (AttributeData attribute in ours)
        {
            string name = attribute.AttributeClass!.Name;
            if (name != "InputAttribute" && !GraphReader.Handles(name) && name != "Bfloat16InferenceAttribute") continue;
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.OnnxWithLayers, NetworkParser.LocationOf(attribute, cancellationToken), type.Name,
                "[" + name.Substring(0, name.Length - "Attribute".Length) + "]"));
            return null;
        }

        if (!hasLoss) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, networkLocation, type.Name));
        if (!hasOptimizer) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingOptimizer, networkLocation, type.Name));
        string? path = onnx.ConstructorArguments.Length == 1 ? onnx.ConstructorArguments[0].Value as string : null;
        Location location = reader.ArgumentLocation(onnx, 0, null);
        if (string.IsNullOrWhiteSpace(path))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.OnnxFileNotFound, location, path ?? ""));
            return null;
        }

        return hasLoss && hasOptimizer ? (path!, location) : null;
    }

    /// <summary>NG0408 for a class that carries [OnnxModel] but not [Network]; null otherwise.</summary>
    public static DiagnosticInfo? WithoutNetwork(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkGenerator.NetworkAttributeName)) return null;
        AttributeData? onnx = context.Attributes.FirstOrDefault(a => a.ApplicationSyntaxReference is not null);
        return onnx is null ? null : DiagnosticInfo.Create(Diagnostics.OnnxWithoutNetwork, NetworkParser.LocationOf(onnx, cancellationToken), type.Name);
    }
}
