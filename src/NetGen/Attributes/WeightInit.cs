namespace NetGen;

/// <summary>
/// How a layer's weights are initialized from the network's seed. fan_in and fan_out are the
/// layer's input and output sizes (times the kernel area for convolutions). The numeric values
/// are part of the contract with the generator: append, never renumber.
/// </summary>
public enum WeightInit
{
    /// <summary>PyTorch's default for Linear/Conv: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias.</summary>
    Default = 0,
    /// <summary>All zeros. Every unit stays identical: symmetry is never broken.</summary>
    Zeros = 1,
    /// <summary>Every weight equal to <c>InitScale</c>. Every unit stays identical: symmetry is never broken.</summary>
    Constant = 2,
    /// <summary>U(-InitScale, InitScale).</summary>
    Uniform = 3,
    /// <summary>N(0, InitScale^2).</summary>
    Normal = 4,
    /// <summary>Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). Keras's default.</summary>
    GlorotUniform = 5,
    /// <summary>Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)).</summary>
    GlorotNormal = 6,
    /// <summary>He/Kaiming uniform for ReLU: U(-a, a), a = sqrt(6 / fan_in).</summary>
    HeUniform = 7,
    /// <summary>He/Kaiming normal for ReLU: N(0, 2 / fan_in).</summary>
    HeNormal = 8,
    /// <summary>LeCun uniform: U(-a, a), a = sqrt(3 / fan_in).</summary>
    LeCunUniform = 9,
    /// <summary>LeCun normal: N(0, 1 / fan_in).</summary>
    LeCunNormal = 10,
    /// <summary>A (semi-)orthogonal matrix scaled by <c>InitScale</c> (1 when unset), as torch.nn.init.orthogonal_.</summary>
    Orthogonal = 11,
}
