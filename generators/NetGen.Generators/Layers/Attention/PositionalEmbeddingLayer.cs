using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>[PositionalEmbedding(encoding)] on a (steps, width) sequence: learned (a [steps, width] table) or sinusoidal.</summary>
public sealed record PositionalEmbeddingSpec(int Index, bool Learned) : LayerSpec(Index);

/// <summary>
/// The PositionalEmbedding slice: <c>y[b, t] = x[b, t] + table[t]</c>. The learned table is a parameter (checkpoint
/// <c>{name}.weight</c> [steps, width], N(0, 1) as nn.Embedding); the sinusoidal one a constant of the shape.
/// </summary>
internal sealed class PositionalEmbeddingLayer : LayerKind
{
    public override IEnumerable<string> AttributeNames => ["PositionalEmbeddingAttribute"];

    public override Type SpecType => typeof(PositionalEmbeddingSpec);

    /// <summary>NetGen.PositionEncoding's values, for reading the attribute.</summary>
    private enum PositionEncodingKind
    {
        Learned = 0,
        Sinusoidal = 1,
    }

    public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
    {
        var encoding = reader.Enum(attribute, 0, "encoding", PositionEncodingKind.Learned, "NetGen.PositionEncoding");
        return new PositionalEmbeddingSpec(index, encoding == PositionEncodingKind.Learned);
    }

    public override Shaped Resolve(LayerSpec spec, ShapeContext context)
    {
        TensorShape shape = context.Input;
        if (shape.Rank != 2) return context.Error(spec, DiagnosticIds.RecurrentNeedsSequence, "PositionalEmbedding", shape.ToString());
        // Output and its gradient.
        return context.Parameters(spec, shape, ((PositionalEmbeddingSpec)spec).Learned ? shape.LongSize : 0, 0, 2L * shape.LongSize);
    }

    public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new PositionalEmbeddingEmitter(layer);
}

/// <summary>Adds a position's row of the table to every position: the kernels in NetGen.Kernels.PositionalEncoding.</summary>
internal sealed class PositionalEmbeddingEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    internal bool Learned => ((PositionalEmbeddingSpec)Layer.Spec).Learned;

    internal string Steps => Name + "Steps";

    internal string Width => Name + "Width";

    /// <summary>The expression of the [steps, width] table: a view into the parameters, or the static sinusoidal table.</summary>
    internal string Table => Learned ? $"_parameters.Slice({Name}WeightOffset, {Size})" : $"{Name}Table";

    public override string Describe() =>
        $"{Name}: {(Learned ? "learned" : "sinusoidal")} positional embeddings added to {Layer.Output.Dimensions[0]} steps of {Layer.Output.Dimensions[1]}";

    public override string TableName() => $"{Name} {(Learned ? "learned" : "sinusoidal")}";

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        writer.WriteLine($"private const int {Steps} = {Literals.Int(Layer.Output.Dimensions[0])};");
        writer.WriteLine($"private const int {Width} = {Literals.Int(Layer.Output.Dimensions[1])};");
        if (Learned)
        {
            writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        }
        else
        {
            writer.WriteLine($"private static readonly float[] {Name}Table = {Name}SinusoidalTable();");
            writer.WriteLine();
            writer.WriteLine($"private static float[] {Name}SinusoidalTable()");
            writer.OpenBrace();
            writer.WriteLine($"var table = new float[{Size}];");
            writer.WriteLine($"global::NetGen.Kernels.SinusoidalPositions.Table(table, {Steps}, {Width});");
            writer.WriteLine("return table;");
            writer.CloseBrace();
        }
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        if (!Learned) return;
        writer.WriteLine($"/// <summary>{Name}'s table, [{Layer.Output.Dimensions[0]}, {Layer.Output.Dimensions[1]}] row-major (one row per position), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Table => _parameters.Slice({Name}WeightOffset, {Size});");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        if (!Learned) return;
        writer.WriteLine($"// {Name}: N(0, 1) as PyTorch's nn.Embedding");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightOffset, {Size}), global::NetGen.WeightInit.Normal, fanIn: {Width}, fanOut: {Steps}, scale: 1.0, ref rng);");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.SinusoidalPositions.Forward({Input.Span}, {Table}, {Output.Span}, rows, {Steps}, {Width});");
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient)
    {
        if (Learned) writer.WriteLine($"global::NetGen.Kernels.LearnedPositions.Backward({OutputGradient!.Span}, _gradients.Slice({Name}WeightOffset, {Size}), rows, {Steps}, {Width});");
        if (inputGradient != "default") writer.WriteLine($"{OutputGradient!.Span}.CopyTo({inputGradient}); // dx = dy");
    }

    public override IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        if (Learned) yield return (CheckpointName + ".weight", new[] { Layer.Output.Dimensions[0], Layer.Output.Dimensions[1] }, $"{Name}WeightOffset");
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", Size);

    /// <summary>The ONNX description of this layer: an Add of the [steps, width] table (NetGen.Onnx.OnnxPositions).</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset) =>
        $"new {OnnxEmitter.Onnx}OnnxPositions({name}, {Steps}, {Width}, {offset("weight")})";
}
