namespace NetGen;

/// <summary>
/// An activation as a layer of its own, for example after batch normalization:
/// <c>[Dense(128)] [BatchNorm] [Activation(Activation.ReLU)]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ActivationAttribute : LayerAttribute
{
    /// <summary>Declares the activation layer.</summary>
    public ActivationAttribute(Activation activation) => Activation = activation;

    /// <summary>The function applied element-wise.</summary>
    public Activation Activation { get; }

    /// <summary>The slope (LeakyReLU, default 0.01) or scale (ELU, default 1); ignored by the others.</summary>
    public double Alpha { get; set; } = double.NaN;
}

/// <summary>Softmax over each sample's features, as a layer (for a probability output trained with <see cref="MeanSquaredErrorAttribute"/>, say).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : LayerAttribute;
