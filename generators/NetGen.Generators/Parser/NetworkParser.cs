using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Parser;

/// <summary>The parser's result: a resolved network to emit (null when the declaration is wrong) and its diagnostics.</summary>
public sealed record ParseResult(ResolvedNetwork? Network, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// A Roslyn diagnostic kept beside the model. Roslyn's <see cref="Diagnostic"/> compares by value,
/// so the pipeline still caches; its location is the real source location, so #pragma applies.
/// </summary>
public sealed record DiagnosticInfo(Diagnostic Diagnostic);

/// <summary>
/// Reads the NetGen attributes of one class into a <see cref="NetworkModel"/>, runs shape inference, and
/// returns either a resolved network or the diagnostics that explain why there is none. The only stage
/// that touches symbols and syntax.
/// </summary>
public static class NetworkParser
{
    private const string Namespace = "NetGen";

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var diagnostics = new List<Diagnostic>();
        try
        {
            ResolvedNetwork? network = ParseCore(type, (TypeDeclarationSyntax)context.TargetNode, diagnostics, cancellationToken);
            bool failed = diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            return new ParseResult(failed ? null : network, diagnostics.Select(d => new DiagnosticInfo(d)).ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The generator never throws: an unexpected failure becomes a diagnostic on the class.
            Diagnostic internalError = Diagnostic.Create(Diagnostics.InternalError, context.TargetNode.GetLocation(),
                type.Name, exception.GetType().Name + ": " + exception.Message);
            return new ParseResult(null, EquatableArray.Create(new DiagnosticInfo(internalError)));
        }
    }

    private static ResolvedNetwork? ParseCore(INamedTypeSymbol type, TypeDeclarationSyntax declaration,
        List<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        Location classLocation = declaration.Identifier.GetLocation();
        if (!declaration.Modifiers.Any(m => m.Text == "partial"))
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.NotPartial, classLocation, type.Name));
            return null;
        }

        if (type.IsGenericType || type.IsStatic || type.ContainingType is not null)
        {
            string reason = type.IsGenericType ? "generic" : type.IsStatic ? "static" : "nested in another type";
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedType, classLocation, type.Name, reason));
            return null;
        }

        // Our attributes, in source order, from the declaration that carries [Network].
        var ours = type.GetAttributes()
            .Where(a => a.AttributeClass is { } c && c.ContainingNamespace?.ToDisplayString() == Namespace
                        && a.ApplicationSyntaxReference is not null)
            .ToList();
        if (ours.Any(a => a.AttributeConstructor is null))
        {
            return null; // The attribute does not bind; the compiler reports why.
        }

        AttributeData networkAttribute = ours.First(a => a.AttributeClass!.Name == "NetworkAttribute");
        SyntaxNode? networkDeclaration = DeclarationOf(networkAttribute, cancellationToken);
        AttributeData? elsewhere = ours.FirstOrDefault(a => DeclarationOf(a, cancellationToken) != networkDeclaration);
        if (elsewhere is not null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.LayersSplitAcrossDeclarations, LocationOf(elsewhere, cancellationToken), type.Name));
            return null;
        }

        ours.Sort((a, b) => a.ApplicationSyntaxReference!.Span.Start.CompareTo(b.ApplicationSyntaxReference!.Span.Start));

        var reader = new AttributeReader(diagnostics, cancellationToken);
        int batchSize = reader.Int(networkAttribute, "BatchSize", 32);
        int seed = reader.Int(networkAttribute, "Seed", 0);
        reader.RequirePositive(networkAttribute, "BatchSize", batchSize, "BatchSize");

        EquatableArray<int>? inputShape = null;
        LossSpec? loss = null;
        AttributeData? lossAttribute = null;
        OptimizerSpec? optimizer = null;
        var layers = new List<LayerSpec>();
        var layerAttributes = new List<AttributeData>();

        foreach (AttributeData attribute in ours)
        {
            string name = attribute.AttributeClass!.Name;
            switch (name)
            {
                case "NetworkAttribute":
                    break;
                case "InputAttribute":
                    if (inputShape is not null)
                    {
                        diagnostics.Add(Diagnostic.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "[Input]"));
                        break;
                    }
                    inputShape = reader.Shape(attribute);
                    break;
                case "DenseAttribute":
                {
                    int units = reader.PositionalInt(attribute, 0);
                    reader.RequirePositive(attribute, 0, units, "Dense units");
                    var activation = reader.Enum<ActivationKind>(attribute, 1, "Activation", ActivationKind.Identity, "NetGen.Activation");
                    var init = reader.NamedEnum<WeightInitKind>(attribute, "Init", WeightInitKind.Default, "NetGen.WeightInit");
                    double initScale = reader.Double(attribute, "InitScale", double.NaN);
                    bool useBias = reader.Bool(attribute, "UseBias", true);
                    layers.Add(new DenseSpec(layers.Count, units, activation, init, initScale, useBias));
                    layerAttributes.Add(attribute);
                    break;
                }
                case "FlattenAttribute":
                    layers.Add(new FlattenSpec(layers.Count));
                    layerAttributes.Add(attribute);
                    break;
                case "Conv2DAttribute":
                    layers.Add(ConvolutionReader.Conv2D(reader, attribute, layers.Count, diagnostics));
                    layerAttributes.Add(attribute);
                    break;
                case "MaxPool2DAttribute":
                case "AvgPool2DAttribute":
                    layers.Add(ConvolutionReader.Pool2D(reader, attribute, layers.Count,
                        name == "MaxPool2DAttribute" ? PoolKind.Max : PoolKind.Average, diagnostics));
                    layerAttributes.Add(attribute);
                    break;
                case "GlobalAvgPool2DAttribute":
                    layers.Add(new GlobalAvgPool2DSpec(layers.Count));
                    layerAttributes.Add(attribute);
                    break;
                case "ReshapeAttribute":
                    layers.Add(ConvolutionReader.Reshape(reader, attribute, layers.Count, diagnostics, cancellationToken));
                    layerAttributes.Add(attribute);
                    break;
                case "SoftmaxCrossEntropyAttribute":
                case "MeanSquaredErrorAttribute":
                    if (loss is not null)
                    {
                        diagnostics.Add(Diagnostic.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "a loss"));
                        break;
                    }
                    loss = new LossSpec(name == "SoftmaxCrossEntropyAttribute" ? LossKind.SoftmaxCrossEntropy : LossKind.MeanSquaredError);
                    lossAttribute = attribute;
                    break;
                case "SgdAttribute":
                case "AdamAttribute":
                    if (optimizer is not null)
                    {
                        diagnostics.Add(Diagnostic.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "an optimizer"));
                        break;
                    }
                    optimizer = name == "SgdAttribute" ? reader.Sgd(attribute) : reader.Adam(attribute);
                    break;
            }
        }

        Location networkLocation = LocationOf(networkAttribute, cancellationToken);
        if (inputShape is null) diagnostics.Add(Diagnostic.Create(Diagnostics.MissingInput, networkLocation, type.Name));
        if (layers.Count == 0) diagnostics.Add(Diagnostic.Create(Diagnostics.NoLayers, networkLocation, type.Name));
        if (loss is null) diagnostics.Add(Diagnostic.Create(Diagnostics.MissingLoss, networkLocation, type.Name));
        if (optimizer is null) diagnostics.Add(Diagnostic.Create(Diagnostics.MissingOptimizer, networkLocation, type.Name));
        if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return null;

        if (loss!.Kind == LossKind.SoftmaxCrossEntropy && layers[layers.Count - 1] is DenseSpec { Activation: not ActivationKind.Identity } last)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.LogitsExpected,
                reader.ArgumentLocation(layerAttributes[layers.Count - 1], 1, "Activation"), last.Activation.ToString()));
        }

        var model = new NetworkModel(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            type.Name, batchSize, seed, inputShape!.Value, layers.ToEquatableArray(), loss, optimizer!);

        (ResolvedNetwork? network, List<ShapeError> errors) = ShapeInference.Resolve(model);
        foreach (ShapeError error in errors)
        {
            Location location = error.LayerIndex >= 0
                ? reader.ArgumentLocation(layerAttributes[error.LayerIndex], null, error.Argument)
                : LocationOf(lossAttribute!, cancellationToken);
            diagnostics.Add(Diagnostic.Create(Diagnostics.ById(error.DiagnosticId), location, error.MessageArguments.ToArray<object>()));
        }

        return network;
    }

    private static SyntaxNode? DeclarationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();

    internal static Location LocationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation();
}
