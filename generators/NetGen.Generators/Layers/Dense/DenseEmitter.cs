using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>Dense: <c>output = activation(input · weight^T + bias)</c>, weight [units, inputs].</summary>
internal sealed partial class DenseEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    private DenseSpec Spec => (DenseSpec)Layer.Spec;

    private bool HasActivation => !Spec.Activation.IsIdentity;

    private string Units => Name + "Units";

    private string Inputs => Name + "Inputs";

    /// <summary>After a (steps, features) sequence the layer applies at every step: rows * steps rows of features.</summary>
    private bool PerStep => Layer.Input.Rank == 2;

    /// <summary>Floats of output per sample: units, or steps * units per step.</summary>
    private string OutputSize => PerStep ? Name + "OutputSize" : Units;

    private string RowCount => PerStep ? $"rows * {Name}Steps" : "rows";

    public override Buffer Output => new(Field("Output"), OutputSize);

    /// <summary>Holds the gradient of the output; the activation's backward turns it, in place, into the pre-activation's.</summary>
    public override Buffer? OutputGradient => new(Field("Gradient"), OutputSize);

    private Buffer PreActivation => new(Field("PreActivation"), OutputSize);

    /// <summary>The activation runs in the product's epilogue (its backward reads only the output): no pre-activation buffer.</summary>
    private bool Fused => DenseKernelChoice.FusesActivation(Spec.Activation);

    /// <summary>A separate activation pass follows the product, which writes the pre-activation buffer.</summary>
    private bool HasSeparateActivation => HasActivation && !Fused;

    /// <summary>Where the matrix product writes: the pre-activation buffer, or the output when the activation fuses or there is none.</summary>
    private Buffer Product => HasSeparateActivation ? PreActivation : Output;

    /// <summary>Rows of each product at the full batch: the batch, times the steps when the layer applies at every step.</summary>
    private int FullRows => Network.BatchSize * (PerStep ? Layer.Input.Dimensions[0] : 1);

    private int InputCount => PerStep ? Layer.Input.Dimensions[1] : Layer.Input.Size;

    private string ParallelConstant => Name + "Parallel";

    /// <summary>The layer's forward calls DenseSmall's kernel on its shape struct instead of the general Dense kernel.</summary>
    private bool SpecializedForward => DenseKernelChoice.SpecializedForward(FullRows, InputCount, Spec.Units);

    /// <summary>The layer's backward calls DenseSmall's kernel on its shape struct instead of the general Dense kernel.</summary>
    private bool SpecializedBackward => DenseKernelChoice.SpecializedBackward(FullRows, InputCount, Spec.Units);

    private string ShapeStruct => Name + "Shape";

    /// <summary>
    /// Set when the network's backward may overwrite parameter gradients: BackwardCore then takes
    /// <c>accumulateGradients</c>, false from ComputeGradients (which skips clearing the gradient buffer first).
    /// </summary>
    public bool GradientsMayOverwrite { get; set; }

    public override string Describe() =>
        $"{Name}: {(PerStep ? Layer.Input.Dimensions[1] : Layer.Input.Size)} -> {Spec.Units}" + (PerStep ? $" at each of {Layer.Input.Dimensions[0]} steps" : "") + (HasActivation ? $", {Spec.Activation}" : "") + (Spec.UseBias ? "" : ", no bias");

    public override string TableName() => HasActivation ? $"{Name} {Spec.Activation}" : Name;

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Inputs} = {Literals.Int(PerStep ? Layer.Input.Dimensions[1] : Layer.Input.Size)};");
        if (PerStep)
        {
            writer.WriteLine($"private const int {Name}Steps = {Literals.Int(Layer.Input.Dimensions[0])};");
            writer.WriteLine($"private const int {OutputSize} = {Name}Steps * {Units};");
        }

        writer.WriteLine($"private const int {Units} = {Literals.Int(Spec.Units)};");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}WeightCount = {Literals.Int(Layer.WeightCount)};");
        writer.WriteLine($"private const int {Name}BiasOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const int {Name}BiasCount = {Literals.Int(Layer.BiasCount)};");
        long multiplyAdds = DenseKernelChoice.MultiplyAdds(FullRows, InputCount, Spec.Units);
        if (SpecializedBackward)
        {
            string which = SpecializedForward ? "kernels" : "backward (the general forward is faster past 16 units)";
            writer.WriteLine($"// {Literals.Grouped(multiplyAdds)} multiply-adds per product at {Literals.Int(FullRows)} rows, {Literals.Int(Spec.Units)} unit{(Spec.Units == 1 ? "" : "s")}: {which} specialized to this shape, on the calling thread.");
            writer.WriteLine($"private readonly struct {ShapeStruct} : global::NetGen.Kernels.IDenseShape");
            writer.WriteLine("{");
            writer.Indentation++;
            writer.WriteLine($"public static int Inputs => {Inputs};");
            writer.WriteLine();
            writer.WriteLine($"public static int Units => {Units};");
            writer.Indentation--;
            writer.WriteLine("}");
            if (SpecializedForward) return;
        }

        bool parallel = DenseKernelChoice.Parallel(FullRows, InputCount, Spec.Units);
        writer.WriteLine(parallel
            ? $"// {Literals.Grouped(multiplyAdds)} multiply-adds per product at {Literals.Int(FullRows)} rows: split across the cores."
            : $"// {Literals.Grouped(multiplyAdds)} multiply-adds per product at {Literals.Int(FullRows)} rows: too few to pay for waking another core.");
        writer.WriteLine($"private const bool {ParallelConstant} = {Literals.Bool(parallel)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        if (HasSeparateActivation) writer.WriteLine($"private readonly float[] {PreActivation.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {OutputSize}];");
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s weight, [{Spec.Units}, {(PerStep ? Layer.Input.Dimensions[1] : Layer.Input.Size)}] row-major (units x inputs), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine(Network.Bfloat16Inference
            ? $"public global::System.Span<float> {Name}Weight {{ get {{ {Bfloat16Emitter.MarkStale} return _parameters.Slice({Name}WeightOffset, {Name}WeightCount); }} }}"
            : $"public global::System.Span<float> {Name}Weight => _parameters.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s bias, [{Layer.BiasCount}], a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Bias => _parameters.Slice({Name}BiasOffset, {Name}BiasCount);");
        writer.WriteLine();
        if (Network.Bfloat16Inference) EmitWeightValues(writer);
        writer.WriteLine($"private global::System.Span<float> {Name}WeightGradient => _gradients.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
        writer.WriteLine($"private global::System.Span<float> {Name}BiasGradient => _gradients.Slice({Name}BiasOffset, {Name}BiasCount);");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        string init = "global::NetGen.WeightInit." + Spec.Init;
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightOffset, {Name}WeightCount), {init}, fanIn: {Inputs}, fanOut: {Units}, scale: {Literals.Double(Spec.InitScale)}, ref rng);");
        if (Spec.UseBias)
        {
            writer.WriteLine($"global::NetGen.Initialization.Initializers.FillBias(parameters.Slice({Name}BiasOffset, {Name}BiasCount), {init}, fanIn: {Inputs}, ref rng);");
        }
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        string activation = "global::NetGen.Activation." + (Fused ? Spec.Activation.Kind : ActivationKind.Identity);
        writer.WriteLine(SpecializedForward
            ? $"global::NetGen.Kernels.DenseSmall.Forward<{ShapeStruct}>({Input.Span}, {WeightValues}, {Name}Bias, {Product.Span}, {RowCount}, {activation});"
            : $"global::NetGen.Kernels.Dense.Forward({Input.Span}, {WeightValues}, {Name}Bias, {Product.Span}, {RowCount}, {Inputs}, {Units}, {activation}, {ParallelConstant});");
        if (HasSeparateActivation)
        {
            writer.WriteLine(ActivationCode.Forward(Spec.Activation, PreActivation.Span, Output.Span));
        }
    }

    public override void EmitBackward(SourceWriter writer)
    {
        string gradient = OutputGradient!.Span;
        writer.WriteLine($"// {Describe()}");
        if (HasActivation)
        {
            // A fused activation's backward reads only the output.
            writer.WriteLine(ActivationCode.Backward(Spec.Activation, Fused ? "default" : PreActivation.Span, Output.Span, gradient, gradient));
        }

        string inputGradient = InputGradient?.Span ?? "default";
        string accumulate = GradientsMayOverwrite ? "accumulateGradients" : "accumulateParameterGradients: true";
        if (SpecializedBackward)
        {
            writer.WriteLine($"global::NetGen.Kernels.DenseSmall.Backward<{ShapeStruct}>({gradient}, {Input.Span}, {WeightValues}, {inputGradient},");
            writer.WriteLine($"    {Name}WeightGradient, {Name}BiasGradient, {RowCount}, {accumulate});");
            return;
        }

        writer.WriteLine($"global::NetGen.Kernels.Dense.Backward({gradient}, {Input.Span}, {WeightValues}, {inputGradient},");
        writer.WriteLine($"    {Name}WeightGradient, {Name}BiasGradient, {RowCount}, {Inputs}, {Units}, {accumulate}, {ParallelConstant});");
    }

    public override System.Collections.Generic.IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s parameters\", _parameters.Slice({Name}WeightOffset, {Name}WeightCount + {Name}BiasCount), columns: 0)";
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {Units})";
    }

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        // Inputs per unit: the whole sample, or the features of one step when the dense layer runs at every step.
        yield return (CheckpointName + ".weight", new[] { Spec.Units, Layer.WeightCount / Spec.Units }, $"{Name}WeightOffset");
        if (Spec.UseBias) yield return (CheckpointName + ".bias", new[] { Spec.Units }, $"{Name}BiasOffset");
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", $"{Name}WeightCount + {Name}BiasCount");

    public override Penalty? Penalized =>
        Spec.Penalty.Over(Network.Options.Penalty) is { IsNone: false } penalty ? new Penalty(WeightValues, $"{Name}WeightGradient", penalty) : null;

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var dense = (DenseSpec)Layer.Spec;
        bool perStep = Layer.Input.Rank == 2;
        int inputs = perStep ? Layer.Input.Dimensions[1] : Layer.Input.Size;
        int steps = perStep ? Layer.Input.Dimensions[0] : 0;
        return $"new {OnnxEmitter.Onnx}OnnxDense({name}, {Literals.Int(inputs)}, {Literals.Int(dense.Units)}, steps: {Literals.Int(steps)}, {offset("weight")}, {offset("bias")}, {OnnxEmitter.Activation(dense.Activation)})";
    }
}
