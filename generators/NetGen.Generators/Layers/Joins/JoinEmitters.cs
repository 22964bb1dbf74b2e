using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// [Add] and the residual join: <c>output = input0 + input1 (+ ...)</c>. Backward hands the output's gradient to every
/// input unchanged, writing it or adding it to what another reader of the same output wrote.
/// </summary>
internal sealed class AddEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private const string Joins = "global::NetGen.Kernels.Joins";

    public override string Describe() => $"{Name}: {string.Join(" + ", InputNames)} ({Layer.Output})";

    public override string TableName() => Name;

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"{Joins}.Add({InputBuffers[0].Span}, {InputBuffers[1].Span}, {Output.Span});");
        for (int i = 2; i < InputBuffers.Count; i++) writer.WriteLine($"{Joins}.Add({Output.Span}, {InputBuffers[i].Span}, {Output.Span});");
    }

    protected override bool HasInputGradient => InputGradients.Any(g => g is not null);

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient)
    {
        for (int i = 0; i < InputBuffers.Count; i++)
        {
            if (InputGradients[i] is not { } gradient) continue;
            writer.WriteLine($"{Joins}.AddBackward({OutputGradient!.Span}, {gradient.Span}, accumulate: {Literals.Bool(AccumulatesInputGradients[i])});");
        }
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxAdd({name})";
    }
}

/// <summary>
/// [Concat]: the inputs side by side along one axis of a sample. Each sample is <c>{Name}Blocks</c> runs (the
/// dimensions before the axis); each input fills its own stretch of every run.
/// </summary>
internal sealed class ConcatEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private const string Joins = "global::NetGen.Kernels.Joins";

    private int Axis
    {
        get
        {
            int axis = ((ConcatSpec)Layer.Spec).Axis;
            return axis < 0 ? axis + Layer.Output.Rank : axis;
        }
    }

    /// <summary>Floats after the axis: one step along it.</summary>
    private int Inner(TensorShape shape) => shape.Dimensions.Skip(Axis + 1).Aggregate(1, (a, b) => a * b);

    private int Blocks => Layer.Output.Dimensions.Take(Axis).Aggregate(1, (a, b) => a * b);

    public override string Describe() => $"{Name}: {string.Join(", ", InputNames)} joined along axis {Axis} ({Layer.Output})";

    public override string TableName() => Name;

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        writer.WriteLine($"private const int {Name}Blocks = {Literals.Int(Blocks)};");
        writer.WriteLine($"private const int {Name}Run = {Literals.Int(Layer.Output.Dimensions[Axis] * Inner(Layer.Output))};");
        int offset = 0;
        for (int i = 0; i < Layer.InputShapes.Count; i++)
        {
            TensorShape part = Layer.InputShapes[i];
            int run = part.Dimensions[Axis] * Inner(part);
            writer.WriteLine($"private const int {Name}Part{i}Run = {Literals.Int(run)};");
            writer.WriteLine($"private const int {Name}Part{i}Offset = {Literals.Int(offset)};");
            offset += run;
        }
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        for (int i = 0; i < InputBuffers.Count; i++)
        {
            writer.WriteLine($"{Joins}.ConcatForward({InputBuffers[i].Span}, {Output.Span}, rows * {Name}Blocks, {Name}Part{i}Run, {Name}Run, {Name}Part{i}Offset);");
        }
    }

    protected override bool HasInputGradient => InputGradients.Any(g => g is not null);

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient)
    {
        for (int i = 0; i < InputBuffers.Count; i++)
        {
            if (InputGradients[i] is not { } gradient) continue;
            writer.WriteLine($"{Joins}.ConcatBackward({OutputGradient!.Span}, {gradient.Span}, rows * {Name}Blocks, {Name}Part{i}Run, {Name}Run, {Name}Part{i}Offset, accumulate: {Literals.Bool(AccumulatesInputGradients[i])});");
        }
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxConcat({name}, axis: {Literals.Int(Axis)})";
    }
}
