namespace NetGen.Generators.Model;

// The parser's output: what the user declared, as plain equatable records (no Roslyn types).
// Enum values mirror NetGen.Activation and NetGen.WeightInit in the runtime; a test keeps them in step.

public enum ActivationKind
{
    Identity = 0,
    ReLU = 1,
    Sigmoid = 2,
    Tanh = 3,
}

public enum WeightInitKind
{
    Default = 0,
    Zeros = 1,
    Constant = 2,
    Uniform = 3,
    Normal = 4,
    GlorotUniform = 5,
    GlorotNormal = 6,
    HeUniform = 7,
    HeNormal = 8,
    LeCunUniform = 9,
    LeCunNormal = 10,
    Orthogonal = 11,
}

public enum LossKind
{
    SoftmaxCrossEntropy,
    MeanSquaredError,
}

public enum OptimizerKind
{
    Sgd,
    Adam,
}

/// <summary>One declared layer. <see cref="Index"/> is its position among the layer attributes, 0-based.</summary>
public abstract record LayerSpec(int Index);

/// <summary>[Dense(units, activation, Init = ..., InitScale = ..., UseBias = ...)].</summary>
public sealed record DenseSpec(int Index, int Units, ActivationKind Activation, WeightInitKind Init, double InitScale, bool UseBias)
    : LayerSpec(Index);

/// <summary>[Flatten].</summary>
public sealed record FlattenSpec(int Index) : LayerSpec(Index);

public sealed record LossSpec(LossKind Kind);

/// <summary>An optimizer and its hyperparameters (those that do not apply to <see cref="Kind"/> keep their defaults).</summary>
public sealed record OptimizerSpec(
    OptimizerKind Kind,
    double LearningRate,
    double Momentum,
    bool Nesterov,
    double Beta1,
    double Beta2,
    double Epsilon,
    double WeightDecay);

/// <summary>A declared network: the class it belongs to and its layers in order.</summary>
public sealed record NetworkModel(
    string? Namespace,
    string ClassName,
    int BatchSize,
    int Seed,
    EquatableArray<int> InputShape,
    EquatableArray<LayerSpec> Layers,
    LossSpec Loss,
    OptimizerSpec Optimizer);

/// <summary>
/// [Conv2D(filters, kernel, Stride = ..., Padding = ..., SamePadding = ..., Dilation = ..., Activation = ..., Init = ..., InitScale = ..., UseBias = ...)]:
/// a square kernel, the same stride, padding and dilation in both dimensions.
/// </summary>
public sealed record Conv2DSpec(int Index, int Filters, int Kernel, int Stride, int Padding, bool SamePadding, int Dilation,
    ActivationKind Activation, WeightInitKind Init, double InitScale, bool UseBias) : LayerSpec(Index)
{
    /// <summary>Positions one kernel spans with its dilation: <c>dilation * (kernel - 1) + 1</c>.</summary>
    public int KernelExtent => Dilation * (Kernel - 1) + 1;

    /// <summary>The padding on every side: <see cref="Padding"/>, or <c>(extent - 1) / 2</c> with <see cref="SamePadding"/>.</summary>
    public int EffectivePadding => SamePadding ? (KernelExtent - 1) / 2 : Padding;
}

public enum PoolKind
{
    Max,
    Average,
}

/// <summary>[MaxPool2D(size, Stride = ..., Padding = ...)] or [AvgPool2D(...)]: square windows.</summary>
public sealed record Pool2DSpec(int Index, PoolKind Kind, int Size, int Stride, int Padding) : LayerSpec(Index);

/// <summary>[GlobalAvgPool2D]: (channels, height, width) -> (channels).</summary>
public sealed record GlobalAvgPool2DSpec(int Index) : LayerSpec(Index);

/// <summary>[Reshape(shape)]: the declared dimensions, at most one of them -1 (inferred by shape inference).</summary>
public sealed record ReshapeSpec(int Index, EquatableArray<int> Shape) : LayerSpec(Index);
