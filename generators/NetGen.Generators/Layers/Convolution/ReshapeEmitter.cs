namespace NetGen.Generators.Emit;

/// <summary>Reshape is free, as Flatten: the data is already contiguous, so its buffers are its input's.</summary>
internal sealed class ReshapeEmitter(Shapes.ResolvedLayer layer) : LayerEmitter(layer)
{
    public override Buffer Output => Input;

    public override Buffer? OutputGradient => InputGradient;

    public override string Describe() => $"{Name}: {Layer.Input} -> {Layer.Output} (no copy)";

    public override string TableName() => Name;

    public override void EmitForward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");

    public override void EmitBackward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxReshape({name}, {OnnxEmitter.Shape(Layer.Output)})";
    }
}
