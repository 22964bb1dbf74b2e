using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Search;

/// <summary>One structural variant's registry entry: its generated class, structure, size and pasteable declaration.</summary>
public sealed record VariantEntry(string ClassName, string Description, int ParameterCount, string Declaration);

/// <summary>What a [SearchSpace] class becomes: one resolved network per structural variant, and the registry on the class.</summary>
public sealed record SearchSpaceModel(
    string? Namespace,
    string ClassName,
    string TargetType,
    double LearningRateLow,
    double LearningRateHigh,
    double WeightDecayLow,
    double WeightDecayHigh,
    EquatableArray<ResolvedNetwork> Variants,
    EquatableArray<VariantEntry> Entries);

/// <summary>The search-space parser's result: a model to emit (null when the declaration is wrong) and its diagnostics.</summary>
public sealed record SearchParseResult(SearchSpaceModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// Reads a [SearchSpace] class: fixed layers, choice attributes and repeated blocks, in source order; checks
/// every choice list; multiplies the structural choices out (up to MaxVariants) and resolves each variant's
/// shapes with the same <see cref="ShapeInference"/> as a fixed network.
/// </summary>
/// <remarks>
/// Enumeration order, slowest first: the layer choices in source order (a repeated block's count, then its inner
/// choices), then [BatchSizeChoice], [InitializerChoice] and the optimizer. [LearningRateRange] and [WeightDecayRange]
/// are run-time values and multiply nothing.
/// </remarks>
public static class SearchSpaceParser
{
    private const string Namespace = "NetGen";

    /// <summary>One way a layer attribute can turn out: the layers it adds (none for dropout 0 or normalization None).</summary>
    private sealed record Option(IReadOnlyList<Func<int, LayerSpec>> Layers);

    /// <summary>A layer attribute with its options, or a repeated block of them.</summary>
    private sealed class Element
    {
        public AttributeData Attribute = null!;
        public List<Option> Options = [];
        public int[]? RepeatCounts;
        public List<Element> Block = [];
        public int BlockSize;
    }

    public static SearchParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var diagnostics = new List<DiagnosticInfo>();
        // A class with [Network] too is reported by the network parser (NG0011); saying it twice helps nobody.
        if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkGenerator.NetworkAttributeName))
        {
            return new SearchParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        try
        {
            SearchSpaceModel? model = ParseCore(type, (TypeDeclarationSyntax)context.TargetNode, diagnostics, cancellationToken);
            bool failed = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
            return new SearchParseResult(failed ? null : model, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DiagnosticInfo internalError = DiagnosticInfo.Create(Diagnostics.InternalError, context.TargetNode.GetLocation(),
                type.Name, exception.GetType().Name + ": " + exception.Message);
            return new SearchParseResult(null, EquatableArray.Create(internalError));
        }
    }

    private static SearchSpaceModel? ParseCore(INamedTypeSymbol type, TypeDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        Location classLocation = declaration.Identifier.GetLocation();
        if (NetworkParser.UnsupportedShape(type, declaration, searchSpace: true) is { } shape)
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

        var ours = type.GetAttributes()
            .Where(a => a.AttributeClass is { } c && c.ContainingNamespace?.ToDisplayString() == Namespace && a.ApplicationSyntaxReference is not null)
            .ToList();
        if (ours.Any(a => a.AttributeConstructor is null || NetworkParser.HasErrorArgument(a))) return null;
        ours.Sort((a, b) => a.ApplicationSyntaxReference!.Span.Start.CompareTo(b.ApplicationSyntaxReference!.Span.Start));

        var reader = new AttributeReader(diagnostics, cancellationToken);
        AttributeData spaceAttribute = ours.First(a => a.AttributeClass!.Name == "SearchSpaceAttribute");
        int batchSize = reader.Int(spaceAttribute, "BatchSize", 32);
        int seed = reader.Int(spaceAttribute, "Seed", 0);
        int maxVariants = reader.Int(spaceAttribute, "MaxVariants", 64);
        reader.RequirePositive(spaceAttribute, "BatchSize", batchSize, "BatchSize");
        reader.RequirePositive(spaceAttribute, "MaxVariants", maxVariants, "MaxVariants");

        EquatableArray<int>? inputShape = null;
        LossSpec? loss = null;
        var optimizers = new List<OptimizerSpec>();
        AttributeData? optimizerAttribute = null;
        double learningRateLow = double.NaN, learningRateHigh = double.NaN;
        double weightDecayLow = double.NaN, weightDecayHigh = double.NaN;
        int[] batchSizes = [batchSize];
        AttributeData? batchSizeAttribute = null;
        WeightInitKind[]? initializers = null;
        AttributeData? initializerAttribute = null;
        var elements = new List<Element>();
        Element? openRepeat = null;
        var layerReader = new GraphReader(reader, diagnostics, cancellationToken);
        var fixedDeclarations = new Dictionary<LayerSpec, string>();
        PenaltySpec penalty = PenaltySpec.None;
        ClippingSpec clipping = ClippingSpec.None;
        var schedules = new List<ScheduleSpec>();

        void AddLayer(Element element)
        {
            if (openRepeat is not null && openRepeat.Block.Count < openRepeat.BlockSize)
            {
                openRepeat.Block.Add(element);
                return;
            }

            elements.Add(element);
        }

        foreach (AttributeData attribute in ours)
        {
            switch (attribute.AttributeClass!.Name)
            {
                case "InputAttribute":
                    inputShape = reader.Shape(attribute);
                    break;
                case "DenseChoiceAttribute":
                {
                    int[] units = Values(attribute, "Units", c => c.Value is int i ? i : 0, diagnostics, cancellationToken, "DenseChoice.Units", required: true);
                    int[] activations = Values(attribute, "Activations", c => c.Value is int i ? i : 0, diagnostics, cancellationToken, "DenseChoice.Activations", required: false);
                    if (activations.Length == 0 && Argument(attribute, null, "Activations", cancellationToken) is null) activations = [(int)ActivationKind.ReLU];
                    for (int i = 0; i < units.Length; i++)
                    {
                        if (units[i] <= 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, ElementLocation(attribute, null, "Units", i, cancellationToken), "DenseChoice width", units[i]));
                    }

                    var options = new List<Option>();
                    foreach (int units1 in units)
                    {
                        foreach (int activation in activations)
                        {
                            options.Add(DenseOption(units1, System.Enum.IsDefined(typeof(ActivationKind), activation) ? (ActivationKind)activation : ActivationKind.Identity));
                        }
                    }

                    AddLayer(new Element { Attribute = attribute, Options = options });
                    break;
                }
                case "DropoutChoiceAttribute":
                {
                    double[] rates = Values(attribute, 0, c => c.Value is double d ? d : c.Value is int i ? i : double.NaN, diagnostics, cancellationToken, "DropoutChoice rates");
                    for (int i = 0; i < rates.Length; i++)
                    {
                        // As [Dropout]: in [0, 1), and not a rate float rounds to 0 (1e-50 would silently keep every unit).
                        if (!(rates[i] >= 0 && rates[i] < 1) || (rates[i] != 0 && (float)rates[i] == 0))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, ElementLocation(attribute, 0, null, i, cancellationToken),
                                "DropoutChoice rate", rates[i].ToString("R", CultureInfo.InvariantCulture), "in [0, 1), such as 0.2"));
                        }
                    }

                    AddLayer(new Element { Attribute = attribute, Options = [.. rates.Select(DropoutOption)] });
                    break;
                }
                case "NormalizationChoiceAttribute":
                {
                    int[] kinds = Values(attribute, 0, c => c.Value is int i ? i : -1, diagnostics, cancellationToken, "NormalizationChoice");
                    AddLayer(new Element { Attribute = attribute, Options = [.. kinds.Select(NormalizationOption)] });
                    break;
                }
                case "BatchSizeChoiceAttribute":
                {
                    int[] sizes = Values(attribute, 0, c => c.Value is int i ? i : 0, diagnostics, cancellationToken, "BatchSizeChoice");
                    for (int i = 0; i < sizes.Length; i++)
                    {
                        if (sizes[i] <= 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, ElementLocation(attribute, 0, null, i, cancellationToken), "A BatchSizeChoice size", sizes[i]));
                    }

                    batchSizes = sizes;
                    batchSizeAttribute = attribute;
                    break;
                }
                case "InitializerChoiceAttribute":
                {
                    int[] kinds = Values(attribute, 0, c => c.Value is int i ? i : -1, diagnostics, cancellationToken, "InitializerChoice");
                    for (int i = 0; i < kinds.Length; i++)
                    {
                        var init = (WeightInitKind)kinds[i];
                        if (init is WeightInitKind.Constant or WeightInitKind.Uniform or WeightInitKind.Normal)
                        {
                            // These need a scale that a choice list cannot give: the same error a [Dense] without InitScale gets.
                            string meaning = init switch { WeightInitKind.Constant => "the value", WeightInitKind.Uniform => "the bound a of U(-a, a)", _ => "the standard deviation" };
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InitScaleRequired, ElementLocation(attribute, 0, null, i, cancellationToken), init, meaning));
                        }
                        else if (init is WeightInitKind.Zeros || !System.Enum.IsDefined(typeof(WeightInitKind), init))
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ValueOutOfRange, ElementLocation(attribute, 0, null, i, cancellationToken),
                                "InitializerChoice initializer", init.ToString(), "one that breaks symmetry, such as WeightInit.HeNormal"));
                        }
                    }

                    initializers = [.. kinds.Select(k => (WeightInitKind)k)];
                    initializerAttribute = attribute;
                    break;
                }
                case "WeightDecayRangeAttribute":
                {
                    (weightDecayLow, weightDecayHigh) = reader.PositiveRange(attribute, "WeightDecayRange", "1e-6");
                    break;
                }
                case "RepeatChoiceAttribute":
                {
                    int[] counts = Values(attribute, 0, c => c.Value is int i ? i : 0, diagnostics, cancellationToken, "RepeatChoice counts");
                    for (int i = 0; i < counts.Length; i++)
                    {
                        if (counts[i] <= 0) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NonPositiveSize, ElementLocation(attribute, 0, null, i, cancellationToken), "A RepeatChoice count", counts[i]));
                    }

                    int blockSize = reader.Int(attribute, "Layers", 1);
                    reader.RequirePositive(attribute, "Layers", blockSize, "RepeatChoice.Layers");
                    // The block is the next Layers layer attributes: more than every attribute left cannot be.
                    int after = ours.Count - ours.IndexOf(attribute) - 1;
                    if (blockSize > after)
                    {
                        reader.RequireRange(attribute, "RepeatChoice", "Layers", blockSize, v => false,
                            $"at most the {after.ToString(CultureInfo.InvariantCulture)} attributes declared after it");
                    }

                    openRepeat = new Element { Attribute = attribute, RepeatCounts = counts, BlockSize = blockSize };
                    elements.Add(openRepeat);
                    break;
                }
                case "SoftmaxCrossEntropyAttribute":
                case "MeanSquaredErrorAttribute":
                    loss = new LossSpec(attribute.AttributeClass!.Name == "SoftmaxCrossEntropyAttribute" ? LossKind.SoftmaxCrossEntropy : LossKind.MeanSquaredError);
                    break;
                case "SgdAttribute":
                case "AdamAttribute":
                case "AdamWAttribute":
                case "RmsPropAttribute":
                case "AdadeltaAttribute":
                case "NAdamAttribute":
                case "RAdamAttribute":
                case "LionAttribute":
                {
                    optimizers.Add(reader.Optimizer(attribute, attribute.AttributeClass!.Name)!);
                    optimizerAttribute = attribute;
                    break;
                }
                case "OptimizerChoiceAttribute":
                {
                    int[] kinds = Values(attribute, 0, c => c.Value is int i ? i : -1, diagnostics, cancellationToken, "OptimizerChoice");
                    for (int i = 0; i < kinds.Length; i++)
                    {
                        if (kinds[i] is < 0 or > 3)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnknownEnumValue, ElementLocation(attribute, 0, null, i, cancellationToken), "NetGen.SearchOptimizer", kinds[i]));
                        }
                    }

                    foreach (int kind in kinds)
                    {
                        OptimizerSpec spec = kind switch
                        {
                            0 => new OptimizerSpec(OptimizerKind.Sgd, 0.01, 0.9, false, 0.9, 0.999, 1e-8, 0),
                            1 => new OptimizerSpec(OptimizerKind.Adam, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0),
                            2 => new OptimizerSpec(OptimizerKind.AdamW, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0.01),
                            _ => new OptimizerSpec(OptimizerKind.RmsProp, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0),
                        };
                        optimizers.Add(spec);
                    }

                    optimizerAttribute = attribute;
                    break;
                }
                case "LearningRateRangeAttribute":
                {
                    (learningRateLow, learningRateHigh) = reader.PositiveRange(attribute, "LearningRateRange", "1e-4");
                    break;
                }
                case "AdagradAttribute":
                    optimizers.Add(reader.Adagrad(attribute));
                    optimizerAttribute = attribute;
                    break;
                case "RegularizationAttribute":
                    penalty = reader.Penalty(attribute);
                    break;
                case "ClipGradientsAttribute":
                    clipping = reader.Clipping(attribute);
                    break;
                case string schedule when AttributeReader.IsSchedule(schedule):
                    schedules.Add(reader.Schedule(attribute));
                    break;
                case "EndResidualAttribute":
                    break; // its [Residual] is reported
                case string layerName when GraphReader.IsLayer(layerName):
                {
                    // A fixed layer: read by the network parser's own reader, so every layer kind and argument works here too.
                    if (reader.String(attribute, "Name") is not null || reader.String(attribute, "From") is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotInSearchSpace, reader.ArgumentLocation(attribute, null, reader.String(attribute, "Name") is not null ? "Name" : "From"),
                            "Name and From", "a search space is a straight stack of layers"));
                        break;
                    }

                    LayerSpec? spec = layerReader.ReadLayer(attribute, layerName, 0);
                    if (spec is null) break;
                    string text = attribute.ApplicationSyntaxReference!.GetSyntax(cancellationToken).ToString();
                    fixedDeclarations[spec] = "[" + text + "]";
                    AddLayer(new Element { Attribute = attribute, Options = [new Option([index => spec with { Index = index }])] });
                    break;
                }
                case "ResidualAttribute":
                case "AddAttribute":
                case "ConcatAttribute":
                case "BlockAttribute":
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotInSearchSpace, NetworkParser.LocationOf(attribute, cancellationToken),
                        "[" + attribute.AttributeClass!.Name.Replace("Attribute", "") + "]", "a search space is a straight stack of layers; declare graphs on [Network] classes"));
                    break;
            }
        }

        Location spaceLocation = NetworkParser.LocationOf(spaceAttribute, cancellationToken);
        if (inputShape is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingInput, spaceLocation, type.Name));
        if (loss is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingLoss, spaceLocation, type.Name));
        if (optimizers.Count == 0 && optimizerAttribute is null) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingOptimizer, spaceLocation, type.Name));
        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)) return null;

        // The structural product, multiplied in source order: the attribute at which it first passes MaxVariants is the one that explodes it.
        long product = 1;
        var factors = new List<(AttributeData Attribute, int Factor)>();
        foreach (Element element in elements)
        {
            if (element.RepeatCounts is not null)
            {
                factors.Add((element.Attribute, element.RepeatCounts.Length));
                factors.AddRange(element.Block.Select(b => (b.Attribute, b.Options.Count)));
            }
            else
            {
                factors.Add((element.Attribute, element.Options.Count));
            }
        }

        if (batchSizeAttribute is not null) factors.Add((batchSizeAttribute, batchSizes.Length));
        if (initializerAttribute is not null) factors.Add((initializerAttribute, initializers!.Length));
        if (optimizerAttribute is not null) factors.Add((optimizerAttribute, optimizers.Count));
        factors.Sort((a, b) => a.Attribute.ApplicationSyntaxReference!.Span.Start.CompareTo(b.Attribute.ApplicationSyntaxReference!.Span.Start));
        foreach ((AttributeData attribute, int factor) in factors)
        {
            long before = product;
            product *= factor;
            if (product > maxVariants)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SearchSpaceTooLarge, NetworkParser.LocationOf(attribute, cancellationToken),
                    type.Name, "[" + attribute.AttributeClass!.Name.Replace("Attribute", "") + "]", factor, before, TotalProduct(factors), maxVariants));
                return null;
            }
        }

        // Every combination of the layer choices, first element slowest.
        var combinations = new List<List<Func<int, LayerSpec>>> { new() };
        foreach (Element element in elements)
        {
            var next = new List<List<Func<int, LayerSpec>>>();
            foreach (var layers in combinations)
            {
                foreach (Option option in ElementOptions(element))
                {
                    next.Add([.. layers, .. option.Layers]);
                }
            }

            combinations = next;
        }

        // Then the network-wide structural choices, the optimizer fastest. A run-time weight decay replaces the optimizer's constant.
        bool runtimeWeightDecay = !double.IsNaN(weightDecayLow);
        WeightInitKind?[] inits = initializers is null ? [null] : [.. initializers.Select(i => (WeightInitKind?)i)];
        var networkChoices = (
            from size in batchSizes
            from init in inits
            from optimizer in optimizers
            select (BatchSize: size, Init: init, Optimizer: runtimeWeightDecay ? optimizer with { RuntimeWeightDecay = true } : optimizer)).ToList();

        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();
        var variants = new List<ResolvedNetwork>();
        var entries = new List<VariantEntry>();
        int digits = Math.Max(2, (combinations.Count * networkChoices.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        foreach (var layerFactories in combinations)
        {
            foreach ((int variantBatchSize, WeightInitKind? init, OptimizerSpec optimizer) in networkChoices)
            {
                string className = type.Name + "Variant" + variants.Count.ToString("D" + digits, CultureInfo.InvariantCulture);
                var variantLayers = layerFactories
                    .Select((make, index) => make(index))
                    .Select(layer => init is { } kind && layer is DenseSpec dense ? dense with { Init = kind } : layer)
                    .ToEquatableArray();
                List<string> lines = [.. variantLayers.Select(layer => fixedDeclarations.TryGetValue(layer with { Index = 0 }, out string? written) ? written : Declare(layer))];
                var model = new NetworkModel(ns, className, variantBatchSize, seed, inputShape!.Value, variantLayers, loss!, optimizer,
                    new TrainingSpec(penalty, clipping, schedules.ToEquatableArray()));
                (ResolvedNetwork? network, List<ShapeError> errors) = ShapeInference.Resolve(model);
                if (network is null || errors.Count > 0)
                {
                    ShapeError error = errors[0];
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.SearchVariantInvalid, spaceLocation, className,
                        string.Join(" ", lines), Diagnostics.ById(error.DiagnosticId).Id));
                    return null;
                }

                variants.Add(network);
                string shapes = string.Join("x", inputShape.Value) + "-" + string.Join("-", variantLayers.OfType<DenseSpec>().Select(d => d.Units.ToString(CultureInfo.InvariantCulture)));
                var hiddenActivations = variantLayers.OfType<DenseSpec>().Select(d => d.Activation).Where(a => !a.IsIdentity).Select(a => a.ToString()).Distinct().ToList();
                var dropouts = variantLayers.OfType<DropoutSpec>().Select(d => d.Rate.ToString("R", CultureInfo.InvariantCulture)).Distinct().ToList();
                string description = shapes
                    + (hiddenActivations.Count > 0 ? " " + string.Join("/", hiddenActivations) : "")
                    + (variantLayers.OfType<BatchNormSpec>().Any() ? ", batch norm" : "")
                    + (variantLayers.OfType<LayerNormSpec>().Any() ? ", layer norm" : "")
                    + (dropouts.Count > 0 ? ", dropout " + string.Join("/", dropouts) : "")
                    + (init is { } initKind ? ", init " + initKind : "")
                    + (batchSizeAttribute is not null ? ", batch " + variantBatchSize.ToString(CultureInfo.InvariantCulture) : "")
                    + ", " + optimizer.Kind;
                string text = $"[Network(BatchSize = {variantBatchSize}, Seed = {seed})]\n[Input({string.Join(", ", inputShape.Value)})]\n"
                    + string.Concat(lines.Select(l => l + "\n"))
                    + (loss!.Kind == LossKind.SoftmaxCrossEntropy ? "[SoftmaxCrossEntropy]" : "[MeanSquaredError]") + "\n"
                    + OptimizerDeclaration(optimizer) + "\n"
                    + $"public partial class {type.Name}Winner;";
                entries.Add(new VariantEntry(className, description, network.ParameterCount, text));
            }
        }

        return new SearchSpaceModel(ns, NetworkParser.Identifier(type.Name), loss!.Kind == LossKind.SoftmaxCrossEntropy ? "int" : "float",
            learningRateLow, learningRateHigh, weightDecayLow, weightDecayHigh, variants.ToEquatableArray(), entries.ToEquatableArray());
    }

    private static long TotalProduct(List<(AttributeData Attribute, int Factor)> factors)
    {
        long total = 1;
        foreach (var factor in factors) total = Math.Min(total * factor.Factor, long.MaxValue / 1024);
        return total;
    }

    /// <summary>The options of an element; a repeated block's are every (count, block combination), choices shared by the repetitions.</summary>
    private static IEnumerable<Option> ElementOptions(Element element)
    {
        if (element.RepeatCounts is null) return element.Options;
        var blockOptions = new List<Option> { new([]) };
        foreach (Element inner in element.Block)
        {
            blockOptions = [.. blockOptions.SelectMany(b => inner.Options.Select(o => new Option([.. b.Layers, .. o.Layers])))];
        }

        return element.RepeatCounts.SelectMany(count => blockOptions.Select(b => new Option([.. Enumerable.Repeat(b.Layers, count).SelectMany(l => l)])));
    }

    private static Option DenseOption(int units, ActivationKind activation) => new(
        [index => new DenseSpec(index, units, new ActivationSpec(activation, double.NaN), WeightInitKind.Default, double.NaN, true, PenaltySpec.Inherit)]);

    private static Option DropoutOption(double rate) => rate == 0 ? new Option([]) : new Option([index => new DropoutSpec(index, rate)]);

    /// <summary>NetGen.SearchNormalization: 0 None (no layer), 1 BatchNorm, 2 LayerNorm, with the fixed layers' defaults.</summary>
    private static Option NormalizationOption(int kind) => kind switch
    {
        1 => new Option([index => new BatchNormSpec(index, 0.1, 1e-5)]),
        2 => new Option([index => new LayerNormSpec(index, 1e-5)]),
        _ => new Option([]),
    };

    /// <summary>A variant's layer as the attribute a fixed [Network] declares it with.</summary>
    private static string Declare(LayerSpec layer) => layer switch
    {
        DenseSpec dense => "[Dense(" + dense.Units.ToString(CultureInfo.InvariantCulture)
            + (dense.Activation.IsIdentity ? "" : ", Activation." + dense.Activation.Kind)
            + (dense.Init == WeightInitKind.Default ? "" : ", Init = WeightInit." + dense.Init) + ")]",
        DropoutSpec dropout => $"[Dropout({dropout.Rate.ToString("R", CultureInfo.InvariantCulture)})]",
        BatchNormSpec => "[BatchNorm]",
        LayerNormSpec => "[LayerNorm]",
        _ => "// " + layer.GetType().Name,
    };

    /// <summary>The optimizer attribute with placeholders for the run-time values a search fills in (see NetworkVariant).</summary>
    private static string OptimizerDeclaration(OptimizerSpec spec)
    {
        string weightDecay = spec.RuntimeWeightDecay ? ", WeightDecay = {WeightDecay}" : "";
        static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        return spec.Kind switch
        {
            OptimizerKind.Sgd => $"[Sgd(LearningRate = {{LearningRate}}, Momentum = {R(spec.Momentum)}{weightDecay})]",
            // The newer optimizers' other settings are written out: the winner declares what was searched.
            OptimizerKind.Adadelta => $"[Adadelta(LearningRate = {{LearningRate}}, Rho = {R(spec.Rho)}, Epsilon = {R(spec.Epsilon)}{weightDecay})]",
            OptimizerKind.NAdam => $"[NAdam(LearningRate = {{LearningRate}}, Beta1 = {R(spec.Beta1)}, Beta2 = {R(spec.Beta2)}, Epsilon = {R(spec.Epsilon)}, MomentumDecay = {R(spec.MomentumDecay)}{weightDecay})]",
            OptimizerKind.RAdam => $"[RAdam(LearningRate = {{LearningRate}}, Beta1 = {R(spec.Beta1)}, Beta2 = {R(spec.Beta2)}, Epsilon = {R(spec.Epsilon)}{weightDecay})]",
            OptimizerKind.Lion => $"[Lion(LearningRate = {{LearningRate}}, Beta1 = {R(spec.Beta1)}, Beta2 = {R(spec.Beta2)}{weightDecay})]",
            _ => $"[{spec.Kind}(LearningRate = {{LearningRate}}{weightDecay})]",
        };
    }

    /// <summary>The values of an array argument (positional params or named array), reporting an empty list and any repeated value at its exact element.</summary>
    private static T[] Values<T>(AttributeData attribute, int position, Func<TypedConstant, T> convert, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken, string what) =>
        Check(attribute, position, null, attribute.ConstructorArguments.Length > position ? attribute.ConstructorArguments[position] : default, convert,
            diagnostics, cancellationToken, what, required: true);

    private static T[] Values<T>(AttributeData attribute, string name, Func<TypedConstant, T> convert, List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken, string what, bool required)
    {
        TypedConstant constant = attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value;
        // An optional list that is absent takes its default; one that is written must list something.
        if (constant.Kind != TypedConstantKind.Array && !required) return [];
        return Check(attribute, null, name, constant, convert, diagnostics, cancellationToken, what, required: true);
    }

    private static T[] Check<T>(AttributeData attribute, int? position, string? name, TypedConstant constant, Func<TypedConstant, T> convert,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken, string what, bool required)
    {
        T[] values = constant.Kind == TypedConstantKind.Array && !constant.IsNull ? [.. constant.Values.Select(convert)] : [];
        if (values.Length == 0)
        {
            if (required)
            {
                Location location = Argument(attribute, position, name, cancellationToken)?.GetLocation() ?? NetworkParser.LocationOf(attribute, cancellationToken);
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.EmptyChoice, location, what));
            }

            return values;
        }

        for (int i = 0; i < values.Length; i++)
        {
            int first = Array.IndexOf(values, values[i]);
            if (first < i)
            {
                string shown = Convert.ToString(constant.Values[i].Value, CultureInfo.InvariantCulture) ?? "";
                if (constant.Values[i].Type is { TypeKind: TypeKind.Enum } enumType)
                {
                    shown = enumType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => f.HasConstantValue && Equals(f.ConstantValue, constant.Values[i].Value))?.Name ?? shown;
                }

                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.RepeatedChoice, ElementLocation(attribute, position, name, i, cancellationToken), what, shown, first + 1, i + 1));
            }
        }

        return values;
    }

    private static AttributeArgumentSyntax? Argument(AttributeData attribute, int? position, string? name, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } list }) return null;
        if (name is not null) return list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        var positional = list.Arguments.Where(a => a.NameEquals is null).ToList();
        return positional.Count > position ? positional[position!.Value] : null;
    }

    /// <summary>Element <paramref name="index"/> of an array argument: the params argument itself, or the element of <c>new[] { ... }</c> / <c>[ ... ]</c>.</summary>
    private static Location ElementLocation(AttributeData attribute, int? position, string? name, int index, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax) return Location.None;
        if (name is null && syntax.ArgumentList is { } list)
        {
            var positional = list.Arguments.Where(a => a.NameEquals is null).ToList();
            bool expanded = positional.Count > 1 || (positional.Count == 1 && ElementsOf(positional[0].Expression) is null);
            if (expanded && positional.Count > position!.Value + index) return positional[position.Value + index].GetLocation();
        }

        AttributeArgumentSyntax? argument = Argument(attribute, position, name, cancellationToken);
        if (argument is null) return syntax.GetLocation();
        IReadOnlyList<ExpressionSyntax>? elements = ElementsOf(argument.Expression);
        return elements is not null && elements.Count > index ? elements[index].GetLocation() : argument.GetLocation();
    }

    private static IReadOnlyList<ExpressionSyntax>? ElementsOf(ExpressionSyntax expression) => expression switch
    {
        ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer.Expressions,
        ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions,
        CollectionExpressionSyntax collection => collection.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
        _ => null,
    };
}
