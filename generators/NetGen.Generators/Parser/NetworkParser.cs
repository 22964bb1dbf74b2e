using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Parser;

/// <summary>The parser's result: a resolved network to emit (null when the declaration is wrong) and its diagnostics.</summary>
public sealed record ParseResult(ResolvedNetwork? Network, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The user's own and inherited member names with where each is declared (the class name for an inherited one), for NG0015.</summary>
    public EquatableArray<UserMember> UserMembers { get; init; }

    /// <summary>The class's full name ("Namespace.Class"), which the generated files are matched with.</summary>
    public string FullName { get; init; } = "";

    /// <summary>A valid [Network] class with [OnnxModel]: what it declares, which the file's import completes (Onnx/OnnxPipeline).</summary>
    public Onnx.OnnxRequest? Onnx { get; init; }
}

/// <summary>A member the user's class has, and the location NG0015 points at when NetGen would generate one of its name.</summary>
public sealed record UserMember(string Name, Location Location);

/// <summary>
/// A diagnostic kept beside the model, equatable so the pipeline caches (Roslyn's <see cref="Diagnostic"/>
/// compares its message arguments by reference). The location is the real source location from the syntax
/// tree, never rebuilt from a path, so #pragma and .editorconfig apply to it.
/// </summary>
public sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, Location Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location location, params object?[] arguments) =>
        new(descriptor, location, arguments.Select(a => System.Convert.ToString(a, CultureInfo.InvariantCulture) ?? "").ToEquatableArray());

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location, Arguments.ToArray<object>());
}

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
        var diagnostics = new List<DiagnosticInfo>();
        try
        {
            // A class whose partial declarations carry [Network] more than once (CS0579) is a target once per declaration:
            // only the one with the first [Network] is read, so each diagnostic is reported once.
            if (FirstNetworkDeclaration(type, cancellationToken) is { } first && first != context.TargetNode)
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            ResolvedNetwork? network = ParseCore(type, (TypeDeclarationSyntax)context.TargetNode, diagnostics, cancellationToken, out Onnx.OnnxRequest? onnx);
            bool failed = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
            if (failed || network is null && onnx is null) return new ParseResult(null, diagnostics.ToEquatableArray());
            EquatableArray<UserMember> members = UserMembersOf(type, ((TypeDeclarationSyntax)context.TargetNode).Identifier.GetLocation(), cancellationToken);
            var names = members.Select(m => m.Name).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
            var methods = names.Where(name => type.GetMembers(name).All(m => m is IMethodSymbol { MethodKind: MethodKind.Ordinary }) && type.GetMembers(name).Length > 0).ToEquatableArray();
            if (onnx is not null)
            {
                return new ParseResult(null, diagnostics.ToEquatableArray())
                {
                    UserMembers = members,
                    FullName = Emit.HintNames.FullName(onnx.Model.Namespace, onnx.Model.ClassName),
                    Onnx = onnx with { Model = onnx.Model with { UserMemberNames = names.ToEquatableArray(), UserMethodNames = methods } },
                };
            }

            network = network! with { Model = network.Model with { UserMemberNames = names.ToEquatableArray(), UserMethodNames = methods } };
            return new ParseResult(network, diagnostics.ToEquatableArray())
            {
                UserMembers = members,
                FullName = Emit.HintNames.FullName(network.Model.Namespace, network.Model.ClassName),
            };
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The generator never throws: an unexpected failure becomes a diagnostic on the class.
            DiagnosticInfo internalError = DiagnosticInfo.Create(Diagnostics.InternalError, context.TargetNode.GetLocation(),
                type.Name, exception.GetType().Name + ": " + exception.Message);
            return new ParseResult(null, EquatableArray.Create(internalError));
        }
    }

    private static ResolvedNetwork? ParseCore(INamedTypeSymbol type, TypeDeclarationSyntax declaration,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, out Onnx.OnnxRequest? onnx)
    {
        onnx = null;
        Location classLocation = declaration.Identifier.GetLocation();
        if (UnsupportedShape(type, declaration) is { } shape)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedType, classLocation, type.Name, shape));
            return null;
        }

        if (!declaration.Modifiers.Any(m => m.Text == "partial"))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotPartial, classLocation, type.Name));
            return null;
        }

        if (type.IsGenericType || type.IsStatic || type.ContainingType is not null)
        {
            string reason = type.IsGenericType ? "generic" : type.IsStatic ? "static" : "nested in another type";
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedType, classLocation, type.Name, reason));
            return null;
        }

        // The generated code implements static abstract interface members (C# 11).
        if (declaration.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp11 and not LanguageVersion.Default and not LanguageVersion.Latest and not LanguageVersion.LatestMajor and not LanguageVersion.Preview } options)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LanguageVersionTooLow, classLocation, type.Name, options.LanguageVersion.ToDisplayString()));
            return null;
        }


        // Our attributes, in source order, from the declaration that carries [Network].
        var ours = type.GetAttributes()
            .Where(a => a.AttributeClass is { } c && c.ContainingNamespace?.ToDisplayString() == Namespace
                        && a.ApplicationSyntaxReference is not null)
            .ToList();
        if (ours.Any(a => a.AttributeConstructor is null || HasErrorArgument(a)))
        {
            return null; // An attribute or an argument does not bind; the compiler reports why, and nothing more is said.
        }

        AttributeData networkAttribute = ours.First(a => a.AttributeClass!.Name == "NetworkAttribute");
        SyntaxNode? networkDeclaration = DeclarationOf(networkAttribute, cancellationToken);
        AttributeData? elsewhere = ours.FirstOrDefault(a => DeclarationOf(a, cancellationToken) != networkDeclaration);
        if (elsewhere is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LayersSplitAcrossDeclarations, LocationOf(elsewhere, cancellationToken), type.Name));
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
        var graph = new GraphReader(reader, diagnostics, cancellationToken);
        PenaltySpec? penalty = null;
        ClippingSpec? clipping = null;
        var schedules = new List<(ScheduleSpec Spec, AttributeData Attribute)>();
        AttributeData? bfloat16Attribute = null;
        AttributeData? onnxAttribute = null;

        foreach (AttributeData attribute in ours)
        {
            string name = attribute.AttributeClass!.Name;
            switch (name)
            {
                case "NetworkAttribute":
                    break;
                case Onnx.OnnxDeclaration.AttributeName:
                    onnxAttribute = attribute;
                    break;
                case "Bfloat16InferenceAttribute":
                    bfloat16Attribute = attribute;
                    break;
                case "InputAttribute":
                    if (inputShape is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "[Input]"));
                        break;
                    }
                    inputShape = reader.Shape(attribute);
                    break;
                case "RegularizationAttribute":
                    if (penalty is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "[Regularization]"));
                        break;
                    }
                    penalty = reader.Penalty(attribute);
                    break;
                case "ClipGradientsAttribute":
                    if (clipping is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "[ClipGradients]"));
                        break;
                    }
                    clipping = reader.Clipping(attribute);
                    break;
                case string schedule when AttributeReader.IsSchedule(schedule):
                    schedules.Add((reader.Schedule(attribute), attribute));
                    break;
                case "SoftmaxCrossEntropyAttribute":
                case "MeanSquaredErrorAttribute":
                    if (loss is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "a loss"));
                        break;
                    }
                    loss = new LossSpec(name == "SoftmaxCrossEntropyAttribute" ? LossKind.SoftmaxCrossEntropy : LossKind.MeanSquaredError);
                    lossAttribute = attribute;
                    break;
                case "SgdAttribute":
                case "AdamAttribute":
                case "AdamWAttribute":
                case "RmsPropAttribute":
                case "AdagradAttribute":
                case "AdadeltaAttribute":
                case "NAdamAttribute":
                case "RAdamAttribute":
                case "LionAttribute":
                    if (optimizer is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Duplicate, LocationOf(attribute, cancellationToken), type.Name, "an optimizer"));
                        break;
                    }
                    optimizer = reader.Optimizer(attribute, name);
                    break;
                default:
                    if (GraphReader.Handles(name)) graph.Read(attribute);
                    break;
            }
        }

        graph.Finish();
        List<LayerSpec> layers = graph.Layers;
        List<AttributeData> layerAttributes = graph.Attributes;
        Location networkLocation = LocationOf(networkAttribute, cancellationToken);
        if (onnxAttribute is not null)
        {
            // The input shape and the layers come from the file, read in the ONNX step (Onnx/OnnxPipeline.cs).
            if (Onnx.OnnxDeclaration.Read(type, onnxAttribute, ours, reader, loss is not null, optimizer is not null, networkLocation, diagnostics, cancellationToken) is not { } file) return null;
            CheckSchedules(schedules, diagnostics, cancellationToken);
            var declared = new NetworkModel(type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(), Identifier(type.Name),
                batchSize, seed, EquatableArray<int>.Empty, EquatableArray<LayerSpec>.Empty, loss!, optimizer!,
                new TrainingSpec(penalty ?? PenaltySpec.None, clipping ?? ClippingSpec.None, schedules.Select(s => s.Spec).ToEquatableArray()));
            onnx = new Onnx.OnnxRequest(declared, file.Path, file.Location);
            return null;
        }

        if (inputShape is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingInput, networkLocation, type.Name));
        if (layers.Count == 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoLayers, networkLocation, type.Name));
        if (loss is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, networkLocation, type.Name));
        if (optimizer is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingOptimizer, networkLocation, type.Name));
        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)) return null;

        CheckSchedules(schedules, diagnostics, cancellationToken);
        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)) return null;
        Pitfalls.Check(layers, layerAttributes, reader, diagnostics);
        if (loss!.Kind == LossKind.SoftmaxCrossEntropy)
        {
            switch (layers[layers.Count - 1])
            {
                case DenseSpec { Activation.IsIdentity: false } last:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LogitsExpected,
                        reader.ArgumentLocation(layerAttributes[layers.Count - 1], 1, "Activation"), last.Activation.ToString()));
                    break;
                case ActivationLayerSpec or SoftmaxSpec:
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LogitsExpected, LocationOf(layerAttributes[layers.Count - 1], cancellationToken),
                        layers[layers.Count - 1] is ActivationLayerSpec a ? a.Activation.ToString() : "Softmax"));
                    break;
            }
        }

        var training = new TrainingSpec(penalty ?? PenaltySpec.None, clipping ?? ClippingSpec.None,
            schedules.Select(s => s.Spec).ToEquatableArray());
        var model = new NetworkModel(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            Identifier(type.Name), batchSize, seed, inputShape!.Value, layers.ToEquatableArray(), loss, optimizer!, training,
            Bfloat16Inference: bfloat16Attribute is not null);
        if (bfloat16Attribute is not null && !layers.Any(l => l is DenseSpec))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Bfloat16WithoutDense, LocationOf(bfloat16Attribute, cancellationToken), type.Name));
        }

        (ResolvedNetwork? network, List<ShapeError> errors) = ShapeInference.Resolve(model);
        foreach (ShapeError error in errors)
        {
            Location location = error.LayerIndex switch
            {
                // A size past the arrays in a block copy is the network's repetition: reported at its [Block].
                >= 0 when error.DiagnosticId == DiagnosticIds.SizeTooLarge => reader.ArgumentLocation(graph.Origins[error.LayerIndex], null, error.Argument),
                >= 0 => reader.ArgumentLocation(layerAttributes[error.LayerIndex], null, error.Argument),
                -1 => LocationOf(lossAttribute!, cancellationToken),
                _ => networkLocation,
            };
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ById(error.DiagnosticId), location, error.MessageArguments.ToArray<object>()));
        }

        if (network is not null) Pitfalls.CheckRecurrent(network, layerAttributes, reader, diagnostics);
        if (network is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MemoryFootprint, networkLocation, type.Name,
                Emit.Literals.Grouped(network.ParameterCount), Emit.Literals.Grouped(4L * network.ParameterCount),
                Emit.Literals.Grouped(4L * network.ParameterCount), Emit.Literals.Grouped(4L * network.OptimizerStateCount),
                Emit.Literals.Grouped(4L * network.ActivationFloats), model.BatchSize));
        }

        return network;
    }

    /// <summary>At most one decay schedule, one warm-up and one plateau reduction.</summary>
    private static void CheckSchedules(List<(ScheduleSpec Spec, AttributeData Attribute)> schedules, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        static int Group(ScheduleKind kind) => kind switch
        {
            ScheduleKind.LinearWarmup => 1,
            ScheduleKind.ReduceOnPlateau => 2,
            _ => 0,
        };

        var seen = new Dictionary<int, AttributeData>();
        foreach ((ScheduleSpec spec, AttributeData attribute) in schedules)
        {
            if (seen.TryGetValue(Group(spec.Kind), out AttributeData? first))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ScheduleConflict, LocationOf(attribute, cancellationToken),
                    "[" + attribute.AttributeClass!.Name.Replace("Attribute", "") + "]", "[" + first.AttributeClass!.Name.Replace("Attribute", "") + "]"));
                continue;
            }

            seen[Group(spec.Kind)] = attribute;
        }
    }

    /// <summary>
    /// What the class has before NetGen adds anything: the members declared in the user's code (each at its name) and
    /// those it inherits from a base class (at the class name), plus the class's own name, which no member may take.
    /// </summary>
    private static EquatableArray<UserMember> UserMembersOf(INamedTypeSymbol type, Location classLocation, CancellationToken cancellationToken)
    {
        var members = new List<UserMember> { new(type.Name, classLocation) };
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || !member.CanBeReferencedByName) continue;
            Location? location = member.Locations.FirstOrDefault(l => l.IsInSource);
            if (location is not null) members.Add(new UserMember(member.Name, location));
        }

        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            foreach (ISymbol member in baseType.GetMembers())
            {
                if (member.IsImplicitlyDeclared || !member.CanBeReferencedByName || member.DeclaredAccessibility == Accessibility.Private || member.IsStatic && member is IMethodSymbol { MethodKind: MethodKind.Constructor }) continue;
                members.Add(new UserMember(member.Name, classLocation));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return members.ToEquatableArray();
    }

    /// <summary>NG0019 for a class that carries [Input] but neither [Network] nor [SearchSpace]; null otherwise.</summary>
    public static DiagnosticInfo? InputWithoutNetwork(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        if (type.GetAttributes().Any(DeclaresNetwork)) return null;
        AttributeData? input = context.Attributes.FirstOrDefault(a => a.ApplicationSyntaxReference is not null);
        return input is null ? null : DiagnosticInfo.Create(Diagnostics.LayersWithoutNetwork, LocationOf(input, cancellationToken), type.Name, "Input");
    }

    /// <summary>
    /// NG0019 for a class that carries NetGen's layer, loss or optimizer attributes but neither [Network], [SearchSpace],
    /// [NetworkBlock] nor [Input] (that one has its own report): reported once, at the class's first NetGen attribute.
    /// </summary>
    public static DiagnosticInfo? AttributesWithoutNetwork(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not INamedTypeSymbol type) return null;
        var netGen = type.GetAttributes().Where(a => a.AttributeClass is { ContainingNamespace: { Name: "NetGen", ContainingNamespace.IsGlobalNamespace: true } }).ToList();
        if (netGen.Count == 0 || netGen.Any(a => DeclaresNetwork(a) || a.AttributeClass!.Name is "InputAttribute" or "OnnxModelAttribute")) return null;
        AttributeData first = netGen[0];
        if (first.ApplicationSyntaxReference is not { } reference || reference.SyntaxTree != context.Node.SyntaxTree || !context.Node.Span.Contains(reference.Span)) return null;
        string name = first.AttributeClass!.Name;
        if (name.EndsWith("Attribute", StringComparison.Ordinal)) name = name.Substring(0, name.Length - "Attribute".Length);
        return DiagnosticInfo.Create(Diagnostics.LayersWithoutNetwork, LocationOf(first, cancellationToken), type.Name, name);
    }

    /// <summary>[Network], [SearchSpace] or [NetworkBlock]: an attribute that makes a class something NetGen generates or reads.</summary>
    private static bool DeclaresNetwork(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() is NetworkGenerator.NetworkAttributeName or "NetGen.SearchSpaceAttribute" or "NetGen.NetworkBlockAttribute";

    /// <summary>The class name as a C# identifier in generated code: a keyword gets its '@' (partial class @class).</summary>
    internal static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>A declaration form NetGen cannot add members to: a record, struct or interface, or a file-local class.</summary>
    internal static string? UnsupportedShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, bool searchSpace = false) =>
        declaration is RecordDeclarationSyntax ? "a record"
        : declaration is StructDeclarationSyntax ? "a struct"
        : declaration is InterfaceDeclarationSyntax ? "an interface"
        : type.IsFileLocal ? "file-local (the generated part, in its own file, could not see it)"
        : !searchSpace && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NetGen.SearchSpaceAttribute") ? "also a [SearchSpace] (a class is one or the other)"
        : null;

    /// <summary>An argument the compiler could not bind to a constant (it reports why): reading it would give a made-up 0.</summary>
    internal static bool HasErrorArgument(AttributeData attribute) =>
        attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error) || attribute.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

    /// <summary>The declaration that carries the class's first [Network] attribute.</summary>
    private static SyntaxNode? FirstNetworkDeclaration(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == NetworkGenerator.NetworkAttributeName && a.ApplicationSyntaxReference is not null)
            .OrderBy(a => a.ApplicationSyntaxReference!.SyntaxTree.FilePath, StringComparer.Ordinal)
            .ThenBy(a => a.ApplicationSyntaxReference!.Span.Start)
            .Select(a => DeclarationOf(a, cancellationToken))
            .FirstOrDefault();

    private static SyntaxNode? DeclarationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).FirstAncestorOrSelf<TypeDeclarationSyntax>();

    internal static Location LocationOf(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).GetLocation();
}
