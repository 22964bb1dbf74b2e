using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// [BatchNorm]: per feature after a dense layer, per channel (over height x width) after a convolution.
/// Scale (gamma) and shift (beta) are parameters; running mean and variance live in the statistics buffer.
/// </summary>
internal sealed class BatchNormEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private BatchNormSpec Spec => (BatchNormSpec)Layer.Spec;

    private int ChannelCount => Layer.Output.Dimensions[0];

    private int SpatialCount => Layer.Output.Size / ChannelCount;

    private string Channels => Name + "Channels";

    private string Spatial => Name + "Spatial";

    /// <summary>The pattern variable that holds the replica group of synchronized batch norm, unique per layer.</summary>
    private string GroupVariable => char.ToLowerInvariant(Name[0]) + Name.Substring(1) + "Group";

    public override string Describe() =>
        $"{Name}: normalize {Literals.Int(ChannelCount)} {(SpatialCount == 1 ? "features" : $"channels of {Literals.Int(SpatialCount)} values")} (momentum {Literals.Double(Spec.Momentum)}, epsilon {Literals.Double(Spec.Epsilon)})";

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        writer.WriteLine($"private const int {Channels} = {Literals.Int(ChannelCount)};");
        writer.WriteLine($"private const int {Spatial} = {Literals.Int(SpatialCount)};");
        writer.WriteLine($"private const int {Name}ScaleOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}ShiftOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const int {Name}RunningMeanOffset = {Literals.Int(Layer.StatisticsOffset)};");
        writer.WriteLine($"private const int {Name}RunningVarianceOffset = {Literals.Int(Layer.StatisticsOffset + ChannelCount)};");
        writer.WriteLine($"private const float {Name}Momentum = {Literals.Float(Spec.Momentum)};");
        writer.WriteLine($"private const float {Name}Epsilon = {Literals.Float(Spec.Epsilon)};");
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}ScaleOffset", $"2 * {Channels}");

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        yield return (CheckpointName + ".weight", new[] { ChannelCount }, $"{Name}ScaleOffset");
        yield return (CheckpointName + ".bias", new[] { ChannelCount }, $"{Name}ShiftOffset");
    }

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointStatistics()
    {
        yield return (CheckpointName + ".running_mean", new[] { ChannelCount }, $"{Name}RunningMeanOffset");
        yield return (CheckpointName + ".running_var", new[] { ChannelCount }, $"{Name}RunningVarianceOffset");
    }

    public override void EmitFields(SourceWriter writer)
    {
        base.EmitFields(writer);
        writer.WriteLine($"private readonly float[] {Field("Mean")} = new float[{Channels}];");
        writer.WriteLine($"private readonly float[] {Field("InverseStd")} = new float[{Channels}];");
        writer.WriteLine($"private readonly float[] {Field("Synchronization")} = new float[2 * {Channels} + 2];");
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s scale (gamma), one per {(SpatialCount == 1 ? "feature" : "channel")}, a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Scale => _parameters.Slice({Name}ScaleOffset, {Channels});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s shift (beta), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Shift => _parameters.Slice({Name}ShiftOffset, {Channels});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s running mean, a view into <see cref=\"Statistics\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}RunningMean => new(_statistics, {Name}RunningMeanOffset, {Channels});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s running variance, a view into <see cref=\"Statistics\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}RunningVariance => new(_statistics, {Name}RunningVarianceOffset, {Channels});");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        writer.WriteLine($"// {Name}: scale 1, shift 0");
        writer.WriteLine($"parameters.Slice({Name}ScaleOffset, {Channels}).Fill(1f);");
        writer.WriteLine($"parameters.Slice({Name}ShiftOffset, {Channels}).Clear();");
    }

    /// <summary>Running mean 0 and variance 1, as PyTorch.</summary>
    public void EmitStatisticsInitialization(SourceWriter writer)
    {
        writer.WriteLine($"statistics.Slice({Name}RunningMeanOffset, {Channels}).Clear();");
        writer.WriteLine($"statistics.Slice({Name}RunningVarianceOffset, {Channels}).Fill(1f);");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"if (training && BatchNormSynchronization is {{ }} {GroupVariable})");
        writer.WriteLine($"    global::NetGen.Kernels.BatchNorm.ForwardTrainingSynchronized({Input.Span}, {Name}Scale, {Name}Shift, {Output.Span}, {Field("Mean")}, {Field("InverseStd")},");
        writer.WriteLine($"        {Name}RunningMean, {Name}RunningVariance, {Name}Momentum, {Name}Epsilon, rows, {Channels}, {Spatial}, {GroupVariable}, {Field("Synchronization")});");
        writer.WriteLine("else if (training)");
        writer.WriteLine($"    global::NetGen.Kernels.BatchNorm.ForwardTraining({Input.Span}, {Name}Scale, {Name}Shift, {Output.Span}, {Field("Mean")}, {Field("InverseStd")},");
        writer.WriteLine($"        {Name}RunningMean, {Name}RunningVariance, {Name}Momentum, {Name}Epsilon, rows, {Channels}, {Spatial});");
        writer.WriteLine("else");
        writer.WriteLine($"    global::NetGen.Kernels.BatchNorm.ForwardInference({Input.Span}, {Name}Scale, {Name}Shift, {Name}RunningMean, {Name}RunningVariance,");
        writer.WriteLine($"        {Name}Epsilon, {Output.Span}, rows, {Channels}, {Spatial});");
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient)
    {
        string group = GroupVariable;
        string gradients = $"_gradients.Slice({Name}ScaleOffset, {Channels}), _gradients.Slice({Name}ShiftOffset, {Channels})";
        writer.WriteLine($"if (BatchNormSynchronization is {{ }} {group})");
        writer.WriteLine($"    global::NetGen.Kernels.BatchNorm.BackwardSynchronized({OutputGradient!.Span}, {Input.Span}, {Name}Scale, {Field("Mean")}, {Field("InverseStd")}, {inputGradient},");
        writer.WriteLine($"        {gradients}, rows, {Channels}, {Spatial}, {group}, {Field("Synchronization")});");
        writer.WriteLine("else");
        writer.WriteLine($"    global::NetGen.Kernels.BatchNorm.Backward({OutputGradient!.Span}, {Input.Span}, {Name}Scale, {Field("Mean")}, {Field("InverseStd")}, {inputGradient},");
        writer.WriteLine($"        {gradients}, rows, {Channels}, {Spatial});");
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var batchNorm = (BatchNormSpec)Layer.Spec;
        return $"new {OnnxEmitter.Onnx}OnnxBatchNorm({name}, {Literals.Int(Layer.Output.Dimensions[0])}, {offset("weight")}, {offset("bias")}, " +
               $"{offset("running_mean")}, {offset("running_var")}, {Literals.Float(batchNorm.Epsilon)})";
    }
}

/// <summary>
/// [LayerNorm]: each sample normalized over all its values, with per-value scale and shift; after a (steps, features)
/// sequence each position is normalized over its features, with one scale and shift per feature (nn.LayerNorm(features)).
/// </summary>
internal sealed class LayerNormEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
{
    private LayerNormSpec Spec => (LayerNormSpec)Layer.Spec;

    /// <summary>A (steps, features) sequence: normalized per position.</summary>
    internal bool PerPosition => Layer.Output.Rank == 2;

    /// <summary>Values normalized together: the sample, or one position's features.</summary>
    internal string Features => PerPosition ? Name + "Features" : Size;

    /// <summary>Rows normalized at <c>rows</c> samples.</summary>
    private string Rows => PerPosition ? $"rows * {Name}Steps" : "rows";

    private string Statistics => PerPosition ? $"BatchSize * {Name}Steps" : "BatchSize";

    public override string Describe() => PerPosition
        ? $"{Name}: normalize each of {Literals.Int(Layer.Output.Dimensions[0])} positions over its {Literals.Int(Layer.Output.Dimensions[1])} features (epsilon {Literals.Double(Spec.Epsilon)})"
        : $"{Name}: normalize each sample's {Literals.Int(Layer.Output.Size)} values (epsilon {Literals.Double(Spec.Epsilon)})";

    public override void EmitConstants(SourceWriter writer)
    {
        base.EmitConstants(writer);
        if (PerPosition)
        {
            writer.WriteLine($"private const int {Name}Steps = {Literals.Int(Layer.Output.Dimensions[0])};");
            writer.WriteLine($"private const int {Features} = {Literals.Int(Layer.Output.Dimensions[1])};");
        }

        writer.WriteLine($"private const int {Name}ScaleOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}ShiftOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const float {Name}Epsilon = {Literals.Float(Spec.Epsilon)};");
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}ScaleOffset", $"2 * {Features}");

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        int[] shape = PerPosition ? new[] { Layer.Output.Dimensions[1] } : Layer.Output.Dimensions.ToArray();
        yield return (CheckpointName + ".weight", shape, $"{Name}ScaleOffset");
        yield return (CheckpointName + ".bias", shape, $"{Name}ShiftOffset");
    }

    public override void EmitFields(SourceWriter writer)
    {
        base.EmitFields(writer);
        writer.WriteLine($"private readonly float[] {Field("Mean")} = new float[{Statistics}];");
        writer.WriteLine($"private readonly float[] {Field("InverseStd")} = new float[{Statistics}];");
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s scale (gamma), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Scale => _parameters.Slice({Name}ScaleOffset, {Features});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s shift (beta), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Shift => _parameters.Slice({Name}ShiftOffset, {Features});");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        writer.WriteLine($"// {Name}: scale 1, shift 0");
        writer.WriteLine($"parameters.Slice({Name}ScaleOffset, {Features}).Fill(1f);");
        writer.WriteLine($"parameters.Slice({Name}ShiftOffset, {Features}).Clear();");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.LayerNorm.Forward({Input.Span}, {Name}Scale, {Name}Shift, {Output.Span}, First({Field("Mean")}, {Rows}), First({Field("InverseStd")}, {Rows}), {Rows}, {Features}, {Name}Epsilon);");
    }

    protected override void EmitBackwardCore(SourceWriter writer, string inputGradient)
    {
        writer.WriteLine($"global::NetGen.Kernels.LayerNorm.Backward({OutputGradient!.Span}, {Input.Span}, {Name}Scale, First({Field("Mean")}, {Rows}), First({Field("InverseStd")}, {Rows}), {inputGradient},");
        writer.WriteLine($"    _gradients.Slice({Name}ScaleOffset, {Features}), _gradients.Slice({Name}ShiftOffset, {Features}), {Rows}, {Features});");
    }

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var layerNorm = (LayerNormSpec)Layer.Spec;
        return PerPosition
            ? $"new {OnnxEmitter.Onnx}OnnxLayerNorm({name}, new[] {{ {Literals.Int(Layer.Output.Dimensions[1])} }}, {offset("weight")}, {offset("bias")}, {Literals.Float(layerNorm.Epsilon)}, axis: -1)"
            : $"new {OnnxEmitter.Onnx}OnnxLayerNorm({name}, {OnnxEmitter.Shape(Layer.Output)}, {offset("weight")}, {offset("bias")}, {Literals.Float(layerNorm.Epsilon)})";
    }
}
