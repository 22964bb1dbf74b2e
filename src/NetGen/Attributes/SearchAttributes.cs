namespace NetGen;

/// <summary>
/// Marks a <c>partial</c> class as an architecture search space. The attributes on it, in source order, read
/// like a network's ([Input], [Dense], [Dropout], a loss, an optimizer) with <em>choice</em> attributes where a
/// structural decision is left open. The generator enumerates every combination of the structural choices at
/// build time and emits each as its own specialized network class, plus a registry <c>Variants</c> on this
/// class (name, description, parameter count, factory, declaration) and the run-time ranges
/// (<c>LearningRateLow</c>, <c>LearningRateHigh</c>) for a <c>NetGen.Search</c> strategy.
/// </summary>
/// <example>
/// <code>
/// [SearchSpace(BatchSize = 64, Seed = 1, MaxVariants = 64)]
/// [Input(784)]
/// [RepeatChoice(1, 2, 3, Layers = 2)]   // depth: the next 2 attributes repeat 1, 2 or 3 times
/// [DenseChoice(Units = new[] { 128, 256, 512 }, Activations = new[] { Activation.ReLU, Activation.Tanh })]
/// [NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm)]
/// [DropoutChoice(0.0, 0.2)]
/// [Dense(10)]
/// [SoftmaxCrossEntropy]
/// [BatchSizeChoice(64, 128)]
/// [InitializerChoice(WeightInit.Default, WeightInit.HeNormal)]
/// [OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
/// [LearningRateRange(1e-4, 1e-2)]
/// [WeightDecayRange(1e-6, 1e-3)]
/// public partial class MnistSearch;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SearchSpaceAttribute : Attribute
{
    /// <summary>Rows per training step of every variant (unless <see cref="BatchSizeChoiceAttribute"/> makes it a choice). Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Seed for initialization of every variant. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The most variants the structural choices may multiply to (each is a generated class). Default 64.</summary>
    public int MaxVariants { get; set; } = 64;
}

/// <summary>
/// Depth as a choice: the next <see cref="Layers"/> layer attributes form a block that repeats
/// <see cref="Counts"/> times. Choices inside the block are made once and shared by every repetition.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RepeatChoiceAttribute : Attribute
{
    /// <summary>Declares the repetition counts to try, each 1 or more.</summary>
    public RepeatChoiceAttribute(params int[] counts) => Counts = counts;

    /// <summary>The repetition counts to try.</summary>
    public int[] Counts { get; }

    /// <summary>How many of the following layer attributes form the repeated block. Default 1.</summary>
    public int Layers { get; set; } = 1;
}

/// <summary>A dense layer whose width and activation are choices: every combination of <see cref="Units"/> and <see cref="Activations"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseChoiceAttribute : Attribute
{
    /// <summary>The widths to try.</summary>
    public int[] Units { get; set; } = [];

    /// <summary>The activations to try. Default: ReLU only.</summary>
    public Activation[] Activations { get; set; } = [Activation.ReLU];
}

/// <summary>A dropout layer whose rate is a choice; a rate of 0 means no dropout layer at all.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutChoiceAttribute : Attribute
{
    /// <summary>Declares the rates to try, each in [0, 1).</summary>
    public DropoutChoiceAttribute(params double[] rates) => Rates = rates;

    /// <summary>The rates to try.</summary>
    public double[] Rates { get; }
}

/// <summary>The optimizers a search space can choose between (each with its usual defaults).</summary>
public enum SearchOptimizer
{
    /// <summary>SGD with momentum 0.9.</summary>
    Sgd,

    /// <summary>Adam (beta1 0.9, beta2 0.999).</summary>
    Adam,

    /// <summary>AdamW (decoupled weight decay 0.01).</summary>
    AdamW,

    /// <summary>RMSprop (alpha 0.99).</summary>
    RmsProp,
}

/// <summary>The optimizer as a structural choice (optimizers keep different state, so each is its own variant).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OptimizerChoiceAttribute : Attribute
{
    /// <summary>Declares the optimizers to try.</summary>
    public OptimizerChoiceAttribute(params SearchOptimizer[] optimizers) => Optimizers = optimizers;

    /// <summary>The optimizers to try.</summary>
    public SearchOptimizer[] Optimizers { get; }
}

/// <summary>
/// The learning rate as a run-time hyperparameter, drawn log-uniformly from [low, high]: it does not change
/// shapes, so it multiplies no generated code; the search sets <c>INetwork.LearningRate</c> on each trial.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LearningRateRangeAttribute : Attribute
{
    /// <summary>Declares the range, 0 &lt; low &lt;= high.</summary>
    public LearningRateRangeAttribute(double low, double high)
    {
        Low = low;
        High = high;
    }

    /// <summary>The smallest learning rate.</summary>
    public double Low { get; }

    /// <summary>The largest learning rate.</summary>
    public double High { get; }
}

/// <summary>
/// The weight decay as a run-time hyperparameter, drawn log-uniformly from [low, high]: like the learning rate it
/// changes no shapes, so it multiplies no generated code. Every variant then carries a settable
/// <see cref="NetGen.Search.IRuntimeWeightDecay.WeightDecay"/> that its optimizer reads at each step (L2 added to the
/// gradient for SGD, Adam, RMSprop, Adagrad, Adadelta, NAdam and RAdam; decoupled for AdamW and Lion), starting at the
/// optimizer's own weight decay.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WeightDecayRangeAttribute : Attribute
{
    /// <summary>Declares the range, 0 &lt; low &lt;= high.</summary>
    public WeightDecayRangeAttribute(double low, double high)
    {
        Low = low;
        High = high;
    }

    /// <summary>The smallest weight decay.</summary>
    public double Low { get; }

    /// <summary>The largest weight decay.</summary>
    public double High { get; }
}

/// <summary>
/// The batch size as a structural choice: it is a constant of every generated buffer, so each batch size is its own
/// variant. Replaces <see cref="SearchSpaceAttribute.BatchSize"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BatchSizeChoiceAttribute : Attribute
{
    /// <summary>Declares the batch sizes to try, each 1 or more.</summary>
    public BatchSizeChoiceAttribute(params int[] sizes) => Sizes = sizes;

    /// <summary>The batch sizes to try.</summary>
    public int[] Sizes { get; }
}

/// <summary>The normalization layers a search space can place (or leave out) at a point of the network.</summary>
public enum SearchNormalization
{
    /// <summary>No normalization layer.</summary>
    None,

    /// <summary>A [BatchNorm] layer (momentum 0.1, epsilon 1e-5).</summary>
    BatchNorm,

    /// <summary>A [LayerNorm] layer (epsilon 1e-5).</summary>
    LayerNorm,
}

/// <summary>
/// Normalization on or off as a structural choice, in layer position: <see cref="SearchNormalization.None"/> adds no
/// layer, the others add a [BatchNorm] or [LayerNorm] layer there. Inside a [RepeatChoice] block the choice is shared by
/// every repetition, as other choices are.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class NormalizationChoiceAttribute : Attribute
{
    /// <summary>Declares the normalizations to try, such as <c>None, BatchNorm</c> for on/off.</summary>
    public NormalizationChoiceAttribute(params SearchNormalization[] normalizations) => Normalizations = normalizations;

    /// <summary>The normalizations to try.</summary>
    public SearchNormalization[] Normalizations { get; }
}

/// <summary>
/// The weight initializer as a structural choice (it is emitted code): each variant initializes every dense layer of
/// the space, hidden and output, with one of <see cref="Initializers"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InitializerChoiceAttribute : Attribute
{
    /// <summary>Declares the initializers to try; each must need no scale (not <see cref="WeightInit.Constant"/>, <see cref="WeightInit.Uniform"/> or <see cref="WeightInit.Normal"/>).</summary>
    public InitializerChoiceAttribute(params WeightInit[] initializers) => Initializers = initializers;

    /// <summary>The initializers to try.</summary>
    public WeightInit[] Initializers { get; }
}
