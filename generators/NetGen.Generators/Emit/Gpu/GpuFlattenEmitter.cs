namespace NetGen.Generators.Emit.Gpu;

/// <summary>Flatten is free on the device too: its buffers are its input's.</summary>
internal sealed class GpuFlattenEmitter(Shapes.ResolvedLayer layer) : GpuLayerEmitter(layer)
{
    public override GpuBuffer Output => Input;

    public override GpuBuffer? OutputGradient => InputGradient;

    public override string Describe() => $"{Name}: {Layer.Input} -> {Layer.Output} (no copy)";

    public override string[] KernelRow() => new[] { Name, "none (no copy)", "none" };

    public override void EmitForward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");

    public override void EmitBackward(SourceWriter writer) => writer.WriteLine($"// {Describe()}");
}
