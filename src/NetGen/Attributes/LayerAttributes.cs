namespace NetGen;

/// <summary>
/// A fully connected layer: <c>y = activation(x W^T + b)</c>, with W stored as [units, inputs]
/// (PyTorch's Linear layout).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>Declares a dense layer of <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units, Activation activation = Activation.Identity)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>Activation applied to the outputs.</summary>
    public Activation Activation { get; }

    /// <summary>Weight initializer; <see cref="WeightInit.Default"/> is PyTorch's Linear default.</summary>
    public WeightInit Init { get; set; }

    /// <summary>Scale for <see cref="WeightInit.Constant"/>, <see cref="WeightInit.Uniform"/>, <see cref="WeightInit.Normal"/> and <see cref="WeightInit.Orthogonal"/>.</summary>
    public double InitScale { get; set; } = double.NaN;

    /// <summary>Whether the layer has a bias. Default true.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>The slope of <see cref="Activation.LeakyReLU"/> (default 0.01) or scale of <see cref="Activation.ELU"/> (default 1).</summary>
    public double ActivationAlpha { get; set; } = double.NaN;

    /// <summary>L1 penalty on this layer's weight; overrides [Regularization]. NaN (default) uses the network's.</summary>
    public double L1 { get; set; } = double.NaN;

    /// <summary>L2 penalty on this layer's weight; overrides [Regularization]. NaN (default) uses the network's.</summary>
    public double L2 { get; set; } = double.NaN;
}

/// <summary>
/// Flattens a (channels, height, width) or (steps, features) shape to a vector, as
/// <c>x.reshape(-1, features)</c>. Free at run time: the data is already contiguous.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute;
