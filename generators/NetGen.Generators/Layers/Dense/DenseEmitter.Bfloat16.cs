namespace NetGen.Generators.Emit;

// [Bfloat16Inference]: the dense layer's forward on the bfloat16 copy of its weight (Bfloat16Emitter owns the copy).
internal sealed partial class DenseEmitter
{
    /// <summary>Where this layer's weight sits in the bfloat16 buffer, a constant Bfloat16Emitter writes.</summary>
    public string Bfloat16Offset => Name + "Bfloat16Offset";

    /// <summary>This layer's weight count, the constant <see cref="EmitConstants"/> writes.</summary>
    public string WeightCountConstant => Name + "WeightCount";

    /// <summary>
    /// The weight as the generated forward, backward and penalty read it: with [Bfloat16Inference] a read-only view,
    /// because the public <c>DenseNWeight</c> span marks the bfloat16 copy stale on every read.
    /// </summary>
    private string WeightValues => Network.Bfloat16Inference ? Name + "WeightValues" : Name + "Weight";

    private void EmitWeightValues(SourceWriter writer)
    {
        writer.WriteLine($"// {Name}'s weight for the generated code's own reads: unlike {Name}Weight, it leaves the bfloat16 copy valid.");
        writer.WriteLine($"private global::System.ReadOnlySpan<float> {WeightValues} => _parameters.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
    }

    /// <summary>
    /// The same forward as <see cref="EmitForward"/> (same buffers, same fused or separate activation), with the
    /// product on the bfloat16 weight: DenseBfloat16.Forward widens each weight to float in registers.
    /// </summary>
    public void EmitForwardBfloat16(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}, bfloat16 weight");
        string activation = "global::NetGen.Activation." + (Fused ? Spec.Activation.Kind : Model.ActivationKind.Identity);
        writer.WriteLine($"global::NetGen.Kernels.DenseBfloat16.Forward({Input.Span}, {Bfloat16Weight}, {Name}Bias, {Product.Span}, {RowCount}, {Inputs}, {Units}, {activation});");
        if (HasSeparateActivation)
        {
            writer.WriteLine(ActivationCode.Forward(Spec.Activation, PreActivation.Span, Output.Span));
        }
    }

    /// <summary>Whether this layer can run as either half of DenseBfloat16.ForwardTwoLayers: one row per sample, activation fused.</summary>
    public bool ChainsBfloat16 => Fused && !PerStep;

    /// <summary>
    /// This layer and <paramref name="next"/> (which reads this layer's output) in one DenseBfloat16.ForwardTwoLayers call:
    /// one pass over the worker pool that splits both products across the cores.
    /// </summary>
    public void EmitForwardBfloat16Pair(SourceWriter writer, DenseEmitter next)
    {
        writer.WriteLine($"// {Describe()}, then {next.Describe()}: bfloat16 weights, both in one pass over the cores");
        string activation = "global::NetGen.Activation." + Spec.Activation.Kind;
        string nextActivation = "global::NetGen.Activation." + next.Spec.Activation.Kind;
        writer.WriteLine($"global::NetGen.Kernels.DenseBfloat16.ForwardTwoLayers({Input.Span}, {Bfloat16Weight}, {Name}Bias, {activation}, {Output.Span},");
        writer.WriteLine($"    {next.Bfloat16Weight}, {next.Name}Bias, {nextActivation}, {next.Output.Span}, rows, {Inputs}, {Units}, {next.Units});");
    }

    private string Bfloat16Weight => $"_bfloat16Weights.Slice({Bfloat16Offset}, {WeightCountConstant})";
}
