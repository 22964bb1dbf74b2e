using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>
/// The kernels a dense layer's generated code calls, chosen at build time from its shape (pure arithmetic on the
/// model, like the rest of Shapes/): whether its activation runs inside the product's epilogue, and whether its
/// products may be split across the cores.
/// </summary>
/// <remarks>
/// The thresholds mirror the runtime's (NetGen.Kernels.Gemm.ParallelThreshold and DotParallelThreshold): a product
/// below them at the full batch is emitted as single-threaded for good, so it never touches the worker pool; one
/// above them is emitted as parallel, and the runtime still keeps a short last batch on one thread when it is
/// too small to pay for waking a core.
/// </remarks>
internal static class DenseKernelChoice
{
    /// <summary>Multiply-adds from which a packed product pays for splitting across the cores (Gemm.ParallelThreshold).</summary>
    public const long ParallelMultiplyAdds = 1 << 18;

    /// <summary>Multiply-adds from which a few-row product (under 8 rows: dot products of rows) pays for splitting (Gemm.DotParallelThreshold).</summary>
    public const long FewRowsParallelMultiplyAdds = 1 << 16;

    /// <summary>
    /// Multiply-adds of both products at one row from which two dense layers in a row pay for one pass over the cores
    /// (NetGen.Kernels.TwoLayerShares.ParallelMultiplyAdds): LeNet-5's 400 -> 120 -> 84, 58,080, measured 2.2 us on two
    /// cores against 3.4 us on one.
    /// </summary>
    public const long TwoLayerParallelMultiplyAdds = 1 << 15;

    /// <summary>Whether two dense layers in a row (inputs -> hidden -> units) at one row are large enough to split across the cores as one pass.</summary>
    public static bool TwoLayersParallel(int inputs, int hiddenUnits, int units) =>
        (long)hiddenUnits * (inputs + units) >= TwoLayerParallelMultiplyAdds;

    /// <summary>Rows below which the runtime computes a product as dot products of rows rather than packed tiles (Gemm.TileRows).</summary>
    public const int FewRows = 8;

    /// <summary>Most units of a layer whose backward is specialized to its shape (NetGen.Kernels.DenseSmall.MaxUnits: two Vector512 of floats).</summary>
    public const int SpecializedMaxUnits = 32;

    /// <summary>Most units of a layer whose forward is specialized to its shape (NetGen.Kernels.DenseSmall.BlockUnits: one Vector512 of floats).</summary>
    public const int SpecializedForwardMaxUnits = 16;

    /// <summary>Most inputs of a layer whose kernels are specialized to its shape (NetGen.Kernels.DenseSmall.MaxInputs).</summary>
    public const int SpecializedMaxInputs = 1024;

    /// <summary>
    /// Whether the layer's backward calls the kernels specialized to its constant shape
    /// (DenseSmall.Backward&lt;Dense3Shape&gt;): at most 32 units and 1024 inputs, and products too small to split across
    /// the cores. Measured against the general kernels in one run (tests/NetGen.Benchmarks/README.md): 128 -> 10 at 64
    /// rows 2.5 us against 5.5 us, 84 -> 10 2.0 against 12.9 us, 128 -> 24 5.6 against 7.1 us, 64 -> 32 3.7 against
    /// 4.9 us; the big MLP's 1024 -> 10 at 256 rows (split across the cores) loses, 126-158 us against 116 us.
    /// </summary>
    public static bool SpecializedBackward(int rows, int inputs, int units) =>
        units <= SpecializedMaxUnits && inputs <= SpecializedMaxInputs && !Parallel(rows, inputs, units);

    /// <summary>
    /// Whether the layer's forward calls DenseSmall.Forward&lt;Dense3Shape&gt;: as the backward, at most 16 units. 128 -> 10
    /// at 64 rows 1.8 us against 5.9 us, 84 -> 10 1.5 against 5.7 us, 3 -> 8 0.38 against 0.84 us; at 17 to 32 units
    /// the forward runs as two blocks of units and the general packed kernel wins at 32 (64 -> 32: 3.7 against 2.8 us).
    /// </summary>
    public static bool SpecializedForward(int rows, int inputs, int units) =>
        units <= SpecializedForwardMaxUnits && SpecializedBackward(rows, inputs, units);

    /// <summary>
    /// Whether the activation is applied by the product's epilogue (Dense.Forward with an activation): those whose
    /// backward reads only the output, so the layer keeps no pre-activation buffer.
    /// </summary>
    public static bool FusesActivation(ActivationSpec activation) =>
        activation.Kind is ActivationKind.Identity or ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

    /// <summary>Multiply-adds of each of the layer's products (forward, input gradient, weight gradient) at the full batch.</summary>
    public static long MultiplyAdds(int rows, int inputs, int units) => (long)rows * inputs * units;

    /// <summary>Whether the layer's products, at <paramref name="rows"/> rows (the full batch, times the steps of a sequence), may use every core.</summary>
    public static bool Parallel(int rows, int inputs, int units) =>
        MultiplyAdds(rows, inputs, units) >= (rows < FewRows ? FewRowsParallelMultiplyAdds : ParallelMultiplyAdds);
}
