using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace NetGen.Generators.Emit;

/// <summary>
/// The names of the members the emitters add to a network class. C# forbids a member named like its enclosing
/// class (CS0542), so a network class cannot take one of them: the parser reports NG0015 instead of emitting code
/// that does not compile. A generator test compiles representative networks and checks this list is complete.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Members whose names do not depend on the layers.</summary>
    public static readonly ImmutableHashSet<string> FixedNames = ImmutableHashSet.Create(
        "AdamBeta1", "AdamBeta2", "AdamEpsilon", "AdamWeightDecay", "Backward", "BackwardCore", "BatchNormSynchronization",
        "BatchSize", "CheckTargets", "CheckpointLayout", "ClipMaxNorm", "ComputeGradients", "ComputeLoss", "CopyGradientsTo",
        "CopyOptimizerStateFrom", "CopyOptimizerStateTo", "CopyParametersFrom", "CopyParametersTo", "CurrentLearningRate",
        "DefaultLearningRate", "DefaultWeightDecay", "DescribeNonFinite", "DropoutRandom", "EnterUse", "ExitUse", "DropoutRandomFor", "Evaluate", "ExportOnnx",
        "FillParameters", "FillStatistics", "First", "Forward", "ForwardCore", "Gpu", "GradientListener", "GradientNorm", "GradientNorms",
        "Gradients", "InitialParameters", "InitialStatistics", "InputSize", "LastGradientNorm", "LearningRate",
        "LearningRateHigh", "LearningRateLow", "LoadCheckpoint", "LossCore", "NewPlateau", "OnnxDescription", "OptimizerState",
        "OptimizerStateCount", "OptimizerStep", "OutputClasses", "OutputSize", "OutputSteps", "ParameterCount",
        "ParameterLayers", "Parameters", "PenaltyLoss", "Predict", "PredictClass", "ReportValidationLoss", "ResetParameters",
        "ResetState", "RestoreCarriedState", "RestoreStepState", "RowsOf", "SamplesOf", "SaveCarriedState", "SaveCheckpoint", "SaveStepState", "Schedule", "ScheduledLearningRate", "Seed", "SgdMomentum",
        "SgdWeightDecay", "Statistics", "StatisticsCount", "StepCount", "TrainStep", "VariantCount", "Variants",
        "WeightDecay", "WeightDecayHigh", "WeightDecayLow", "ZeroGradients");

    /// <summary>A layer's members start with its name, a layer kind and its 1-based index: <c>Dense1Weight</c>, <c>Lstm2Hidden</c>.</summary>
    public static readonly Regex LayerMember = new(
        "^(Dense|Conv2D|MaxPool2D|AvgPool2D|GlobalAvgPool2D|BatchNorm|LayerNorm|Dropout|Activation|Softmax|Flatten|Reshape|Embedding|SimpleRnn|Lstm|Gru)[0-9]+",
        RegexOptions.CultureInvariant);

    /// <summary>Whether a network class of this name would clash with a generated member.</summary>
    public static bool Clashes(string className) => FixedNames.Contains(className) || LayerMember.IsMatch(className);
}
