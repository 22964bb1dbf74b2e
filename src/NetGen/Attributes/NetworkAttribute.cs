namespace NetGen;

/// <summary>
/// Marks a <c>partial</c> class as a NetGen network. The layer attributes on the same declaration,
/// in source order, are the layers; the generator emits the class's forward, backward and
/// training code with every shape as a constant.
/// </summary>
/// <example>
/// <code>
/// [Network(BatchSize = 64, Seed = 1)]
/// [Input(784)]
/// [Dense(256, Activation.ReLU)]
/// [Dense(10)]
/// [SoftmaxCrossEntropy]
/// [Adam(LearningRate = 1e-3)]
/// public partial class Mlp;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>Rows per training step; every buffer is sized for it. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Seed for initialization, dropout masks and shuffling. Default 0.</summary>
    public int Seed { get; set; }
}

/// <summary>The shape of one input sample: <c>[Input(784)]</c> for vectors, <c>[Input(1, 28, 28)]</c> for images (channels, height, width).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares the input shape, outermost dimension first.</summary>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The input shape, outermost dimension first.</summary>
    public int[] Shape { get; }
}
