namespace NetGen;

/// <summary>
/// Inverted dropout: in training, zeroes each value with probability <c>rate</c> and scales the rest by
/// 1 / (1 - rate); in inference, passes values through. Masks are reproducible from the network's seed.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Declares a dropout layer with drop probability <paramref name="rate"/> in [0, 1).</summary>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>The probability of dropping each value, in [0, 1).</summary>
    public double Rate { get; }
}

/// <summary>
/// Batch normalization (Ioffe and Szegedy, 2015), as PyTorch's BatchNorm1d after a dense layer and BatchNorm2d
/// (per channel) after a convolution: training normalizes with the batch statistics and updates running
/// statistics; inference uses the running statistics. Learnable scale (gamma, starts at 1) and shift (beta, 0).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Weight of the new batch statistic in the running average, in [0, 1]. Default 0.1 (PyTorch).</summary>
    public double Momentum { get; set; } = 0.1;

    /// <summary>Added to the variance for stability. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>Layer normalization (Ba et al., 2016) over all of each sample's values, with learnable scale and shift.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : LayerAttribute
{
    /// <summary>Added to the variance for stability. Default 1e-5.</summary>
    public double Epsilon { get; set; } = 1e-5;
}

/// <summary>
/// Weight penalties for every dense and convolution weight of the network (biases and normalization
/// parameters are not penalized), added to the reported loss and to the gradients, as Keras's
/// kernel_regularizer: L1 adds <c>L1 * sum|w|</c>, L2 adds <c>L2 * sum w^2</c>. A layer's own
/// <c>L1</c>/<c>L2</c> properties override these.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RegularizationAttribute : Attribute
{
    /// <summary>L1 coefficient, zero or positive.</summary>
    public double L1 { get; set; }

    /// <summary>L2 coefficient, zero or positive.</summary>
    public double L2 { get; set; }
}

/// <summary>
/// Gradient clipping before each optimizer step: by global L2 norm (torch.nn.utils.clip_grad_norm_) and/or
/// by value (clip_grad_value_). The norm before clipping is available as <c>LastGradientNorm</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ClipGradientsAttribute : Attribute
{
    /// <summary>Largest global L2 norm of all gradients; 0 (default) for no norm clipping.</summary>
    public double MaxNorm { get; set; }

    /// <summary>Largest absolute value of each gradient; 0 (default) for no value clipping.</summary>
    public double MaxValue { get; set; }
}
