namespace NetGen.Generators;

/// <summary>
/// Diagnostic ids as plain strings, so the Roslyn-free stages (Shapes) can name the error they found.
/// The descriptors, with titles and messages, are in <see cref="Diagnostics"/>.
/// </summary>
public static class DiagnosticIds
{
    public const string NotPartial = "NG0001";
    public const string MissingInput = "NG0002";
    public const string NonPositiveSize = "NG0003";
    public const string LayersSplitAcrossDeclarations = "NG0004";
    public const string MissingLoss = "NG0005";
    public const string MissingOptimizer = "NG0006";
    public const string LossDoesNotFitOutput = "NG0007";
    public const string LogitsExpected = "NG0008";
    public const string ValueOutOfRange = "NG0009";
    public const string Duplicate = "NG0010";
    public const string UnsupportedType = "NG0011";
    public const string DenseNeedsVector = "NG0012";
    public const string NoLayers = "NG0013";
    public const string UnknownEnumValue = "NG0014";
    public const string ClassNameClashesWithMember = "NG0015";
    public const string SizeTooLarge = "NG0016";
    public const string LanguageVersionTooLow = "NG0017";
    public const string MemberClashesWithGenerated = "NG0018";
    public const string LayersWithoutNetwork = "NG0019";
    public const string SpatialLayerNeedsImage = "NG0020";
    public const string KernelLargerThanInput = "NG0021";
    public const string OutputSizeNotWhole = "NG0022";
    public const string ReshapeSizeMismatch = "NG0023";
    public const string InvalidReshapeDimension = "NG0024";
    // NG0025 (SamePadding needs an odd kernel span) is retired: SamePadding follows Keras's rule, which takes any kernel. Not reused.
    public const string PaddingDeclaredTwice = "NG0026";
    // Issue 4: training pitfalls and their cures (NG0040-NG0069).
    public const string DeepSaturatingStack = "NG0040";
    public const string ConstantInitialization = "NG0041";
    public const string MemoryFootprint = "NG0042";
    public const string NormalizationShape = "NG0043";
    public const string ScheduleConflict = "NG0044";
    public const string InitScaleRequired = "NG0045";

    // Issue 6: recurrent networks (NG0070-NG0089).
    public const string RecurrentNeedsSequence = "NG0070";
    public const string EmbeddingNotFirst = "NG0071";
    public const string LongSimpleRnn = "NG0072";

    // Issue 7: bfloat16 inference (NG0090-NG0099).
    public const string Bfloat16WithoutDense = "NG0090";

    // Issue 20: networks as graphs (NG0100-NG0119).
    public const string JoinShapeMismatch = "NG0100";
    public const string UnknownLayerName = "NG0101";
    public const string DuplicateLayerName = "NG0102";
    public const string InvalidLayerName = "NG0103";
    public const string UnbalancedResidual = "NG0104";
    public const string InvalidBlock = "NG0105";
    public const string UnusedOutput = "NG0106";
    public const string ProjectionImpossible = "NG0107";
    public const string InvalidJoin = "NG0108";

    public const string InternalError = "NG9999";
    public const string NoGpuKernel = "NG0200";

    // Issue 9: architecture search spaces (NG0300-NG0319).
    public const string SearchSpaceTooLarge = "NG0300";
    public const string EmptyChoice = "NG0301";
    public const string RepeatedChoice = "NG0302";
    public const string SearchVariantInvalid = "NG0303";
    public const string NotInSearchSpace = "NG0304";
}
