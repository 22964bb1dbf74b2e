namespace NetGen;

/// <summary>
/// Element-wise activation applied after a layer. The numeric values are part of the
/// contract with the generator (it reads them from attribute arguments): append, never renumber.
/// </summary>
public enum Activation
{
    /// <summary>y = x (no activation; the default, as for logits feeding a loss).</summary>
    Identity = 0,
    /// <summary>y = max(0, x).</summary>
    ReLU = 1,
    /// <summary>y = 1 / (1 + e^-x). Saturates: deep stacks of it make gradients vanish.</summary>
    Sigmoid = 2,
    /// <summary>y = tanh(x). Saturates: deep stacks of it make gradients vanish.</summary>
    Tanh = 3,
    /// <summary>y = x for x &gt; 0, else alpha * x (alpha 0.01 unless set, as PyTorch).</summary>
    LeakyReLU = 4,
    /// <summary>y = x for x &gt; 0, else alpha * (e^x - 1) (alpha 1 unless set).</summary>
    ELU = 5,
    /// <summary>y = x * Phi(x), the exact Gaussian error linear unit (erf form).</summary>
    GELU = 6,
    /// <summary>GELU's tanh approximation (PyTorch's approximate="tanh").</summary>
    GELUTanh = 7,
    /// <summary>SiLU / Swish: y = x * sigmoid(x).</summary>
    SiLU = 8,
    /// <summary>y = log(1 + e^x) (PyTorch's beta 1, linear above 20).</summary>
    Softplus = 9,
}
