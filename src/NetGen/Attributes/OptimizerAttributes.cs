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

/// <summary>
/// Adadelta (Zeiler, 2012), as torch.optim.Adadelta (PyTorch's MNIST example trains with it at lr = 1 and StepLR):
/// <c>s = rho s + (1 - rho) g^2; d = sqrt(a + eps) / sqrt(s + eps) g; a = rho a + (1 - rho) d^2; p -= lr d</c>.
/// State: <c>square_avg</c> and <c>acc_delta</c> in checkpoints.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdadeltaAttribute : Attribute
{
    /// <summary>Learning rate (a scale on the update). Default 1.0 (PyTorch).</summary>
    public double LearningRate { get; set; } = 1.0;

    /// <summary>Decay of both running averages, in [0, 1]. Default 0.9.</summary>
    public double Rho { get; set; } = 0.9;

    /// <summary>Added inside both square roots. Default 1e-6.</summary>
    public double Epsilon { get; set; } = 1e-6;

    /// <summary>L2 penalty added to the gradient. Default 0.</summary>
    public double WeightDecay { get; set; }
}

/// <summary>
/// NAdam (Dozat, 2016: Adam with Nesterov momentum), as torch.optim.NAdam: the momentum μ_t = β1 (1 - ½ 0.96^(t ψ))
/// grows with the step, and the update mixes the current gradient and the first moment, each bias-corrected by the
/// product of the μ's. State: <c>exp_avg</c> and <c>exp_avg_sq</c> in checkpoints (the μ product follows from the step count).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class NAdamAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.002 (PyTorch).</summary>
    public double LearningRate { get; set; } = 2e-3;

    /// <summary>Decay of the first moment, in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the second moment, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Added to the denominator for stability. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>L2 penalty added to the gradient (coupled, as torch.optim.NAdam). Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>ψ of the momentum schedule μ_t = β1 (1 - ½ 0.96^(t ψ)). Default 0.004.</summary>
    public double MomentumDecay { get; set; } = 4e-3;
}

/// <summary>
/// RAdam (Liu et al., 2020: rectified Adam), as torch.optim.RAdam: while the variance of the adaptive rate is not
/// tractable (ρ_t ≤ 5, the first five steps with β2 = 0.999) the update is SGD with momentum on the bias-corrected first
/// moment; after that, Adam's update scaled by the rectification r_t. State: <c>exp_avg</c> and <c>exp_avg_sq</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RAdamAttribute : Attribute
{
    /// <summary>Learning rate. Default 0.001.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Decay of the first moment, in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the second moment, in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>Added to the denominator for stability. Default 1e-8.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>L2 penalty added to the gradient (coupled, as torch.optim.RAdam). Default 0.</summary>
    public double WeightDecay { get; set; }
}

/// <summary>
/// Lion (Chen et al., 2023: evolved sign momentum), as the paper's PyTorch implementation (torch.optim has none):
/// <c>p *= 1 - lr wd; p -= lr sign(β1 m + (1 - β1) g); m = β2 m + (1 - β2) g</c>. Every parameter moves by ±lr, so
/// Lion's learning rate is usually 3-10x smaller than AdamW's. State: <c>exp_avg</c> in checkpoints.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LionAttribute : Attribute
{
    /// <summary>Learning rate. Default 1e-4.</summary>
    public double LearningRate { get; set; } = 1e-4;

    /// <summary>Weight of the momentum in the update's interpolation, in [0, 1]. Default 0.9.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Decay of the momentum, in [0, 1]. Default 0.99.</summary>
    public double Beta2 { get; set; } = 0.99;

    /// <summary>Decoupled weight decay (<c>p *= 1 - lr wd</c>). Default 0.</summary>
    public double WeightDecay { get; set; }
}
