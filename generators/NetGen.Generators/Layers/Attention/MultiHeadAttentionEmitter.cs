using System.Collections.Generic;
using NetGen.Generators.Emit;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>
/// Multi-head self-attention on [B, T, width]: <c>qkv = x·Wattn^T + battn</c> (one product for q, k and v, [B, T, 3·width]),
/// optionally rotary positions on q and k, the fused attention kernel (NetGen.Kernels.Attention: scores, mask, softmax,
/// dropout and the weighted sum of v, keeping one log-sum-exp per row), then <c>y = heads·Wproj^T + bproj</c>.
/// Backward runs the same steps in reverse; the attention kernel recomputes the probabilities from the log-sum-exps.
/// </summary>
internal sealed class MultiHeadAttentionEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    internal MultiHeadAttentionSpec Spec => (MultiHeadAttentionSpec)Layer.Spec;

    internal int StepCount => Layer.Input.Dimensions[0];

    internal int WidthValue => Layer.Input.Dimensions[1];

    internal int HeadSizeValue => WidthValue / Spec.Heads;

    internal string Steps => Name + "Steps";

    internal string Width => Name + "Width";

    internal string Heads => Name + "Heads";

    internal string HeadSize => Name + "HeadSize";

    internal string QkvWidth => Name + "QkvWidth";

    private string OutputSize => Name + "OutputSize";

    private string QkvSize => Name + "QkvSize";

    internal string QkvWeight => Name + "QkvWeight";

    internal string QkvBias => Name + "QkvBias";

    internal string ProjectionWeight => Name + "ProjectionWeight";

    internal string ProjectionBias => Name + "ProjectionBias";

    internal string Causal => Name + "Causal";

    private string DropoutRate => Name + "Dropout";

    internal string QkvParallel => Name + "QkvParallel";

    internal string ProjectionParallel => Name + "ProjectionParallel";

    internal string RotaryCosine => Name + "RotaryCosine";

    internal string RotarySine => Name + "RotarySine";

    /// <summary>q|k|v of every position, [B, T, 3·width]: the product's output, read again by backward.</summary>
    internal Buffer Qkv => new(Field("Qkv"), QkvSize);

    private Buffer QkvGradient => new(Field("QkvGradient"), QkvSize);

    /// <summary>The heads' outputs side by side, [B, T, width]: the input of the output projection.</summary>
    internal Buffer HeadOutputs => new(Field("Heads"), OutputSize);

    private Buffer HeadOutputsGradient => new(Field("HeadsGradient"), OutputSize);

    private string Saved => Field("Saved");

    public override Buffer Output => new(Field("Output"), OutputSize);

    public override Buffer? OutputGradient => new(Field("Gradient"), OutputSize);

    public override bool UsesRandom => Spec.Dropout > 0;

    private int FullRows => Network.BatchSize * StepCount;

    public override string Describe() =>
        $"{Name}: {Spec.Heads}-head{(Spec.Causal ? " causal" : "")} self-attention over {StepCount} steps of {WidthValue} (head size {HeadSizeValue})"
        + (Spec.Rotary ? ", rotary positions" : "") + (Spec.Dropout > 0 ? $", attention dropout {Literals.Double(Spec.Dropout)}" : "") + (Spec.UseBias ? "" : ", no bias");

    public override string TableName() => $"{Name} {Spec.Heads} heads{(Spec.Causal ? " causal" : "")}";

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Steps} = {Literals.Int(StepCount)};");
        writer.WriteLine($"private const int {Width} = {Literals.Int(WidthValue)};");
        writer.WriteLine($"private const int {Heads} = {Literals.Int(Spec.Heads)};");
        writer.WriteLine($"private const int {HeadSize} = {Width} / {Heads};");
        writer.WriteLine($"private const int {QkvWidth} = 3 * {Width};");
        writer.WriteLine($"private const int {OutputSize} = {Steps} * {Width};");
        writer.WriteLine($"private const int {QkvSize} = {Steps} * {QkvWidth};");
        writer.WriteLine($"private const bool {Causal} = {Literals.Bool(Spec.Causal)};");
        writer.WriteLine($"private const float {DropoutRate} = {Literals.Float(Spec.Dropout)};");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}ParameterCount = {Literals.Int(Layer.ParameterCount)};");
        writer.WriteLine($"private const int {QkvWeight}Offset = {Name}WeightOffset;");
        writer.WriteLine($"private const int {ProjectionWeight}Offset = {QkvWeight}Offset + {QkvWidth} * {Width};");
        writer.WriteLine($"private const int {QkvBias}Offset = {ProjectionWeight}Offset + {Width} * {Width};");
        writer.WriteLine($"private const int {ProjectionBias}Offset = {QkvBias}Offset + {QkvWidth};");
        writer.WriteLine($"private const int {Name}BiasCount = {Literals.Int(Layer.BiasCount)};");
        bool qkvParallel = DenseKernelChoice.Parallel(FullRows, WidthValue, 3 * WidthValue);
        bool projectionParallel = DenseKernelChoice.Parallel(FullRows, WidthValue, WidthValue);
        writer.WriteLine($"// {Literals.Grouped(DenseKernelChoice.MultiplyAdds(FullRows, WidthValue, 3 * WidthValue))} multiply-adds in the qkv product at {Literals.Int(FullRows)} rows, " +
            $"{Literals.Grouped(DenseKernelChoice.MultiplyAdds(FullRows, WidthValue, WidthValue))} in the output projection.");
        writer.WriteLine($"private const bool {QkvParallel} = {Literals.Bool(qkvParallel)};");
        writer.WriteLine($"private const bool {ProjectionParallel} = {Literals.Bool(projectionParallel)};");
        if (Spec.Rotary)
        {
            writer.WriteLine($"// Rotary angles [{Steps}, {HeadSize} / 2], constants of the shape.");
            writer.WriteLine($"private static readonly float[] {RotaryCosine} = new float[{Steps} * ({HeadSize} / 2)];");
            writer.WriteLine($"private static readonly float[] {RotarySine} = {Name}RotaryTables({RotaryCosine});");
            writer.WriteLine();
            writer.WriteLine("// Fills the cosine table and returns the sine table (static field initializers run in order).");
            writer.WriteLine($"private static float[] {Name}RotaryTables(float[] cosine)");
            writer.OpenBrace();
            writer.WriteLine("var sine = new float[cosine.Length];");
            writer.WriteLine($"global::NetGen.Kernels.RotaryEmbedding.Tables(cosine, sine, {Steps}, {HeadSize});");
            writer.WriteLine("return sine;");
            writer.CloseBrace();
        }
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Qkv.Field} = new float[BatchSize * {QkvSize}];");
        writer.WriteLine($"private readonly float[] {QkvGradient.Field} = new float[BatchSize * {QkvSize}];");
        writer.WriteLine($"private readonly float[] {HeadOutputs.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {HeadOutputsGradient.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {Saved} = new float[global::NetGen.Kernels.Attention.SavedSize(BatchSize, {Heads}, {Steps})];");
    }

    private string Bias(string name, string width) => Spec.UseBias ? $"_parameters.Slice({name}Offset, {width})" : "default";

    private string BiasGradient(string name, string width) => Spec.UseBias ? $"_gradients.Slice({name}Offset, {width})" : "default";

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s q|k|v projection weight (c_attn.weight), [{3 * WidthValue}, {WidthValue}] row-major, a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {QkvWeight} => _parameters.Slice({QkvWeight}Offset, {QkvWidth} * {Width});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s output projection weight (c_proj.weight), [{WidthValue}, {WidthValue}] row-major, a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {ProjectionWeight} => _parameters.Slice({ProjectionWeight}Offset, {Width} * {Width});");
        writer.WriteLine();
        if (Spec.UseBias)
        {
            writer.WriteLine($"/// <summary>{Name}'s q|k|v projection bias (c_attn.bias), [{3 * WidthValue}], a view into <see cref=\"Parameters\"/>.</summary>");
            writer.WriteLine($"public global::System.Span<float> {QkvBias} => _parameters.Slice({QkvBias}Offset, {QkvWidth});");
            writer.WriteLine();
            writer.WriteLine($"/// <summary>{Name}'s output projection bias (c_proj.bias), [{WidthValue}], a view into <see cref=\"Parameters\"/>.</summary>");
            writer.WriteLine($"public global::System.Span<float> {ProjectionBias} => _parameters.Slice({ProjectionBias}Offset, {Width});");
            writer.WriteLine();
        }
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        writer.WriteLine($"// {Name}: both projections as PyTorch's Linear default");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({QkvWeight}Offset, {QkvWidth} * {Width}), global::NetGen.WeightInit.Default, fanIn: {Width}, fanOut: {QkvWidth}, scale: double.NaN, ref rng);");
        if (Spec.UseBias) writer.WriteLine($"global::NetGen.Initialization.Initializers.FillBias(parameters.Slice({QkvBias}Offset, {QkvWidth}), global::NetGen.WeightInit.Default, fanIn: {Width}, ref rng);");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({ProjectionWeight}Offset, {Width} * {Width}), global::NetGen.WeightInit.Default, fanIn: {Width}, fanOut: {Width}, scale: double.NaN, ref rng);");
        if (Spec.UseBias) writer.WriteLine($"global::NetGen.Initialization.Initializers.FillBias(parameters.Slice({ProjectionBias}Offset, {Width}), global::NetGen.WeightInit.Default, fanIn: {Width}, ref rng);");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.Dense.Forward({Input.Span}, _parameters.Slice({QkvWeight}Offset, {QkvWidth} * {Width}), {Bias(QkvBias, QkvWidth)}, {Qkv.Span}, rows * {Steps}, {Width}, {QkvWidth}, global::NetGen.Activation.Identity, {QkvParallel});");
        if (Spec.Rotary) writer.WriteLine($"global::NetGen.Kernels.RotaryEmbedding.Forward({Qkv.Span}, {RotaryCosine}, {RotarySine}, rows, {Steps}, {Heads}, {HeadSize});");
        if (UsesRandom)
        {
            writer.WriteLine($"global::NetGen.Kernels.Attention.Forward({Qkv.Span}, {HeadOutputs.Span}, {Saved}, rows, {Steps}, {Heads}, {HeadSize}, {Causal}, training ? {DropoutRate} : 0f, ref _dropoutRandom);");
        }
        else
        {
            writer.WriteLine($"global::NetGen.Rng {Local("NoDropout")} = default; // no attention dropout: nothing is drawn");
            writer.WriteLine($"global::NetGen.Kernels.Attention.Forward({Qkv.Span}, {HeadOutputs.Span}, {Saved}, rows, {Steps}, {Heads}, {HeadSize}, {Causal}, 0f, ref {Local("NoDropout")});");
        }

        writer.WriteLine($"global::NetGen.Kernels.Dense.Forward({HeadOutputs.Span}, _parameters.Slice({ProjectionWeight}Offset, {Width} * {Width}), {Bias(ProjectionBias, Width)}, {Output.Span}, rows * {Steps}, {Width}, {Width}, global::NetGen.Activation.Identity, {ProjectionParallel});");
    }

    private string Local(string suffix) => char.ToLowerInvariant(Name[0]) + Name.Substring(1) + suffix;

    public override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.Dense.Backward({OutputGradient!.Span}, {HeadOutputs.Span}, _parameters.Slice({ProjectionWeight}Offset, {Width} * {Width}), {HeadOutputsGradient.Span},");
        writer.WriteLine($"    _gradients.Slice({ProjectionWeight}Offset, {Width} * {Width}), {BiasGradient(ProjectionBias, Width)}, rows * {Steps}, {Width}, {Width}, accumulateParameterGradients: true, {ProjectionParallel});");
        writer.WriteLine($"global::NetGen.Kernels.Attention.Backward({HeadOutputsGradient.Span}, {Qkv.Span}, {Saved}, {QkvGradient.Span}, rows, {Steps}, {Heads}, {HeadSize}, {Causal}, {DropoutRate});");
        if (Spec.Rotary) writer.WriteLine($"global::NetGen.Kernels.RotaryEmbedding.Backward({QkvGradient.Span}, {RotaryCosine}, {RotarySine}, rows, {Steps}, {Heads}, {HeadSize});");
        writer.WriteLine($"global::NetGen.Kernels.Dense.Backward({QkvGradient.Span}, {Input.Span}, _parameters.Slice({QkvWeight}Offset, {QkvWidth} * {Width}), {InputGradient?.Span ?? "default"},");
        writer.WriteLine($"    _gradients.Slice({QkvWeight}Offset, {QkvWidth} * {Width}), {BiasGradient(QkvBias, QkvWidth)}, rows * {Steps}, {Width}, {QkvWidth}, accumulateParameterGradients: true, {QkvParallel});");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s parameters\", _parameters.Slice({Name}WeightOffset, {Name}ParameterCount), columns: 0)";
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {Width})";
    }

    public override IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        yield return (CheckpointName + ".c_attn.weight", new[] { 3 * WidthValue, WidthValue }, $"{QkvWeight}Offset");
        if (Spec.UseBias) yield return (CheckpointName + ".c_attn.bias", new[] { 3 * WidthValue }, $"{QkvBias}Offset");
        yield return (CheckpointName + ".c_proj.weight", new[] { WidthValue, WidthValue }, $"{ProjectionWeight}Offset");
        if (Spec.UseBias) yield return (CheckpointName + ".c_proj.bias", new[] { WidthValue }, $"{ProjectionBias}Offset");
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", $"{Name}ParameterCount");

    /// <summary>The ONNX description of this layer: MatMul, Split, Reshape, Transpose, Softmax nodes (NetGen.Onnx.OnnxAttention).</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset) =>
        $"new {OnnxEmitter.Onnx}OnnxAttention({name}, {Steps}, {Width}, {Heads}, causal: {Causal}, rotary: {Literals.Bool(Spec.Rotary)}, " +
        $"{offset("c_attn.weight")}, {offset("c_proj.weight")}, {offset("c_attn.bias")}, {offset("c_proj.bias")})";
}
