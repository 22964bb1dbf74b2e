namespace NetGen.Onnx;

/// <summary>
/// What a layer's translation needs while it appends its nodes: the graph, the trained parameter and
/// statistics buffers, and fresh value names under the layer's name (<c>dense1/Gemm</c>, ...).
/// </summary>
public sealed class OnnxExport
{
    private readonly ReadOnlyMemory<float> _parameters;
    private readonly ReadOnlyMemory<float> _statistics;

    internal OnnxExport(OnnxGraph graph, ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> statistics)
    {
        Graph = graph;
        _parameters = parameters;
        _statistics = statistics;
    }

    /// <summary>The graph under construction.</summary>
    public OnnxGraph Graph { get; }

    /// <summary><paramref name="count"/> parameters from <paramref name="offset"/>, checked against the buffer.</summary>
    internal ReadOnlySpan<float> Parameters(string layer, int offset, int count) => Slice(_parameters, "parameters", layer, offset, count);

    /// <summary><paramref name="count"/> running statistics from <paramref name="offset"/>, checked against the buffer.</summary>
    internal ReadOnlySpan<float> Statistics(string layer, int offset, int count) => Slice(_statistics, "statistics", layer, offset, count);

    private static ReadOnlySpan<float> Slice(ReadOnlyMemory<float> buffer, string what, string layer, int offset, int count)
    {
        if (offset < 0 || count < 0 || (long)offset + count > buffer.Length)
        {
            throw new ArgumentException($"layer {layer}: {count} {what} at offset {offset} lie outside the {buffer.Length} floats of the {what} buffer.");
        }

        return buffer.Span.Slice(offset, count);
    }

    /// <summary>Adds a node named after the layer and the operator (unique), with one output, and returns the output.</summary>
    internal string Node(string layer, string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        Graph.AddNode(opType, Graph.UniqueName(layer + "/" + opType), inputs, attributes);

    /// <summary>A float initializer named <c>layer.part</c>.</summary>
    internal string Initializer(string layer, string part, int[] shape, ReadOnlySpan<float> values) =>
        Graph.AddInitializer(Graph.UniqueName(layer + "." + part), shape, values);
}
