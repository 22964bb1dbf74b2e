namespace NetGen.Kernels;

/// <summary>
/// The constant shape of a small dense layer, as static members of a struct the generator emits per layer
/// (<c>private readonly struct Dense3Shape : IDenseShape</c>). <see cref="DenseSmall"/>'s kernels are generic over it,
/// so the JIT compiles one copy per layer with <see cref="Inputs"/> and <see cref="Units"/> as constants: constant trip
/// counts, constant masks, and the unrolled per-unit code of units the layer does not have removed.
/// </summary>
public interface IDenseShape
{
    /// <summary>Inputs per sample (K), 1 to <see cref="DenseSmall.MaxInputs"/>.</summary>
    static abstract int Inputs { get; }

    /// <summary>Units (N), 1 to <see cref="DenseSmall.MaxUnits"/>.</summary>
    static abstract int Units { get; }
}
