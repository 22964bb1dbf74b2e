namespace NetGen.Generators.Emit;

/// <summary>Flatten is free: the data is already contiguous, so its buffers are its input's.</summary>
internal sealed class FlattenEmitter(Shapes.ResolvedLayer layer) : LayerEmitter(layer)
{
    public override Buffer Output => Input;

    // The first layer has no input gradient; a layer after Flatten then gets none either.
    public override Buffer? OutputGradient => InputGradient;

    public override string Describe() => $"{Name}: {Layer.Input} -> {Layer.Output} (no copy)";

    public override string TableName() => Name;

    public override void EmitForward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");

    public override void EmitBackward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxFlatten({name})";
    }
}
