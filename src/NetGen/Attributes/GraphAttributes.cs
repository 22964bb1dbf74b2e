namespace NetGen;

/// <summary>
/// What every layer attribute shares: an optional <see cref="Name"/> (its checkpoint and ONNX name, and the name a
/// later join or <see cref="From"/> refers to) and an optional <see cref="From"/> (the named output it reads instead
/// of the previous layer's, which starts a branch).
/// </summary>
/// <example>
/// <code>
/// [Conv2D(16, 3, Padding = 1, Name = "stem")]
/// [Conv2D(8, 1, Name = "narrow")]                   // reads stem
/// [Conv2D(8, 3, Padding = 1, From = "stem")]        // reads stem too: a second branch
/// [Concat("narrow")]                                // 16 x H x W: this branch's 8 channels, then narrow's 8
/// </code>
/// </example>
public abstract class LayerAttribute : Attribute
{
    /// <summary>
    /// The layer's name, as a PyTorch module's: letters, digits and '_' starting with a letter. Its tensors are named
    /// <c>{Name}.weight</c> in checkpoints and ONNX files, and joins refer to its output by it. Default: the kind and a
    /// count, such as <c>dense2</c>.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The named layer (or <c>"input"</c>) whose output this layer reads; default: the layer declared before it.</summary>
    public string? From { get; set; }
}

/// <summary>
/// Adds outputs of the same shape element by element: <c>[Add("skip")]</c> adds the previous layer's output and the
/// output of the layer named <c>skip</c>; <c>[Add("a", "b")]</c> adds the named outputs. The gradient flows to every
/// input unchanged, which is what lets residual networks train deep.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Names the outputs to add (one name: the previous layer's output and that one).</summary>
    public AddAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The named outputs.</summary>
    public string[] Inputs { get; }
}

/// <summary>
/// Joins outputs along one axis of a sample, as <c>torch.cat(dim = Axis + 1)</c>: <c>[Concat("a")]</c> joins the
/// previous layer's output and the output named <c>a</c>, in that order; <c>[Concat("a", "b")]</c> the named outputs in
/// the order given. Every other dimension must agree.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ConcatAttribute : LayerAttribute
{
    /// <summary>Names the outputs to join (one name: the previous layer's output, then that one).</summary>
    public ConcatAttribute(params string[] inputs) => Inputs = inputs;

    /// <summary>The named outputs.</summary>
    public string[] Inputs { get; }

    /// <summary>
    /// The axis of one sample (without the batch dimension) to join along: 0 (default) is the channels of a
    /// (channels, height, width) output and the features of a vector; -1 counts from the last, such as the features
    /// of a (steps, features) sequence.
    /// </summary>
    public int Axis { get; set; }
}

/// <summary>
/// Opens a residual connection: the layers up to the matching <see cref="EndResidualAttribute"/> compute f, and the
/// output is <c>x + f(x)</c>, x being the output before this attribute (He et al., 2016). Residual connections nest.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ResidualAttribute : Attribute
{
    /// <summary>
    /// Where f changes the shape, a learned linear projection of x to f's shape on the shortcut: a dense layer without
    /// bias for vectors, a 1x1 convolution without bias (its stride from the shapes) for images, as ResNet's
    /// downsampling shortcut. Default false: shapes that differ are a build error naming both.
    /// </summary>
    public bool Projection { get; set; }

    /// <summary>The join's name (default <c>residual1</c>, ...); the projection's tensors are named <c>{Name}.projection.weight</c>.</summary>
    public string? Name { get; set; }
}

/// <summary>Closes the innermost open <see cref="ResidualAttribute"/>: the output becomes the shortcut plus the layers' output.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class EndResidualAttribute : Attribute;

/// <summary>
/// Marks a class whose layer attributes form a reusable block, used in networks through <see cref="BlockAttribute"/>.
/// The class gets no generated code; any class will do (a <c>static</c> or <c>sealed</c> one reads best).
/// </summary>
/// <example>
/// <code>
/// [NetworkBlock]
/// [Residual]
/// [Dense(64, Activation.ReLU)]
/// [Dense(64)]
/// [EndResidual]
/// public static class ResidualMlpBlock;
///
/// [Network(BatchSize = 64)]
/// [Input(784)]
/// [Dense(64, Activation.ReLU)]
/// [Block(typeof(ResidualMlpBlock), Repeat = 4, Name = "blocks")]   // blocks.0.dense1.weight, ..., blocks.3.dense2.bias
/// [Dense(10)]
/// [SoftmaxCrossEntropy]
/// [Adam]
/// public partial class DeepResidualMlp;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkBlockAttribute : Attribute;

/// <summary>
/// Inserts the layers of a <see cref="NetworkBlockAttribute"/> class, <see cref="Repeat"/> times in a row, each copy
/// with its own parameters. Tensors are named as a PyTorch <c>ModuleList</c>'s: <c>{Name}.{copy}.{layer}.weight</c>
/// (<c>{Name}.{layer}.weight</c> for a single copy).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BlockAttribute : Attribute
{
    /// <summary>Uses the block declared on <paramref name="block"/>.</summary>
    public BlockAttribute(Type block) => Block = block;

    /// <summary>The class that carries [NetworkBlock] and the block's layers.</summary>
    public Type Block { get; }

    /// <summary>Copies in a row, each with its own parameters. Default 1.</summary>
    public int Repeat { get; set; } = 1;

    /// <summary>The name of the copies' prefix (default <c>block1</c>, ...).</summary>
    public string? Name { get; set; }
}
