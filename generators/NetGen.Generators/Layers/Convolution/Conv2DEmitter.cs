using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// Conv2D: <c>output = activation(conv(input, weight) + bias)</c> over [B, C, H, W] batches, weight
/// [filters, inChannels, kernel, kernel]. Lowered to im2col + GEMM a chunk of samples at a time by
/// <c>NetGen.Kernels.Conv2D</c>, with one scratch buffer shared by every convolution of the network (they run one
/// at a time). Identity, ReLU, Sigmoid and Tanh fuse into the kernel (their backward reads the output alone, so no
/// pre-activation is kept); other activations run as a separate pass over a pre-activation buffer.
/// </summary>
internal sealed class Conv2DEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    /// <summary>The field that holds the shared im2col scratch.</summary>
    private const string Scratch = "_convolutionScratch";

    private Conv2DSpec Spec => (Conv2DSpec)Layer.Spec;

    private bool HasActivation => !Spec.Activation.IsIdentity;

    /// <summary>The kernel applies the activation itself: no pre-activation buffer and no separate activation pass.</summary>
    private bool Fused => ConvolutionShapes.FusesActivation(Spec);

    private string OutputSize => Name + "OutputSize";

    public override Buffer Output => new(Field("Output"), OutputSize);

    /// <summary>Holds the gradient of the output; the activation's backward turns it, in place, into the pre-activation's.</summary>
    public override Buffer? OutputGradient => new(Field("Gradient"), OutputSize);

    private Buffer PreActivation => new(Field("PreActivation"), OutputSize);

    /// <summary>Where the convolution writes: the output when the activation is fused (or there is none), else the pre-activation buffer.</summary>
    private Buffer Product => Fused ? Output : PreActivation;

    /// <summary>The zero padding on each side; the kernels' per-side overloads run where the sides differ (SamePadding's Keras rule).</summary>
    private ConvolutionPadding Padding => ConvolutionShapes.PaddingOf(Spec, Layer.Input);

    public override string Describe()
    {
        var parts = new List<string> { $"{Name}: {Layer.Input} -> {Layer.Output}", $"{Spec.Kernel}x{Spec.Kernel} kernel" };
        if (Spec.Stride != 1) parts.Add($"stride {Spec.Stride}");
        if (Spec.SamePadding) parts.Add($"same padding ({Padding})");
        else if (Spec.Padding != 0) parts.Add($"padding {Spec.Padding}");
        if (Spec.Dilation != 1) parts.Add($"dilation {Spec.Dilation}");
        if (HasActivation) parts.Add(Spec.Activation.ToString());
        if (!Spec.UseBias) parts.Add("no bias");
        return string.Join(", ", parts);
    }

    public override string TableName() => $"{Name} {Spec.Kernel}x{Spec.Kernel}" + (HasActivation ? $" {Spec.Activation}" : "");

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        yield return (CheckpointName + ".weight", new[] { Spec.Filters, Layer.Input.Dimensions[0], Spec.Kernel, Spec.Kernel }, $"{Name}WeightOffset");
        if (Spec.UseBias) yield return (CheckpointName + ".bias", new[] { Spec.Filters }, $"{Name}BiasOffset");
    }

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Name}InChannels = {Literals.Int(Layer.Input.Dimensions[0])};");
        writer.WriteLine($"private const int {Name}InHeight = {Literals.Int(Layer.Input.Dimensions[1])};");
        writer.WriteLine($"private const int {Name}InWidth = {Literals.Int(Layer.Input.Dimensions[2])};");
        writer.WriteLine($"private const int {Name}Filters = {Literals.Int(Spec.Filters)};");
        writer.WriteLine($"private const int {Name}OutHeight = {Literals.Int(Layer.Output.Dimensions[1])};");
        writer.WriteLine($"private const int {Name}OutWidth = {Literals.Int(Layer.Output.Dimensions[2])};");
        writer.WriteLine($"private const int {Name}Kernel = {Literals.Int(Spec.Kernel)};");
        writer.WriteLine($"private const int {Name}Stride = {Literals.Int(Spec.Stride)};");
        ConvolutionPadding padding = Padding;
        if (padding.IsUniform)
        {
            writer.WriteLine($"private const int {Name}Padding = {Literals.Int(padding.Top)};");
        }
        else
        {
            // Keras's padding="same": the odd one of each dimension's padding goes below and right.
            writer.WriteLine($"private const int {Name}PadTop = {Literals.Int(padding.Top)};");
            writer.WriteLine($"private const int {Name}PadLeft = {Literals.Int(padding.Left)};");
            writer.WriteLine($"private const int {Name}PadBottom = {Literals.Int(padding.Bottom)};");
            writer.WriteLine($"private const int {Name}PadRight = {Literals.Int(padding.Right)};");
        }
        writer.WriteLine($"private const int {Name}Dilation = {Literals.Int(Spec.Dilation)};");
        writer.WriteLine($"private const int {OutputSize} = {Name}Filters * {Name}OutHeight * {Name}OutWidth;");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}WeightCount = {Literals.Int(Layer.WeightCount)};");
        writer.WriteLine($"private const int {Name}BiasOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const int {Name}BiasCount = {Literals.Int(Layer.BiasCount)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        if (!Fused) writer.WriteLine($"private readonly float[] {PreActivation.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {OutputSize}];");
        if (PooledKernel == PooledKernel.None) return;
        // The fused kernel's weights arranged for it, kept between calls: inference arranges them once (Conv2D.MaxPoolPreparedSize).
        string channels = PooledKernel == PooledKernel.Channels ? "true" : "false";
        writer.WriteLine($"private readonly float[] {Prepared} = new float[global::NetGen.Kernels.Conv2D.MaxPoolPreparedSize({channels}, {Name}InChannels, {Name}InHeight, {Name}InWidth, {Name}Filters, {Name}Kernel, {Name}Stride, {Name}Padding, {Name}Dilation)];");
    }

    /// <summary>The field that keeps the fused kernel's arranged weights between calls.</summary>
    private string Prepared => Field("Prepared");

    /// <summary>
    /// The one im2col scratch buffer every convolution shares, sized for the largest; nothing when the network
    /// has no convolution. Called once by the network emitter after every layer's fields.
    /// </summary>
    public static void EmitSharedScratch(SourceWriter writer, IReadOnlyList<LayerEmitter> emitters)
    {
        var convolutions = emitters.OfType<Conv2DEmitter>().ToList();
        if (convolutions.Count == 0) return;
        int batch = convolutions[0].Network.BatchSize;
        string sizes = string.Join(", ", convolutions.Select(c => $"{c.Name} {Literals.Grouped(Math.Max(ConvolutionShapes.ScratchFloats(c.Layer, batch), ConvolutionKernelChoice.PooledScratchFloats(c.Layer, c.PooledKernel, batch)))}"));
        writer.WriteLine($"// Convolution scratch (Conv2D.ScratchSize: per-thread workspaces for chunks of samples, per-chunk weight-gradient partials)");
        writer.WriteLine($"// shared by every convolution, sized for the largest: {sizes} floats.");
        string size = convolutions.SelectMany(c => c.ScratchSizeCalls).Aggregate((a, b) => $"global::System.Math.Max({a}, {b})");
        writer.WriteLine($"private readonly float[] {Scratch} = new float[{size}];");
    }

    private IEnumerable<string> ScratchSizeCalls
    {
        get
        {
            yield return $"global::NetGen.Kernels.Conv2D.ScratchSize(BatchSize, {ShapeConstants})";
            if (PooledKernel == PooledKernel.None) yield break;
            string channels = PooledKernel == PooledKernel.Channels ? "true" : "false";
            yield return $"global::NetGen.Kernels.Conv2D.MaxPoolScratchSize({channels}, BatchSize, {Name}InChannels, {Name}InHeight, {Name}InWidth, {Name}Filters, {Name}Kernel, {Name}Stride, {Name}Padding, {Name}Dilation)";
        }
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s weight, [{Spec.Filters}, {Layer.Input.Dimensions[0]}, {Spec.Kernel}, {Spec.Kernel}] row-major (filters x in channels x kernel height x kernel width), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Weight => _parameters.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
        writer.WriteLine(Spec.UseBias
            ? $"/// <summary>{Name}'s bias, [{Layer.BiasCount}] (one per filter), a view into <see cref=\"Parameters\"/>.</summary>"
            : $"/// <summary>{Name}'s bias: empty, the layer has none (UseBias = false).</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Bias => _parameters.Slice({Name}BiasOffset, {Name}BiasCount);");
        writer.WriteLine();
        writer.WriteLine($"private global::System.Span<float> {Name}WeightGradient => _gradients.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
        writer.WriteLine($"private global::System.Span<float> {Name}BiasGradient => _gradients.Slice({Name}BiasOffset, {Name}BiasCount);");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        string init = "global::NetGen.WeightInit." + Spec.Init;
        string fanIn = $"{Name}InChannels * {Name}Kernel * {Name}Kernel";
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightOffset, {Name}WeightCount), {init}, fanIn: {fanIn}, fanOut: {Name}Filters * {Name}Kernel * {Name}Kernel, scale: {Literals.Double(Spec.InitScale)}, ref rng);");
        if (Spec.UseBias)
        {
            writer.WriteLine($"global::NetGen.Initialization.Initializers.FillBias(parameters.Slice({Name}BiasOffset, {Name}BiasCount), {init}, fanIn: {fanIn}, ref rng);");
        }
    }

    private string ShapeArguments => "rows, " + ShapeConstants;

    private string ShapeConstants =>
        $"{Name}InChannels, {Name}InHeight, {Name}InWidth, {Name}Filters, {Name}Kernel, {Name}Kernel, " +
        $"{Name}Stride, {Name}Stride, {Paddings}, {Name}Dilation, {Name}Dilation";

    /// <summary>The kernels' padding arguments: one per dimension, or one per side (top, left, bottom, right).</summary>
    private string Paddings => Padding.IsUniform
        ? $"{Name}Padding, {Name}Padding"
        : $"{Name}PadTop, {Name}PadLeft, {Name}PadBottom, {Name}PadRight";

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (FusesTrainingPooling && FusedPool is { } trained)
        {
            // Nothing reads this layer's own output: the ReLU's backward runs on the pooled gradient, the pooling's on its argmax.
            writer.WriteLine($"// Convolution, bias, {Spec.Activation.Kind} and {trained.Name}'s 2x2 max in one pass (vectors of 16 output channels, chosen for this shape at build time);");
            writer.WriteLine($"// training also writes {trained.Name}'s argmax. This layer's own output is never written: nothing reads it.");
            writer.WriteLine($"global::NetGen.Kernels.Conv2D.ForwardMaxPoolChannels({Input.Span}, {Name}Weight, {Name}Bias, {trained.Output.Span}, training ? {trained.ArgmaxSpan} : default,");
            writer.WriteLine($"    {Prepared}, {Scratch}, global::NetGen.Activation.{Spec.Activation.Kind}, rows, {Name}InChannels, {Name}InHeight, {Name}InWidth, {Name}Filters, {Name}Kernel, {Name}Stride, {Name}Padding, {Name}Dilation);");
            return;
        }
        if (FusedPool is { } pool)
        {
            // Inference needs neither this layer's output nor the pooling's argmax: one kernel writes the pooled output.
            string kernel = PooledKernel == PooledKernel.Channels ? "ForwardMaxPoolChannels" : "ForwardMaxPoolPlanes";
            string reason = PooledKernel == PooledKernel.Channels ? "vectors of 16 output channels" : "vectors of 16 positions on zero-bordered rows";
            writer.WriteLine("if (!training)");
            writer.OpenBrace();
            writer.WriteLine($"// Inference: convolution, bias, {Spec.Activation.Kind} and {pool.Name}'s 2x2 max in one pass ({reason}, chosen for this shape at build time).");
            string argmax = PooledKernel == PooledKernel.Channels ? "default, " : "";
            writer.WriteLine($"global::NetGen.Kernels.Conv2D.{kernel}({Input.Span}, {Name}Weight, {Name}Bias, {pool.Output.Span}, {argmax}{Prepared}, {Scratch}, global::NetGen.Activation.{Spec.Activation.Kind},");
            writer.WriteLine($"    rows, {Name}InChannels, {Name}InHeight, {Name}InWidth, {Name}Filters, {Name}Kernel, {Name}Stride, {Name}Padding, {Name}Dilation);");
            writer.CloseBrace();
            writer.WriteLine("else");
            writer.OpenBrace();
            EmitConvolution(writer);
            writer.CloseBrace();
            return;
        }
        EmitConvolution(writer);
    }

    private void EmitConvolution(SourceWriter writer)
    {
        string activation = Fused && HasActivation ? $" global::NetGen.Activation.{Spec.Activation.Kind}," : "";
        writer.WriteLine($"global::NetGen.Kernels.Conv2D.Forward({Input.Span}, {Name}Weight, {Name}Bias, {Product.Span}, {Scratch},{activation}");
        writer.WriteLine($"    {ShapeArguments});");
        if (!Fused)
        {
            writer.WriteLine(ActivationCode.Forward(Spec.Activation, PreActivation.Span, Output.Span));
        }
    }

    /// <summary>
    /// Training's forward too runs fused, writing the pooling's argmax: the channel-vector kernel (the one that writes
    /// it), and an activation whose backward does not read this layer's output (none, or ReLU applied on the pooled gradient).
    /// </summary>
    private bool FusesTrainingPooling => FusedPool is not null && PooledKernel == PooledKernel.Channels && (ReluMaskedBy is not null || !HasActivation);

    /// <summary>The max pooling right after this layer whose backward applies this layer's ReLU backward (null: none).</summary>
    private string? ReluMaskedBy { get; set; }

    /// <summary>The max pooling right after this layer that its inference forward computes too (null: none).</summary>
    private Pool2DEmitter? FusedPool { get; set; }

    /// <summary>The fused kernel that computes it, chosen from the shape (<see cref="ConvolutionKernelChoice"/>).</summary>
    private PooledKernel PooledKernel { get; set; }

    /// <summary>
    /// Pairs each convolution with the MaxPool2D(2) right after it whose inference forward one kernel can compute
    /// (<see cref="ConvolutionKernelChoice.PooledKernelFor"/>). Called once by the network emitter on the chain.
    /// </summary>
    public static void FuseInferencePooling(IReadOnlyList<LayerEmitter> emitters, Plan.NetworkPlan plan)
    {
        for (int i = 0; i + 1 < emitters.Count; i++)
        {
            if (!plan.Layers[i].FusesWithNext || emitters[i] is not Conv2DEmitter conv || emitters[i + 1] is not Pool2DEmitter pool) continue;
            if (conv.Spec.Activation.Kind == ActivationKind.ReLU && ((Pool2DSpec)pool.Layer.Spec).Kind == PoolKind.Max && pool.OutputGradient is not null)
            {
                // ReLU's backward keeps dy where y > 0. Max pooling's backward gives a gradient only to each window's
                // argmax, whose y is the pooled output: so the mask taken on the pooled gradient (4x smaller for 2x2)
                // before the pooling's backward gives the same input gradient, bit for bit.
                conv.ReluMaskedBy = pool.Name;
                pool.AppliesReluBackward = true;
            }
            PooledKernel kernel = ConvolutionKernelChoice.PooledKernelFor(conv.Layer, pool.Layer.Spec);
            if (kernel == PooledKernel.None) continue;
            conv.FusedPool = pool;
            conv.PooledKernel = kernel;
            pool.ComputedByConvolution = conv.Name;
            pool.AlsoInTraining = conv.FusesTrainingPooling;
        }
    }

    public override void EmitBackward(SourceWriter writer)
    {
        string gradient = OutputGradient!.Span;
        writer.WriteLine($"// {Describe()}");
        if (ReluMaskedBy is { } pool)
        {
            writer.WriteLine($"// ReLU's backward ran on {pool}'s gradient: only each window's argmax gets a gradient, and its output is the pooled one.");
        }
        else if (HasActivation)
        {
            // A fused activation's backward reads the output alone.
            writer.WriteLine(ActivationCode.Backward(Spec.Activation, Fused ? "default" : PreActivation.Span, Output.Span, gradient, gradient));
        }

        string inputGradient = InputGradient?.Span ?? "default";
        writer.WriteLine($"global::NetGen.Kernels.Conv2D.Backward({gradient}, {Input.Span}, {Name}Weight, {inputGradient},");
        writer.WriteLine($"    {Name}WeightGradient, {Name}BiasGradient, {Scratch},");
        writer.WriteLine($"    {ShapeArguments});");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s parameters\", _parameters.Slice({Name}WeightOffset, {Name}WeightCount + {Name}BiasCount), columns: 0)";
        // A layer fused with its pooling in training writes no output of its own: the pooling's check covers it.
        if (!FusesTrainingPooling) yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {OutputSize})";
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", $"{Name}WeightCount + {Name}BiasCount");

    /// <summary>The weight (not the bias) carries the layer's L1/L2 penalty, or the network's [Regularization].</summary>
    public override Penalty? Penalized =>
        Spec.Penalty.Over(Network.Options.Penalty) is { IsNone: false } penalty ? new Penalty($"{Name}Weight", $"{Name}WeightGradient", penalty) : null;

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var conv = (Conv2DSpec)Layer.Spec;
        ConvolutionPadding padding = Padding;
        // ONNX's pads are [top, left, bottom, right]; where the sides differ they are set one by one.
        string pads = padding.IsUniform ? "" :
            $" {{ Pads = new int[] {{ {Literals.Int(padding.Top)}, {Literals.Int(padding.Left)}, {Literals.Int(padding.Bottom)}, {Literals.Int(padding.Right)} }} }}";
        return $"new {OnnxEmitter.Onnx}OnnxConv2D({name}, {Literals.Int(Layer.Input.Dimensions[0])}, {Literals.Int(conv.Filters)}, kernel: {Literals.Int(conv.Kernel)}, " +
               $"stride: {Literals.Int(conv.Stride)}, padding: {Literals.Int(padding.IsUniform ? padding.Top : 0)}, dilation: {Literals.Int(conv.Dilation)}, " +
               $"{offset("weight")}, {offset("bias")}, {OnnxEmitter.Activation(conv.Activation)}){pads}";
    }
}
