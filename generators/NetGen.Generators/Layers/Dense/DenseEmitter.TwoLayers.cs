using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

// Two dense layers in a row as one Dense.ForwardTwoLayers call when the forward runs on a few rows (one-sample inference).
internal sealed partial class DenseEmitter
{
    /// <summary>
    /// Whether this layer and <paramref name="next"/> (the dense layer right after it, reading its output) run as one
    /// Dense.ForwardTwoLayers call under Dense.TwoLayerRows rows: both fuse their activations, neither applies per step,
    /// the two products together are large enough at one row to be split across the cores in one pass
    /// (DenseKernelChoice.TwoLayersParallel), and the next layer's partial sums fit the kernel's stack buffer
    /// (2 segments x 8 rows x units, at most 4096 floats).
    /// </summary>
    public bool PairsForFewRows(DenseEmitter next) =>
        Fused && !PerStep && !SpecializedForward && next.Fused && !next.PerStep && Spec.Units >= 8
        && 2 * DenseKernelChoice.FewRows * next.Spec.Units <= 4096
        && DenseKernelChoice.TwoLayersParallel(InputCount, Spec.Units, next.Spec.Units);

    /// <summary>This layer then <paramref name="next"/>: one pass over the cores for a few rows, the two usual calls otherwise.</summary>
    public void EmitForwardPair(SourceWriter writer, DenseEmitter next)
    {
        writer.WriteLine($"// {Describe()}, then {next.Describe()}");
        writer.WriteLine($"if (rows < global::NetGen.Kernels.Dense.TwoLayerRows)");
        writer.OpenBrace();
        writer.WriteLine("// A few rows (one-sample inference): both products in one pass over the cores, one wake and no barrier.");
        string activation = "global::NetGen.Activation." + Spec.Activation.Kind;
        string nextActivation = "global::NetGen.Activation." + next.Spec.Activation.Kind;
        writer.WriteLine($"global::NetGen.Kernels.Dense.ForwardTwoLayers({Input.Span}, {WeightValues}, {Name}Bias, {activation}, {Output.Span},");
        writer.WriteLine($"    {next.WeightValues}, {next.Name}Bias, {nextActivation}, {next.Output.Span}, rows, {Inputs}, {Units}, {next.Units});");
        writer.CloseBrace();
        writer.WriteLine("else");
        writer.OpenBrace();
        EmitForward(writer);
        writer.WriteLine();
        next.EmitForward(writer);
        writer.CloseBrace();
    }
}
