namespace NetGen;

/// <summary>
/// Stochastic gradient descent with optional momentum, as torch.optim.SGD:
/// <c>g += wd*p; v = mu*v + g; p -= lr * (nesterov ? g + mu*v : v)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.01.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Momentum factor in [0, 1). Default 0 (plain SGD).</summary>
    public double Momentum { get; set; }

    /// <summary>Use Nesterov momentum (needs Momentum &gt; 0).</summary>
    public bool Nesterov { get; set; }

    /// <summary>L2 penalty added to the gradient (coupled weight decay). Default 0.</summary>
    public double WeightDecay { get; set; }
}

/// <summary>
/// Adam (Kingma and Ba, 2015), as torch.optim.Adam: bias-corrected first and second moments,
/// <c>p -= lr * m_hat / (sqrt(v_hat) + eps)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdamAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.001.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Decay of the first moment, in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the second moment, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Added to the denominator for stability. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>L2 penalty added to the gradient (coupled, as torch.optim.Adam). Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>AMSGrad (Reddi et al., 2018): divide by the running maximum of the second moment.</summary>
    public bool Amsgrad { get; set; }
}

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019), as torch.optim.AdamW: Adam with decoupled weight decay,
/// <c>p -= lr * wd * p</c> before the Adam update.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdamWAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.001.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Decay of the first moment, in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the second moment, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Added to the denominator for stability. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Decoupled weight decay. Default 0.01 (PyTorch).</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>AMSGrad variant.</summary>
    public bool Amsgrad { get; set; }
}

/// <summary>RMSprop (Hinton), as torch.optim.RMSprop: <c>v = alpha v + (1 - alpha) g^2; p -= lr g / (sqrt(v) + eps)</c>, optionally centered and with momentum.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RmsPropAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.01 (PyTorch).</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Smoothing constant of the squared-gradient average, in [0, 1). Default 0.99.</summary>
    public double Alpha { get; set; } = 0.99;

    /// <summary>Added to the denominator for stability. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Momentum factor in [0, 1). Default 0.</summary>
    public double Momentum { get; set; }

    /// <summary>Normalize by the estimated variance (centered RMSprop).</summary>
    public bool Centered { get; set; }

    /// <summary>L2 penalty added to the gradient. Default 0.</summary>
    public double WeightDecay { get; set; }
}

/// <summary>Adagrad (Duchi et al., 2011), as torch.optim.Adagrad: <c>s += g^2; p -= lr_t g / (sqrt(s) + eps)</c>, <c>lr_t = lr / (1 + (t - 1) lr_decay)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdagradAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.01.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Learning-rate decay per step. Default 0.</summary>
    public double LearningRateDecay { get; set; }

    /// <summary>Added to the denominator for stability. Default 1e-10.</summary>
    public double Epsilon { get; set; } = 1e-10;

    /// <summary>L2 penalty added to the gradient. Default 0.</summary>
    public double WeightDecay { get; set; }
}
