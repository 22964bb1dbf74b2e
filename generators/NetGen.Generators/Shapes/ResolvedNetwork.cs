using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>
/// A layer with everything the emitter needs as constants: its name in generated code, shapes in and out,
/// and where its parameters sit in the flat parameter buffer.
/// </summary>
public sealed record ResolvedLayer(
    LayerSpec Spec,
    string Name,
    TensorShape Input,
    TensorShape Output,
    int WeightOffset,
    int WeightCount,
    int BiasOffset,
    int BiasCount,
    int StatisticsOffset = 0,
    int StatisticsCount = 0)
{
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>The layers whose outputs this one reads (-1: the network input), always explicit.</summary>
    public EquatableArray<int> Sources { get; init; }

    /// <summary>The shapes of every input, in <see cref="Sources"/> order (joins read several; <see cref="Input"/> is the first).</summary>
    public EquatableArray<TensorShape> InputShapes { get; init; }

    /// <summary>The name in checkpoints and ONNX files, as PyTorch's state_dict prefix: "dense1", "blocks.0.dense2", "stem".</summary>
    public string CheckpointName { get; init; } = "";

    /// <summary>Reads exactly the layer before it (or the network input, for the first layer): a straight stack's link.</summary>
    public bool ReadsPrevious => Sources.Count == 1 && Sources[0] == Spec.Index - 1;
}

/// <summary>A network whose shapes, parameter layout and buffer sizes are all known.</summary>
public sealed record ResolvedNetwork(
    NetworkModel Model,
    EquatableArray<ResolvedLayer> Layers,
    int ParameterCount,
    int OptimizerStateCount,
    long ActivationFloats,
    int StatisticsCount = 0)
{
    public TensorShape InputShape => new(Model.InputShape);

    public TensorShape OutputShape => Layers.Count == 0 ? InputShape : Layers[Layers.Count - 1].Output;

    /// <summary>Some layer reads another than the one before it: the network is a graph, not a straight stack.</summary>
    public bool IsGraph => Layers.Any(l => !l.ReadsPrevious);

    /// <summary>The network starts with an embedding: its inputs are token ids (int), not floats.</summary>
    public bool HasTokenInput => Layers.Count > 0 && Layers[0].Spec is EmbeddingSpec;

    /// <summary>The output is a (steps, classes) sequence under softmax cross-entropy: one label per step.</summary>
    public bool ClassifiesEveryStep => Model.Loss.Kind == LossKind.SoftmaxCrossEntropy && OutputShape.Rank == 2;
}

/// <summary>
/// A declaration that cannot work, found by shape inference. The parser turns it into a diagnostic at
/// the attribute of layer <see cref="LayerIndex"/> (or its argument <see cref="Argument"/>); -1 means the loss, -2 the [Network] attribute.
/// </summary>
public sealed record ShapeError(int LayerIndex, string? Argument, string DiagnosticId, EquatableArray<string> MessageArguments);
