using System.Collections.Generic;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>Global average pooling: [B, C, H, W] -> [B, C], the mean of each channel's plane.</summary>
internal sealed class GlobalAvgPool2DEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    private string Channels => Name + "Channels";

    public override Buffer Output => new(Field("Output"), Channels);

    /// <summary>None when no trainable layer comes before it (see <see cref="Pool2DEmitter"/>).</summary>
    public override Buffer? OutputGradient => InputGradient is null ? null : new Buffer(Field("Gradient"), Channels);

    public override string Describe() => $"{Name}: {Layer.Input} -> {Layer.Output}, mean of each channel";

    public override string TableName() => Name;

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Channels} = {Literals.Int(Layer.Input.Dimensions[0])};");
        writer.WriteLine($"private const int {Name}Plane = {Literals.Int(Layer.Input.Dimensions[1] * Layer.Input.Dimensions[2])};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {Channels}];");
        if (OutputGradient is { } gradient) writer.WriteLine($"private readonly float[] {gradient.Field} = new float[BatchSize * {Channels}];");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.Pooling.GlobalAvgForward({Input.Span}, {Output.Span}, rows, {Channels}, {Name}Plane);");
    }

    public override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (InputGradient is null)
        {
            writer.WriteLine("// Nothing before this layer is trained: no gradient to pass back.");
            return;
        }

        writer.WriteLine($"global::NetGen.Kernels.Pooling.GlobalAvgBackward({OutputGradient!.Span}, {InputGradient.Span}, rows, {Channels}, {Name}Plane);");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {Channels})";
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxGlobalAvgPool2D({name})";
    }
}
