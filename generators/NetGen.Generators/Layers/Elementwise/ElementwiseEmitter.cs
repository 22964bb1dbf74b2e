using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// A layer whose output has its input's shape and lives in its own buffer, with a gradient buffer beside it:
/// activation layers, softmax, dropout and normalizations. Backward overwrites the input gradient.
/// </summary>
internal abstract class ElementwiseEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    protected string Size => Name + "Size";

    public override Buffer Output => new(Field("Output"), Size);

    public override Buffer? OutputGradient => new(Field("Gradient"), Size);

    public override string TableName() => Name;

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Size} = {Literals.Int(Layer.Output.Size)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {Size}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {Size}];");
    }

    public override System.Collections.Generic.IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {Size})";
    }

    public sealed override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (!HasInputGradient && Layer.ParameterCount == 0)
        {
            writer.WriteLine("// (first layer without parameters: no gradient to propagate)");
            return;
        }

        EmitBackwardCore(writer, InputGradient?.Span ?? "default");
    }

    /// <summary>Whether some input takes a gradient (joins read several).</summary>
    protected virtual bool HasInputGradient => InputGradient is not null;

    /// <summary>Writes the input gradient (<paramref name="inputGradient"/> is "default" when there is none) and any parameter gradients.</summary>
    protected abstract void EmitBackwardCore(SourceWriter writer, string inputGradient);
}

/// <summary>[Activation(kind)]: y = f(x).</summary>
internal sealed class ActivationLayerEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private Model.ActivationSpec Activation => ((Model.ActivationLayerSpec)Layer.Spec).Activation;

    public override string Describe() => $"{Name}: {Activation} on {Layer.Output}";

    public override string TableName() => $"{Name} {Activation}";

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine(ActivationCode.Forward(Activation, Input.Span, Output.Span));
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient) =>
        writer.WriteLine(ActivationCode.Backward(Activation, Input.Span, Output.Span, OutputGradient!.Span, inputGradient));

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxActivationLayer({name}, {OnnxEmitter.Activation(Activation)})";
    }
}

/// <summary>[Softmax]: each sample's values to probabilities; after a (steps, features) sequence, each position's features.</summary>
internal sealed class SoftmaxEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private bool PerPosition => Layer.Output.Rank == 2;

    private string Rows => PerPosition ? $"rows * {Name}Steps" : "rows";

    private string Columns => PerPosition ? Name + "Features" : Size;

    public override string Describe() => PerPosition
        ? $"{Name}: softmax over the {Layer.Output.Dimensions[1]} features of each of {Layer.Output.Dimensions[0]} positions"
        : $"{Name}: softmax over {Layer.Output.Size} values";

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        if (!PerPosition) return;
        writer.WriteLine($"private const int {Name}Steps = {Literals.Int(Layer.Output.Dimensions[0])};");
        writer.WriteLine($"private const int {Columns} = {Literals.Int(Layer.Output.Dimensions[1])};");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.Activations.SoftmaxForward({Input.Span}, {Output.Span}, {Rows}, {Columns});");
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient) =>
        writer.WriteLine($"global::NetGen.Kernels.Activations.SoftmaxBackward({Output.Span}, {OutputGradient!.Span}, {inputGradient}, {Rows}, {Columns});");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return PerPosition
            ? $"new {OnnxEmitter.Onnx}OnnxSoftmax({name}, {OnnxEmitter.Shape(Layer.Output)}, lastAxisOnly: true)"
            : $"new {OnnxEmitter.Onnx}OnnxSoftmax({name}, {OnnxEmitter.Shape(Layer.Output)})";
    }
}

/// <summary>[Dropout(rate)]: inverted dropout in training, identity in inference.</summary>
internal sealed class DropoutEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private double Rate => ((Model.DropoutSpec)Layer.Spec).Rate;

    private Buffer Mask => new(Field("Mask"), Size);

    public override bool UsesRandom => true;

    public override string Describe() => $"{Name}: drop {Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} of {Layer.Output.Size} values in training";

    public override string TableName() => $"{Name} {Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}";

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        writer.WriteLine($"private const float {Name}Rate = {Literals.Float(Rate)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        base.EmitFields(writer);
        writer.WriteLine($"private readonly float[] {Mask.Field} = new float[BatchSize * {Size}];");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"if (training) global::NetGen.Kernels.Dropout.Forward({Input.Span}, {Output.Span}, {Mask.Span}, {Name}Rate, ref _dropoutRandom);");
        writer.WriteLine($"else {Input.Span}.CopyTo({Output.Span});");
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient) =>
        writer.WriteLine($"global::NetGen.Kernels.Dropout.Backward({Mask.Span}, {OutputGradient!.Span}, {inputGradient});");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        return $"new {OnnxEmitter.Onnx}OnnxDropout({name})";
    }
}
