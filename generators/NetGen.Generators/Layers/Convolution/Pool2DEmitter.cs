using System.Collections.Generic;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// MaxPool2D and AvgPool2D over [B, C, H, W] batches (<c>NetGen.Kernels.Pooling</c>). Max pooling keeps the
/// argmax of every window for its backward. A pooling layer with no trainable layer before it has no
/// gradient to pass back, so it gets no gradient buffer and no backward code.
/// </summary>
internal sealed class Pool2DEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    private Pool2DSpec Spec => (Pool2DSpec)Layer.Spec;

    private bool IsMax => Spec.Kind == PoolKind.Max;

    private string OutputSize => Name + "OutputSize";

    private string Argmax => Field("Argmax");

    public override Buffer Output => new(Field("Output"), OutputSize);

    public override Buffer? OutputGradient => InputGradient is null ? null : new Buffer(Field("Gradient"), OutputSize);

    public override string Describe()
    {
        string text = $"{Name}: {Layer.Input} -> {Layer.Output}, {(IsMax ? "max" : "average")} of {Spec.Size}x{Spec.Size} windows, stride {Spec.Stride}";
        return Spec.Padding == 0 ? text : text + $", padding {Spec.Padding}";
    }

    public override string TableName() => $"{Name} {Spec.Size}x{Spec.Size}";

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Name}Channels = {Literals.Int(Layer.Input.Dimensions[0])};");
        writer.WriteLine($"private const int {Name}InHeight = {Literals.Int(Layer.Input.Dimensions[1])};");
        writer.WriteLine($"private const int {Name}InWidth = {Literals.Int(Layer.Input.Dimensions[2])};");
        writer.WriteLine($"private const int {Name}OutHeight = {Literals.Int(Layer.Output.Dimensions[1])};");
        writer.WriteLine($"private const int {Name}OutWidth = {Literals.Int(Layer.Output.Dimensions[2])};");
        writer.WriteLine($"private const int {Name}Size = {Literals.Int(Spec.Size)};");
        writer.WriteLine($"private const int {Name}Stride = {Literals.Int(Spec.Stride)};");
        writer.WriteLine($"private const int {Name}Padding = {Literals.Int(Spec.Padding)};");
        writer.WriteLine($"private const int {OutputSize} = {Name}Channels * {Name}OutHeight * {Name}OutWidth;");
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {OutputSize}];");
        if (OutputGradient is { } gradient) writer.WriteLine($"private readonly float[] {gradient.Field} = new float[BatchSize * {OutputSize}];");
        if (IsMax) writer.WriteLine($"private readonly int[] {Argmax} = new int[BatchSize * {OutputSize}];");
    }

    private string WindowArguments =>
        $"rows, {Name}Channels, {Name}InHeight, {Name}InWidth, {Name}Size, {Name}Size, {Name}Stride, {Name}Stride, {Name}Padding, {Name}Padding";

    /// <summary>Whether the convolution before this layer also computes it (and its argmax) in training.</summary>
    public bool AlsoInTraining { get; set; }

    public string ArgmaxSpan => $"new global::System.Span<int>({Argmax}, 0, rows * {OutputSize})";

    /// <summary>Whether this layer's backward first applies the ReLU backward of the convolution before it (to its own, smaller gradient).</summary>
    public bool AppliesReluBackward { get; set; }

    /// <summary>The convolution before this layer whose inference forward also computes this one (null: none).</summary>
    public string? ComputedByConvolution { get; set; }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (ComputedByConvolution is { } fused && AlsoInTraining)
        {
            writer.WriteLine($"// {fused} wrote this layer's output, and in training its argmax.");
            return;
        }
        if (ComputedByConvolution is { } conv)
        {
            writer.WriteLine($"// In inference {conv} wrote this layer's output.");
            writer.WriteLine("if (training)");
            writer.OpenBrace();
            EmitPooling(writer);
            writer.CloseBrace();
            return;
        }
        EmitPooling(writer);
    }

    private void EmitPooling(SourceWriter writer)
    {
        writer.WriteLine(IsMax
            ? $"global::NetGen.Kernels.Pooling.MaxForward({Input.Span}, {Output.Span}, {ArgmaxSpan},"
            : $"global::NetGen.Kernels.Pooling.AvgForward({Input.Span}, {Output.Span},");
        writer.WriteLine($"    {WindowArguments});");
    }

    public override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (InputGradient is null)
        {
            writer.WriteLine("// Nothing before this layer is trained: no gradient to pass back.");
            return;
        }

        if (AppliesReluBackward)
        {
            writer.WriteLine("// The ReLU before this layer: its backward masks this layer's gradient where this layer's output (the argmax's) is not positive.");
            writer.WriteLine($"global::NetGen.Kernels.Activations.ReluBackward(default, {Output.Span}, {OutputGradient!.Span}, {OutputGradient.Span});");
        }
        writer.WriteLine(IsMax
            ? $"global::NetGen.Kernels.Pooling.MaxBackward({OutputGradient!.Span}, {ArgmaxSpan}, {InputGradient.Span},"
            : $"global::NetGen.Kernels.Pooling.AvgBackward({OutputGradient!.Span}, {InputGradient.Span},");
        writer.WriteLine(IsMax
            ? $"    rows, {Name}Channels, {Name}InHeight, {Name}InWidth, {Name}OutHeight, {Name}OutWidth);"
            : $"    {WindowArguments});");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {OutputSize})";
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var pool = (Pool2DSpec)Layer.Spec;
        return $"new {OnnxEmitter.Onnx}OnnxPool2D({name}, max: {Literals.Bool(pool.Kind == PoolKind.Max)}, size: {Literals.Int(pool.Size)}, stride: {Literals.Int(pool.Stride)}, padding: {Literals.Int(pool.Padding)})";
    }
}
