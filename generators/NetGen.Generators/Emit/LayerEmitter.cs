using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// A batch of activations in generated code: a field holding <c>BatchSize * size</c> floats, or the
/// caller's <c>inputs</c> span. <see cref="Span"/> is the expression for the first <c>rows</c> samples.
/// </summary>
internal sealed record Buffer(string Field, string SizeConstant)
{
    public static Buffer Inputs { get; } = new("inputs", "InputSize");

    public bool IsInputs => Field == Inputs.Field;

    public string Span => IsInputs ? Field : $"First({Field}, rows * {SizeConstant})";
}

/// <summary>A weight that carries an L1/L2 penalty: the expressions for its values and gradient.</summary>
internal sealed record Penalty(string Weight, string Gradient, PenaltySpec Spec);

/// <summary>
/// Emits one layer's part of the generated class: constants, buffers, initialization, forward and backward.
/// One subclass per layer kind keeps each layer's forward and backward code side by side.
/// </summary>
internal abstract class LayerEmitter(ResolvedLayer layer)
{
    public ResolvedLayer Layer { get; } = layer;

    public string Name => Layer.Name;

    /// <summary>The whole network's declaration, for network-wide options such as weight penalties.</summary>
    public NetworkModel Network { get; set; } = null!;

    /// <summary>This layer's penalized weight, if any.</summary>
    public virtual Penalty? Penalized => null;

    /// <summary>Where this layer's parameters sit in the flat buffer, as expressions over its named constants.</summary>
    public virtual (string Offset, string Count) ParameterRange => (Literals.Int(Layer.WeightOffset), Literals.Int(Layer.ParameterCount));

    /// <summary>This layer's tensors in a checkpoint, named as PyTorch's state_dict ("dense1.weight"): name, shape, offset expression.</summary>
    public virtual System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        yield break;
    }

    /// <summary>This layer's running statistics in a checkpoint ("batchnorm1.running_mean"), as offsets into the statistics buffer.</summary>
    public virtual System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointStatistics()
    {
        yield break;
    }

    /// <summary>The prefix of this layer's checkpoint tensor names: its name in lower case.</summary>
    protected string CheckpointName => Layer.CheckpointName;

    /// <summary>Whether the layer draws random numbers in training (dropout).</summary>
    public virtual bool UsesRandom => false;

    /// <summary>Where this layer reads its input and writes its input gradient (set by the network emitter).</summary>
    public Buffer Input { get; set; } = Buffer.Inputs;

    public Buffer? InputGradient { get; set; }

    /// <summary>Every input the layer reads (joins read several; <see cref="Input"/> is the first), set by the network emitter.</summary>
    public System.Collections.Generic.IReadOnlyList<Buffer> InputBuffers { get; set; } = System.Array.Empty<Buffer>();

    /// <summary>Where the backward writes each input's gradient (null: the input has none).</summary>
    public System.Collections.Generic.IReadOnlyList<Buffer?> InputGradients { get; set; } = System.Array.Empty<Buffer?>();

    /// <summary>For each input: the gradient is added to what another reader of the same output wrote (joins add it themselves).</summary>
    public System.Collections.Generic.IReadOnlyList<bool> AccumulatesInputGradients { get; set; } = System.Array.Empty<bool>();

    /// <summary>
    /// The shared gradient buffer this layer's input gradient is added to, after its backward wrote it to its own buffer
    /// (<see cref="InputGradient"/>) because another reader of the same output wrote the shared one first; null otherwise.
    /// </summary>
    public Buffer? AccumulatesInto { get; set; }

    /// <summary>How comments name each input: its checkpoint name, or "input".</summary>
    public System.Collections.Generic.IReadOnlyList<string> InputNames { get; set; } = System.Array.Empty<string>();

    /// <summary>Where this layer's output and its gradient live.</summary>
    public abstract Buffer Output { get; }

    public abstract Buffer? OutputGradient { get; }

    /// <summary>One line for the comment above the layer's code and the table, e.g. "Dense1: 784 -> 256, ReLU".</summary>
    public abstract string Describe();

    /// <summary>The short kind and settings for the table's Layer column, e.g. "Dense1 ReLU".</summary>
    public abstract string TableName();

    public virtual void EmitConstants(SourceWriter writer)
    {
    }

    public virtual void EmitFields(SourceWriter writer)
    {
    }

    public virtual void EmitAccessors(SourceWriter writer)
    {
    }

    /// <summary>Code inside <c>FillParameters(Span&lt;float&gt; parameters, ref Rng rng)</c>.</summary>
    public virtual void EmitInitialization(SourceWriter writer)
    {
    }

    public abstract void EmitForward(SourceWriter writer);

    public abstract void EmitBackward(SourceWriter writer);

    /// <summary>
    /// Expressions that describe this layer's first non-finite parameter or output value, or are null when
    /// all are finite; chained with ?? to name where a NaN loss came from.
    /// </summary>
    public virtual System.Collections.Generic.IEnumerable<string> NonFiniteChecks()
    {
        yield break;
    }

    /// <summary>
    /// The constructor call of this layer's ONNX description (<paramref name="name"/> quoted; <paramref name="offset"/> gives a
    /// tensor's offset expression by its checkpoint suffix, "weight" or "running_mean", or "-1" when it has none).
    /// </summary>
    public virtual string OnnxOperator(string name, System.Func<string, string> offset) =>
        $"new {OnnxEmitter.Onnx}OnnxUnsupported({name}, \"{Layer.Spec.KindName} has no ONNX operator mapping yet\")";

    protected string Field(string suffix) => "_" + char.ToLowerInvariant(Name[0]) + Name.Substring(1) + suffix;

    public static LayerEmitter For(ResolvedLayer layer) => Layers.LayerKinds.For(layer.Spec).CreateEmitter(layer);
}
