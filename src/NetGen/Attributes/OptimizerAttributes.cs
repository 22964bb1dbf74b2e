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
}
