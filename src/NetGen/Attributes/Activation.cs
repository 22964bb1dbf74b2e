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
}
