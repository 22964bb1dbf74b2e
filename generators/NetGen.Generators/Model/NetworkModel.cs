namespace NetGen.Generators.Model;

// The parser's output: what the user declared, as plain equatable records (no Roslyn types).
// Enum values mirror NetGen.Activation and NetGen.WeightInit in the runtime; a test keeps them in step.

public enum ActivationKind
{
    Identity = 0,
    ReLU = 1,
    Sigmoid = 2,
    Tanh = 3,
    LeakyReLU = 4,
    ELU = 5,
    GELU = 6,
    GELUTanh = 7,
    SiLU = 8,
    Softplus = 9,
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
    AdamW,
    RmsProp,
    Adagrad,
    Adadelta,
    NAdam,
    RAdam,
    Lion,
}

public enum ScheduleKind
{
    StepDecay,
    ExponentialDecay,
    CosineAnnealing,
    LinearWarmup,
    ReduceOnPlateau,
}

/// <summary>
/// One declared layer, a node of the network graph. <see cref="Index"/> is its position in the network's layer list,
/// 0-based (blocks expanded, each copy's layers in place).
/// </summary>
public abstract record LayerSpec(int Index)
{
    /// <summary>
    /// The layers whose outputs this one reads, as indices into the layer list (-1: the network input); empty (the
    /// default, and what a straight stack has) reads the layer before it.
    /// </summary>
    public EquatableArray<int> Inputs { get; init; }

    /// <summary>The name the user gave ([Dense(..., Name = "fc")]); null: the kind and a count, such as dense2.</summary>
    public string? Name { get; init; }

    /// <summary>The prefix of a block copy's layers, such as "blocks.0." (PyTorch's module path); "" outside blocks.</summary>
    public string Scope { get; init; } = "";

    /// <summary>The kind as written in attributes and generated names ("Dense", "Conv2D", "Residual").</summary>
    public virtual string KindName => GetType().Name.EndsWith("Spec", System.StringComparison.Ordinal) ? GetType().Name.Substring(0, GetType().Name.Length - 4) : GetType().Name;

    /// <summary>The layers this one reads: <see cref="Inputs"/>, or the layer before it (-1 for the first).</summary>
    public EquatableArray<int> Sources => Inputs.Count > 0 ? Inputs : EquatableArray.Create(Index - 1);
}

/// <summary>
/// The learned shortcut of [Residual(Projection = true)]: maps its input to the shape of layer <see cref="Target"/>
/// (the residual branch's output). Shape inference makes it a dense layer without bias (vectors, sequences) or a 1x1
/// convolution without bias whose stride comes from the shapes (images).
/// </summary>
public sealed record ProjectionSpec(int Index, int Target) : LayerSpec(Index);

/// <summary>An activation and its alpha (NaN: the activation's default).</summary>
public sealed record ActivationSpec(ActivationKind Kind, double Alpha)
{
    public static ActivationSpec Identity { get; } = new(ActivationKind.Identity, double.NaN);

    public bool IsIdentity => Kind == ActivationKind.Identity;

    /// <summary>LeakyReLU and ELU take alpha; the default is PyTorch's.</summary>
    public bool HasAlpha => Kind is ActivationKind.LeakyReLU or ActivationKind.ELU;

    public double EffectiveAlpha => !double.IsNaN(Alpha) ? Alpha : Kind == ActivationKind.LeakyReLU ? 0.01 : 1.0;

    /// <summary>Saturating activations make gradients vanish in deep stacks.</summary>
    public bool Saturates => Kind is ActivationKind.Sigmoid or ActivationKind.Tanh;

    public override string ToString() => HasAlpha && !double.IsNaN(Alpha) ? $"{Kind}({Alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)})" : Kind.ToString();
}

/// <summary>Per-layer weight penalties; NaN means "the network's [Regularization]".</summary>
public sealed record PenaltySpec(double L1, double L2)
{
    public static PenaltySpec Inherit { get; } = new(double.NaN, double.NaN);

    public static PenaltySpec None { get; } = new(0, 0);

    public PenaltySpec Over(PenaltySpec network) => new(double.IsNaN(L1) ? network.L1 : L1, double.IsNaN(L2) ? network.L2 : L2);

    public bool IsNone => L1 == 0 && L2 == 0;
}

public sealed record LossSpec(LossKind Kind);

/// <summary>
/// An optimizer and its hyperparameters (those that do not apply to <see cref="Kind"/> keep their defaults).
/// <see cref="RuntimeWeightDecay"/>: the weight decay is a settable property starting at <see cref="WeightDecay"/>
/// rather than a constant (search variants with [WeightDecayRange]).
/// </summary>
public sealed record OptimizerSpec(
    OptimizerKind Kind,
    double LearningRate,
    double Momentum,
    bool Nesterov,
    double Beta1,
    double Beta2,
    double Epsilon,
    double WeightDecay,
    bool Amsgrad = false,
    double Alpha = 0.99,
    bool Centered = false,
    double LearningRateDecay = 0,
    bool RuntimeWeightDecay = false,
    double Rho = 0.9,
    double MomentumDecay = 4e-3);

/// <summary>A learning-rate schedule: <see cref="Steps"/> is the step size, total steps or warm-up steps; <see cref="Value"/> gamma, minimum rate, start factor or reduction factor.</summary>
public sealed record ScheduleSpec(ScheduleKind Kind, int Steps, double Value, int Patience = 0, double Threshold = 0, int Cooldown = 0, double MinLearningRate = 0);

/// <summary>Gradient clipping; 0 disables each.</summary>
public sealed record ClippingSpec(double MaxNorm, double MaxValue)
{
    public static ClippingSpec None { get; } = new(0, 0);
}

/// <summary>Options that apply to the whole network's training.</summary>
public sealed record TrainingSpec(PenaltySpec Penalty, ClippingSpec Clipping, EquatableArray<ScheduleSpec> Schedules)
{
    public static TrainingSpec Default { get; } = new(PenaltySpec.None, ClippingSpec.None, EquatableArray<ScheduleSpec>.Empty);
}

/// <summary>
/// A declared network: the class it belongs to and its layers in order. <see cref="Bfloat16Inference"/>: [Bfloat16Inference]
/// asks for PredictBfloat16, with every dense weight also kept as bfloat16.
/// </summary>
public sealed record NetworkModel(
    string? Namespace,
    string ClassName,
    int BatchSize,
    int Seed,
    EquatableArray<int> InputShape,
    EquatableArray<LayerSpec> Layers,
    LossSpec Loss,
    OptimizerSpec Optimizer,
    TrainingSpec? Training = null,
    bool Bfloat16Inference = false)
{
    public TrainingSpec Options => Training ?? TrainingSpec.Default;

    /// <summary>
    /// The names the user's class already has (its own members and what it inherits), sorted: a generated member of the
    /// same name would not compile, so the emitter adds no code then and NG0015 names the user's member.
    /// </summary>
    public EquatableArray<string> UserMemberNames { get; init; }

    /// <summary>Which of <see cref="UserMemberNames"/> are only methods: a generated method of the same name is an overload, not a clash.</summary>
    public EquatableArray<string> UserMethodNames { get; init; }

    /// <summary>The ONNX file ([OnnxModel]) the layers were imported from, whose weights the parameters start from; null for declared layers.</summary>
    public string? ImportedFrom { get; init; }
}

// Issue 6: recurrent networks.
