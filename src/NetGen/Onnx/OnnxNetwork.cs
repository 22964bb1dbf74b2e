namespace NetGen.Onnx;

/// <summary>What a network's ONNX file ends with, matching the generated <c>Predict</c>.</summary>
public enum OnnxOutput
{
    /// <summary>The last layer's output as it is (regression).</summary>
    Identity,

    /// <summary>Softmax over all of each sample's values (a classifier's probabilities).</summary>
    Softmax,

    /// <summary>Softmax over the classes of each step of a (steps, classes) output (one label per step).</summary>
    SoftmaxPerStep,
}

/// <summary>
/// A generated network as an ONNX graph: the generator emits one as a static table (the layers with their
/// constants and parameter offsets) and <c>ExportOnnx</c> passes it the trained buffers:
/// <code>
/// private static readonly global::NetGen.Onnx.OnnxNetwork OnnxDescription = new("MnistMlp", new[] { 784 }, new[] { 10 }, tokenInput: false,
///     ParameterCount, StatisticsCount, global::NetGen.Onnx.OnnxOutput.Softmax, new global::NetGen.Onnx.OnnxLayer[]
///     {
///         new global::NetGen.Onnx.OnnxDense("dense1", 784, 256, 0, Dense1WeightOffset, Dense1BiasOffset, global::NetGen.Activation.ReLU, 0f),
///         ...
///     });
///
/// public void ExportOnnx(string path) => OnnxDescription.Export(path, _parameters, _statistics);
/// </code>
/// The file: ONNX IR 8, opset 17, input <c>input</c> (float [N, ...sample], or int64 token ids [N, T] for a
/// network that starts with an embedding) and output <c>output</c> (float [N, ...output]), N a symbolic batch
/// dimension; weights stored as initializers named as the checkpoint's tensors (<c>dense1.weight</c>).
/// Inference semantics: dropout is the identity, batch normalization uses the running statistics, recurrent
/// layers start from the zero state.
/// </summary>
public sealed class OnnxNetwork
{
    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    private readonly int[] _inputShape;
    private readonly int[] _outputShape;
    private readonly OnnxLayer[] _layers;

    /// <summary>Stores a network description.</summary>
    /// <param name="name">The network's class name (the graph's name).</param>
    /// <param name="inputShape">One sample's input shape (without the batch dimension).</param>
    /// <param name="outputShape">One sample's output shape.</param>
    /// <param name="tokenInput">The input is token ids (int64 in the file) rather than floats.</param>
    /// <param name="parameterCount">Floats in the parameter buffer.</param>
    /// <param name="statisticsCount">Floats in the running-statistics buffer.</param>
    /// <param name="output">What follows the last layer.</param>
    /// <param name="layers">The layers in order.</param>
    public OnnxNetwork(string name, int[] inputShape, int[] outputShape, bool tokenInput, int parameterCount, int statisticsCount, OnnxOutput output,
        OnnxLayer[] layers)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(outputShape);
        ArgumentNullException.ThrowIfNull(layers);
        Name = name;
        _inputShape = (int[])inputShape.Clone();
        _outputShape = (int[])outputShape.Clone();
        TokenInput = tokenInput;
        ParameterCount = parameterCount;
        StatisticsCount = statisticsCount;
        Output = output;
        _layers = (OnnxLayer[])layers.Clone();
    }

    /// <summary>The network's class name.</summary>
    public string Name { get; }

    /// <summary>The input is token ids.</summary>
    public bool TokenInput { get; }

    /// <summary>Floats in the parameter buffer.</summary>
    public int ParameterCount { get; }

    /// <summary>Floats in the statistics buffer.</summary>
    public int StatisticsCount { get; }

    /// <summary>What follows the last layer.</summary>
    public OnnxOutput Output { get; }

    /// <summary>The layers.</summary>
    public IReadOnlyList<OnnxLayer> Layers => _layers;

    /// <summary>Builds the whole graph in memory (so an unsupported layer fails before anything is written).</summary>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping; the message names it.</exception>
    public OnnxGraph Build(ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> statistics)
    {
        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"{Name}: the parameter buffer holds {parameters.Length} floats; the network has {ParameterCount}.", nameof(parameters));
        }

        if (statistics.Length != StatisticsCount)
        {
            throw new ArgumentException($"{Name}: the statistics buffer holds {statistics.Length} floats; the network has {StatisticsCount}.", nameof(statistics));
        }

        var graph = new OnnxGraph();
        var export = new OnnxExport(graph, parameters, statistics);
        string value = graph.SetInput(InputName, TokenInput ? OnnxGraph.Int64Type : OnnxGraph.FloatType, _inputShape);
        // Each layer reads the one before it, or the outputs its Inputs name (branches and joins of a graph).
        string input = value;
        var outputs = new string[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            OnnxLayer layer = _layers[i];
            string[] reads = layer.Inputs is null ? [value] : Array.ConvertAll(layer.Inputs, j => j < 0 ? input : outputs[j]);
            value = outputs[i] = layer is OnnxJoin join ? join.Append(export, reads) : layer.Append(export, reads[0]);
        }

        value = Output switch
        {
            OnnxOutput.Softmax => new OnnxSoftmax("probabilities", _outputShape).Append(export, value),
            OnnxOutput.SoftmaxPerStep => new OnnxSoftmax("probabilities", _outputShape, lastAxisOnly: true).Append(export, value),
            _ => value,
        };
        graph.SetOutput(value, OutputName, _outputShape);
        return graph;
    }

    /// <summary>The serialized ONNX model (a ModelProto).</summary>
    public byte[] ToBytes(ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> statistics) =>
        Build(parameters, statistics).WriteModel(Name, $"{Name}, exported by NetGen: {_layers.Length} layers, {ParameterCount} parameters.");

    /// <summary>Writes the model to <paramref name="stream"/>.</summary>
    public void Export(Stream stream, ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> statistics)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(parameters, statistics));
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> through a temporary file in the same folder, renamed over the
    /// target once complete and flushed: a failure never leaves a half file, and an existing file is kept until then.
    /// </summary>
    public void Export(string path, ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> statistics)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] model = ToBytes(parameters, statistics);
        Checkpoints.AtomicFile.Write(path, file => file.Write(model));
    }
}
