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
