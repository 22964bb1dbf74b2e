namespace NetGen;

/// <summary>
/// A 2-D convolution over a (channels, height, width) input, as PyTorch's <c>Conv2d</c>: cross-correlation
/// with a square kernel, zero padding, stride and dilation, then <see cref="Activation"/>.
/// The weight is stored as [filters, inChannels, kernel, kernel] (PyTorch's layout).
/// </summary>
/// <example><c>[Conv2D(6, kernel: 5, Padding = 2, Activation = Activation.ReLU)]</c>: 1x28x28 -> 6x28x28.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>Declares a convolution with <paramref name="filters"/> output channels and a <paramref name="kernel"/> x <paramref name="kernel"/> window.</summary>
    public Conv2DAttribute(int filters, int kernel)
    {
        Filters = filters;
        Kernel = kernel;
    }

    /// <summary>Output channels (PyTorch's <c>out_channels</c>).</summary>
    public int Filters { get; }

    /// <summary>Side of the square kernel.</summary>
    public int Kernel { get; }

    /// <summary>Step between windows, in both dimensions. Default 1.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>
    /// Zeros added on every side, in both dimensions. Default 0. For Keras's <c>padding="same"</c>,
    /// set <see cref="SamePadding"/> instead.
    /// </summary>
    public int Padding { get; set; }

    /// <summary>
    /// Pads as Keras's and TensorFlow's <c>padding="same"</c>: the output is <c>ceil(input / Stride)</c> in each
    /// dimension, padded by <c>total = max((ceil(input / Stride) - 1) * Stride + Dilation * (Kernel - 1) + 1 - input, 0)</c>
    /// zeros, <c>total / 2</c> above (left) and the rest below (right). The two sides differ when the total is odd (an
    /// even kernel, or a stride on some sizes): there PyTorch's <c>padding=kernel//2</c> would start the windows one
    /// row or column earlier. Any kernel. ONNX export writes the sides in <c>pads</c>. Default false.
    /// </summary>
    public bool SamePadding { get; set; }

    /// <summary>Spacing between kernel taps (PyTorch's <c>dilation</c>). Default 1.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Activation applied to the outputs. Default <see cref="Activation.Identity"/>.</summary>
    public Activation Activation { get; set; }

    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> (default 0.01) or scale of <see cref="Activation.ELU"/> (default 1).</summary>
    public double ActivationAlpha { get; set; } = double.NaN;

    /// <summary>
    /// Weight initializer; <see cref="WeightInit.Default"/> is PyTorch's Conv2d default, U(±1/sqrt(fan_in)) for
    /// weight and bias with fan_in = inChannels * kernel * kernel. Glorot uses fan_out = filters * kernel * kernel.
    /// </summary>
    public WeightInit Init { get; set; }

    /// <summary>Scale for <see cref="WeightInit.Constant"/>, <see cref="WeightInit.Uniform"/>, <see cref="WeightInit.Normal"/> and <see cref="WeightInit.Orthogonal"/>.</summary>
    public double InitScale { get; set; } = double.NaN;

    /// <summary>Whether the layer has a bias (one per filter). Default true.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>L1 penalty on this layer's weight; overrides [Regularization]. NaN (default) uses the network's.</summary>
    public double L1 { get; set; } = double.NaN;

    /// <summary>L2 penalty on this layer's weight; overrides [Regularization]. NaN (default) uses the network's.</summary>
    public double L2 { get; set; } = double.NaN;
}

/// <summary>
/// Max pooling over square windows of a (channels, height, width) input, as PyTorch's <c>MaxPool2d</c>
/// (padding counts as -infinity). The output keeps the channels.
/// </summary>
/// <example><c>[MaxPool2D(2)]</c>: 6x28x28 -> 6x14x14.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : LayerAttribute
{
    private int? _stride;

    /// <summary>Declares max pooling over <paramref name="size"/> x <paramref name="size"/> windows.</summary>
    public MaxPool2DAttribute(int size) => Size = size;

    /// <summary>Side of the square window.</summary>
    public int Size { get; }

    /// <summary>Step between windows. Default: <see cref="Size"/> (windows that do not overlap), as PyTorch.</summary>
    public int Stride { get => _stride ?? Size; set => _stride = value; }

    /// <summary>Padding on every side, at most half the window. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// Average pooling over square windows of a (channels, height, width) input, as PyTorch's <c>AvgPool2d</c>
/// with <c>count_include_pad=True</c>: padding counts as zeros, and every window divides by <c>size * size</c>.
/// </summary>
/// <example><c>[AvgPool2D(2)]</c>: 16x10x10 -> 16x5x5.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : LayerAttribute
{
    private int? _stride;

    /// <summary>Declares average pooling over <paramref name="size"/> x <paramref name="size"/> windows.</summary>
    public AvgPool2DAttribute(int size) => Size = size;

    /// <summary>Side of the square window.</summary>
    public int Size { get; }

    /// <summary>Step between windows. Default: <see cref="Size"/> (windows that do not overlap), as PyTorch.</summary>
    public int Stride { get => _stride ?? Size; set => _stride = value; }

    /// <summary>Padding on every side, at most half the window. Default 0.</summary>
    public int Padding { get; set; }
}

/// <summary>
/// Global average pooling: the mean of each channel's plane, (channels, height, width) -> (channels),
/// as Keras's <c>GlobalAveragePooling2D</c> (PyTorch's <c>AdaptiveAvgPool2d(1)</c> then <c>flatten</c>).
/// A dense layer can follow directly.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GlobalAvgPool2DAttribute : LayerAttribute;

/// <summary>
/// Gives the data a new shape with the same number of elements per sample, as <c>x.reshape(-1, ...)</c>
/// without the batch dimension; one dimension may be -1, inferred from the others. Free at run time.
/// </summary>
/// <example><c>[Input(784)] [Reshape(1, 28, 28)]</c> turns flat MNIST rows into images for a convolution.</example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReshapeAttribute : LayerAttribute
{
    /// <summary>Declares the new shape of one sample, outermost dimension first; at most one dimension may be -1.</summary>
    public ReshapeAttribute(params int[] shape) => Shape = shape;

    /// <summary>The new shape of one sample, outermost dimension first, as declared (-1 not yet inferred).</summary>
    public int[] Shape { get; }
}
