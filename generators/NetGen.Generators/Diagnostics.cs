using Microsoft.CodeAnalysis;

namespace NetGen.Generators;

/// <summary>Every diagnostic NetGen reports. Each message says how to fix the declaration.</summary>
public static class Diagnostics
{
    private const string Category = "NetGen";
    private const string HelpRoot = "https://github.com/netgen-dev/netgen/blob/main/docs/diagnostics.md#";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpRoot + id.ToLowerInvariant());

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpRoot + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor NotPartial = Error(DiagnosticIds.NotPartial,
        "Network class must be partial",
        "The network class '{0}' must be declared 'partial' so NetGen can add its generated members: write 'partial class {0}'");

    public static readonly DiagnosticDescriptor MissingInput = Error(DiagnosticIds.MissingInput,
        "Network declares no input",
        "The network '{0}' declares no input shape: add [Input(...)] before the first layer, for example [Input(784)] or [Input(1, 28, 28)]");

    public static readonly DiagnosticDescriptor NonPositiveSize = Error(DiagnosticIds.NonPositiveSize,
        "Size must be positive",
        "{0} is {1}, but it must be a positive whole number: use 1 or more");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Error(DiagnosticIds.LayersSplitAcrossDeclarations,
        "Layer attributes are split over several partial declarations",
        "The layers of '{0}' are declared on more than one partial declaration, so their order is ambiguous: move every NetGen attribute to the declaration that carries [Network]");

    public static readonly DiagnosticDescriptor MissingLoss = Error(DiagnosticIds.MissingLoss,
        "Network declares no loss",
        "The network '{0}' declares no loss, so no training code can be emitted: add [SoftmaxCrossEntropy] for class labels or [MeanSquaredError] for regression targets");

    public static readonly DiagnosticDescriptor MissingOptimizer = Error(DiagnosticIds.MissingOptimizer,
        "Network declares no optimizer",
        "The network '{0}' declares no optimizer, so no training step can be emitted: add [Adam] (a good default) or [Sgd(LearningRate = 0.01, Momentum = 0.9)]");

    public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Error(DiagnosticIds.LossDoesNotFitOutput,
        "Loss does not fit the output layer",
        "[SoftmaxCrossEntropy] needs at least 2 output classes, but the network outputs {0}: end with a layer of one unit per class, or use [MeanSquaredError] for a single regression output");

    public static readonly DiagnosticDescriptor LogitsExpected = Warning(DiagnosticIds.LogitsExpected,
        "Softmax cross-entropy expects raw logits",
        "The last layer applies {0} before [SoftmaxCrossEntropy], which applies softmax itself; this squashes the logits and slows learning: remove the activation from the last layer");

    public static readonly DiagnosticDescriptor ValueOutOfRange = Error(DiagnosticIds.ValueOutOfRange,
        "Value out of range",
        "{0} is {1}, but it must be {2}");

    public static readonly DiagnosticDescriptor Duplicate = Error(DiagnosticIds.Duplicate,
        "Declared more than once",
        "The network '{0}' declares {1} more than once: keep exactly one");

    public static readonly DiagnosticDescriptor UnsupportedType = Error(DiagnosticIds.UnsupportedType,
        "Network class shape not supported",
        "The network class '{0}' is {1}: declare networks as non-generic, non-static classes directly in a namespace");

    public static readonly DiagnosticDescriptor ClassNameClashesWithMember = Error(DiagnosticIds.ClassNameClashesWithMember,
        "Network class named like a generated member",
        "The network class '{0}' has the name of a member NetGen generates in it, and C# forbids a member named like its class: rename the class, for example to '{0}Network'");

    public static readonly DiagnosticDescriptor DenseNeedsVector = Error(DiagnosticIds.DenseNeedsVector,
        "Dense layer needs a vector input",
        "[Dense] receives a {0} tensor, but it needs a vector: insert [Flatten] before it (reshape to {1} features)");

    public static readonly DiagnosticDescriptor NoLayers = Error(DiagnosticIds.NoLayers,
        "Network declares no layers",
        "The network '{0}' declares no layer with parameters to train: add at least one such layer after [Input], for example [Dense(10)]");

    public static readonly DiagnosticDescriptor UnknownEnumValue = Error(DiagnosticIds.UnknownEnumValue,
        "Unknown enum value",
        "{0} has no member with value {1}: use one of the named members of {0}");

    private static DiagnosticDescriptor Info(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpRoot + id.ToLowerInvariant());

    public static readonly DiagnosticDescriptor DeepSaturatingStack = Warning(DiagnosticIds.DeepSaturatingStack,
        "Deep stack of saturating activations",
        "This is saturating layer {0} in a row ({1}) without normalization or a Glorot/LeCun/orthogonal initializer: expect vanishing gradients; use ReLU with He initialization, add [BatchNorm], or initialize with WeightInit.GlorotUniform");

    public static readonly DiagnosticDescriptor ConstantInitialization = Warning(DiagnosticIds.ConstantInitialization,
        "Weights initialized to a constant",
        "{0}'s weights all start at the same value ({1}), so every unit computes the same thing and symmetry is never broken: use a random initializer such as WeightInit.HeUniform or WeightInit.GlorotUniform");

    public static readonly DiagnosticDescriptor MemoryFootprint = Info(DiagnosticIds.MemoryFootprint,
        "Network memory",
        "'{0}' holds {1} parameters: {2} bytes of parameters, {3} of gradients, {4} of optimizer state and {5} of activations at batch {6}");

    public static readonly DiagnosticDescriptor NormalizationShape = Error(DiagnosticIds.NormalizationShape,
        "Normalization cannot take this shape",
        "[BatchNorm] receives a {0} tensor, but it normalizes features of a vector or channels of a (channels, height, width) image: place it after a Dense or Conv2D layer, or use [LayerNorm]");

    public static readonly DiagnosticDescriptor ScheduleConflict = Error(DiagnosticIds.ScheduleConflict,
        "Learning-rate schedules conflict",
        "{0} cannot be combined with {1}: declare at most one of [StepDecay], [ExponentialDecay] and [CosineAnnealing], optionally with one [LinearWarmup] and one [ReduceOnPlateau]");

    public static readonly DiagnosticDescriptor InitScaleRequired = Error(DiagnosticIds.InitScaleRequired,
        "Initializer needs a scale",
        "WeightInit.{0} needs InitScale ({1}): add InitScale = ..., for example InitScale = 0.01");

    public static readonly DiagnosticDescriptor RecurrentNeedsSequence = Error(DiagnosticIds.RecurrentNeedsSequence,
        "Recurrent layer needs a sequence",
        "[{0}] receives a {1} tensor, but it needs a (steps, features) sequence: declare [Input(steps, features)], start with [Embedding(vocabulary, dimensions)] after [Input(steps)] for token ids, or keep ReturnSequences = true on the recurrent layer before it");

    public static readonly DiagnosticDescriptor EmbeddingNotFirst = Error(DiagnosticIds.EmbeddingNotFirst,
        "Embedding must be the first layer",
        "[Embedding] turns token ids into vectors, so it must be the first layer, right after [Input(steps)]; here it receives {0}: move it first with a one-dimensional [Input(steps)], or remove it and feed float features");

    public static readonly DiagnosticDescriptor Bfloat16WithoutDense = Warning(DiagnosticIds.Bfloat16WithoutDense,
        "bfloat16 inference has no dense layer to store",
        "[Bfloat16Inference] stores the weights of Dense layers as bfloat16, but '{0}' has no Dense layer, so PredictBfloat16 would run every layer in float exactly as Predict does: remove [Bfloat16Inference], or use Predict");

    public static readonly DiagnosticDescriptor LongSimpleRnn = Warning(DiagnosticIds.LongSimpleRnn,
        "Plain RNN over a long sequence",
        "{0} unrolls a plain tanh RNN over {1} steps ({2} or more warns): its gradient shrinks at every step back, so it cannot learn dependencies that span the sequence; use [Lstm] or [Gru]");

    public static readonly DiagnosticDescriptor InternalError = Error(DiagnosticIds.InternalError,
        "NetGen internal error",
        "NetGen could not generate '{0}' because of an internal error ({1}); please report it with the declaration");

    public static readonly DiagnosticDescriptor NoGpuKernel = Info(DiagnosticIds.NoGpuKernel,
        "No GPU kernel yet",
        "The network '{0}' gets no Gpu class: {1} has no GPU kernel yet. The CPU class is generated as usual: train this network on the CPU for now.");

    public static readonly DiagnosticDescriptor SpatialLayerNeedsImage = Error(DiagnosticIds.SpatialLayerNeedsImage,
        "Convolution or pooling needs a (channels, height, width) input",
        "[{0}] needs a (channels, height, width) input, but receives a {1} tensor: {2}");

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error(DiagnosticIds.KernelLargerThanInput,
        "Kernel larger than its input",
        "{0}: the {1} is larger than its {2} input{3}: use a window that spans at most {4}, or add padding");

    public static readonly DiagnosticDescriptor OutputSizeNotWhole = Error(DiagnosticIds.OutputSizeNotWhole,
        "Windows do not fit the input a whole number of times",
        "{0} does not fit its {1} input a whole number of times: in {2}, ({3} + 2*{4} - {5}) / {6} + 1 = {7} outputs, so PyTorch would silently drop the last {8}: {9}");

    public static readonly DiagnosticDescriptor ReshapeSizeMismatch = Error(DiagnosticIds.ReshapeSizeMismatch,
        "Reshape changes the number of elements",
        "[Reshape({0})] does not fit its {1} input of {2} elements: {3}");

    public static readonly DiagnosticDescriptor InvalidReshapeDimension = Error(DiagnosticIds.InvalidReshapeDimension,
        "Invalid reshape dimension",
        "[Reshape] dimension {0} is {1}: every dimension must be positive, except one that may be -1 to infer it from the others");

    public static readonly DiagnosticDescriptor PaddingDeclaredTwice = Error(DiagnosticIds.PaddingDeclaredTwice,
        "Padding declared twice",
        "[Conv2D] sets both Padding = {0} and SamePadding = true: keep one of them");

    /// <summary>The descriptor for an id produced by a Roslyn-free stage.</summary>
    public static readonly DiagnosticDescriptor JoinShapeMismatch = Error(DiagnosticIds.JoinShapeMismatch,
        "Joined outputs have different shapes",
        "{0} joins outputs of different shapes: {1} is {2}, {3} is {4}; {5}");

    public static readonly DiagnosticDescriptor UnknownLayerName = Error(DiagnosticIds.UnknownLayerName,
        "No layer of that name",
        "No layer named '{0}' is declared before this one in {1}: name a layer declared earlier ({2})");

    public static readonly DiagnosticDescriptor DuplicateLayerName = Error(DiagnosticIds.DuplicateLayerName,
        "Layer name used twice",
        "The name '{0}' is already used by an earlier layer of {1}: give each layer its own name");

    public static readonly DiagnosticDescriptor InvalidLayerName = Error(DiagnosticIds.InvalidLayerName,
        "Invalid layer name",
        "'{0}' is not a valid layer name: use letters, digits and '_', starting with a letter (and not 'input', which names the network's input)");

    public static readonly DiagnosticDescriptor UnbalancedResidual = Error(DiagnosticIds.UnbalancedResidual,
        "Residual connection not closed or not opened",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidBlock = Error(DiagnosticIds.InvalidBlock,
        "Invalid block",
        "{0}");

    public static readonly DiagnosticDescriptor UnusedOutput = Error(DiagnosticIds.UnusedOutput,
        "Layer output never read",
        "The output of {0} is read by no later layer, so its parameters would never learn: remove it, join it ([Add]/[Concat]), or make the next branch read it with From");

    public static readonly DiagnosticDescriptor ProjectionImpossible = Error(DiagnosticIds.ProjectionImpossible,
        "Shortcut cannot be projected",
        "The residual shortcut {0} cannot be projected to the branch's output {1}: {2}");

    public static readonly DiagnosticDescriptor InvalidJoin = Error(DiagnosticIds.InvalidJoin,
        "Invalid join",
        "{0}");

    public static readonly DiagnosticDescriptor NotInSearchSpace = Error(DiagnosticIds.NotInSearchSpace,
        "Not available in a search space",
        "{0} cannot be used in a [SearchSpace]: {1}");

    public static readonly DiagnosticDescriptor SizeTooLarge = Error(DiagnosticIds.SizeTooLarge,
        "Network too large for .NET arrays",
        "{0} needs {1} floats for {2}, past the {3} one .NET array can hold: make it smaller (fewer units, channels or steps, a smaller BatchSize, or pooling before a dense layer)");

    public static readonly DiagnosticDescriptor LanguageVersionTooLow = Error(DiagnosticIds.LanguageVersionTooLow,
        "C# 11 or later needed",
        "The network '{0}' is compiled as C# {1}, but NetGen's generated code needs C# 11 or later (static abstract interface members): set <LangVersion>11</LangVersion> or later in the project, or remove <LangVersion> to take the SDK's default");

    public static readonly DiagnosticDescriptor MemberClashesWithGenerated = Error(DiagnosticIds.MemberClashesWithGenerated,
        "Member named like a generated member",
        "The member '{0}' of '{1}' (declared here or inherited) has the name of a member NetGen generates in the network class: rename it");

    public static readonly DiagnosticDescriptor LayersWithoutNetwork = Error(DiagnosticIds.LayersWithoutNetwork,
        "Network attributes without [Network]",
        "'{0}' declares [{1}] but not [Network], so NetGen generates nothing for it: add [Network] (and make the class partial), or [NetworkBlock] for a block");

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        DiagnosticIds.SizeTooLarge => SizeTooLarge,
        DiagnosticIds.JoinShapeMismatch => JoinShapeMismatch,
        DiagnosticIds.UnusedOutput => UnusedOutput,
        DiagnosticIds.ProjectionImpossible => ProjectionImpossible,
        DiagnosticIds.InvalidJoin => InvalidJoin,
        DiagnosticIds.LossDoesNotFitOutput => LossDoesNotFitOutput,
        DiagnosticIds.DenseNeedsVector => DenseNeedsVector,
        DiagnosticIds.SpatialLayerNeedsImage => SpatialLayerNeedsImage,
        DiagnosticIds.KernelLargerThanInput => KernelLargerThanInput,
        DiagnosticIds.OutputSizeNotWhole => OutputSizeNotWhole,
        DiagnosticIds.ReshapeSizeMismatch => ReshapeSizeMismatch,
        DiagnosticIds.NormalizationShape => NormalizationShape,
        DiagnosticIds.NoLayers => NoLayers,
        DiagnosticIds.RecurrentNeedsSequence => RecurrentNeedsSequence,
        DiagnosticIds.EmbeddingNotFirst => EmbeddingNotFirst,
        DiagnosticIds.ValueOutOfRange => ValueOutOfRange,
        _ => InternalError,
    };

    // Issue 9: architecture search spaces.
    public static readonly DiagnosticDescriptor SearchSpaceTooLarge = Error(DiagnosticIds.SearchSpaceTooLarge,
        "Search space has too many variants",
        "The search space '{0}' grows past MaxVariants at {1}: its {2} choices multiply the {3} variants before it, {4} variants in all, but MaxVariants is {5}: remove choices, move a choice to a run-time range, or raise MaxVariants");

    public static readonly DiagnosticDescriptor EmptyChoice = Error(DiagnosticIds.EmptyChoice,
        "Choice list is empty",
        "{0} lists no choices, so the search space has no variants: list at least one value");

    public static readonly DiagnosticDescriptor RepeatedChoice = Error(DiagnosticIds.RepeatedChoice,
        "Choice list repeats a value",
        "{0} lists {1} twice (choices {2} and {3}), which would train the same variant twice: remove the repeat");

    public static readonly DiagnosticDescriptor SearchVariantInvalid = Error(DiagnosticIds.SearchVariantInvalid,
        "A search variant has impossible shapes",
        "The search variant {0} ({1}) cannot be built ({2}): declare it as a fixed [Network] to see the exact error");

    // Issue 24: ONNX import. Each is reported at the path argument of [OnnxModel] (the file itself is not C#).
    public static readonly DiagnosticDescriptor OnnxFileNotFound = Error(DiagnosticIds.OnnxFileNotFound,
        "ONNX file not in AdditionalFiles",
        "The ONNX file '{0}' is not among the project's AdditionalFiles, so the generator cannot read it: add <AdditionalFiles Include=\"{0}\" /> to the project file (the path here matches the end of an AdditionalFiles path)");

    public static readonly DiagnosticDescriptor OnnxNotAModel = Error(DiagnosticIds.OnnxNotAModel,
        "File is not an ONNX model",
        "'{0}' is not an ONNX model: {1}; export it again (torch.onnx.export, tf2onnx) and check it with onnx.checker.check_model");

    public static readonly DiagnosticDescriptor OnnxUnsupportedOpset = Error(DiagnosticIds.OnnxUnsupportedOpset,
        "Unsupported ONNX opset",
        "'{0}' uses opset {1} of the default ONNX domain; NetGen reads opsets {2} to {3}: export again with opset_version=13 (torch.onnx.export) or convert it with onnx.version_converter");

    public static readonly DiagnosticDescriptor OnnxUnsupportedOperator = Error(DiagnosticIds.OnnxUnsupportedOperator,
        "ONNX operator NetGen cannot map",
        "'{0}': node '{1}' is {3} ({2}): {4}");

    public static readonly DiagnosticDescriptor OnnxUnsupportedAttribute = Error(DiagnosticIds.OnnxUnsupportedAttribute,
        "ONNX attribute value NetGen cannot map",
        "'{0}': node '{1}' ({2}) has {3}, which NetGen cannot map: use {4}");

    public static readonly DiagnosticDescriptor OnnxDynamicShape = Error(DiagnosticIds.OnnxDynamicShape,
        "ONNX shape not fixed at build time",
        "'{0}': {1}: {2}");

    public static readonly DiagnosticDescriptor OnnxUnsupportedGraph = Error(DiagnosticIds.OnnxUnsupportedGraph,
        "ONNX graph NetGen cannot map",
        "'{0}': {1}");

    public static readonly DiagnosticDescriptor OnnxWithLayers = Error(DiagnosticIds.OnnxWithLayers,
        "[OnnxModel] with declared layers",
        "'{0}' declares [OnnxModel] and {1}: the input shape and the layers come from the ONNX file, so remove {1} (keep [Network], the loss and the optimizer)");

    public static readonly DiagnosticDescriptor OnnxWithoutNetwork = Error(DiagnosticIds.OnnxWithoutNetwork,
        "[OnnxModel] without [Network]",
        "'{0}' declares [OnnxModel] but not [Network], so NetGen generates nothing for it: add [Network(BatchSize = ...)], a loss and an optimizer, and make the class partial");

    public static readonly DiagnosticDescriptor OnnxTooLargeToEmbed = Error(DiagnosticIds.OnnxTooLargeToEmbed,
        "ONNX weights too large to embed",
        "'{0}' holds {1} parameters and running statistics; NetGen embeds at most {2} in the assembly: import a smaller model, or declare the layers with attributes and load the weights with LoadCheckpoint");
}
