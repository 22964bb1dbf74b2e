using System.Globalization;

namespace NetGen.Onnx;

/// <summary>One attribute of an ONNX node: an int, a float, a list of ints or a string.</summary>
public readonly record struct OnnxAttribute
{
    // AttributeProto.AttributeType
    internal const int FloatType = 1, IntType = 2, StringType = 3, IntsType = 7;

    private OnnxAttribute(string name, int type, long integer, float real, long[]? integers, string? text)
    {
        Name = name;
        Type = type;
        Integer = integer;
        Real = real;
        Integers = integers;
        Text = text;
    }

    /// <summary>The attribute's name, e.g. <c>kernel_shape</c>.</summary>
    public string Name { get; }

    internal int Type { get; }

    internal long Integer { get; }

    internal float Real { get; }

    internal long[]? Integers { get; }

    internal string? Text { get; }

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, IntType, value, 0, null, null);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, FloatType, 0, value, null, null);

    /// <summary>An INTS attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, IntsType, 0, 0, values, null);

    /// <summary>A STRING attribute.</summary>
    public static OnnxAttribute String(string name, string value) => new(name, StringType, 0, 0, null, value);
}

/// <summary>
/// An ONNX graph under construction: nodes in topological order, constant tensors (initializers), one
/// input and one output with a symbolic batch dimension "N"; <see cref="WriteModel"/> serializes it as a
/// ModelProto. Field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto, AttributeProto,
/// TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The ONNX operator set the graph's nodes are written against.</summary>
    public const int OpsetVersion = 17;

    /// <summary>IR version 8 (ONNX 1.12, 2021-07-30), the IR of opset 17.</summary>
    public const int IrVersion = 8;

    /// <summary>TensorProto.DataType.FLOAT.</summary>
    public const int FloatType = 1;

    /// <summary>TensorProto.DataType.INT64.</summary>
    public const int Int64Type = 7;

    /// <summary>The symbolic batch dimension on the input and the output.</summary>
    public const string BatchDimension = "N";

    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalars = [];
    private (string Name, int Type, int[] Shape)? _input;
    private (string Name, int Type, int[] Shape)? _output;

    private sealed record Node(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

    private sealed record Initializer(string Name, int Type, long[] Dimensions, float[]? Floats, long[]? Integers);

    /// <summary>The number of nodes so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>The operator types in node order (for tests and diagnostics).</summary>
    public IEnumerable<string> OperatorTypes => _nodes.Select(n => n.OpType);

    /// <summary>The values of a float initializer (for tests); null when there is none of that name.</summary>
    internal float[]? InitializerValues(string name) => _initializers.FirstOrDefault(i => i.Name == name)?.Floats;

    /// <summary>Declares the graph input: <paramref name="sampleShape"/> with the batch dimension "N" in front.</summary>
    public string SetInput(string name, int elementType, int[] sampleShape)
    {
        Reserve(name);
        _input = (name, elementType, (int[])sampleShape.Clone());
        return name;
    }

    /// <summary>Declares the graph output: an Identity from <paramref name="value"/> to <paramref name="name"/>, shape "N" x <paramref name="sampleShape"/>.</summary>
    public void SetOutput(string value, string name, int[] sampleShape)
    {
        AddNode("Identity", name, [value]);
        _output = (name, FloatType, (int[])sampleShape.Clone());
    }

    /// <summary>A float constant; <paramref name="values"/> are copied.</summary>
    public string AddInitializer(string name, int[] shape, ReadOnlySpan<float> values)
    {
        long count = shape.Aggregate(1L, (product, d) => product * d);
        if (count != values.Length)
        {
            throw new ArgumentException($"initializer '{name}' has shape [{string.Join(", ", shape)}] ({count} values) but {values.Length} values.", nameof(values));
        }

        Reserve(name);
        _initializers.Add(new Initializer(name, FloatType, shape.Select(d => (long)d).ToArray(), values.ToArray(), null));
        return name;
    }

    /// <summary>A 1-D int64 constant (shapes, axes).</summary>
    public string AddInt64Initializer(string name, params long[] values)
    {
        Reserve(name);
        _initializers.Add(new Initializer(name, Int64Type, [values.Length], null, (long[])values.Clone()));
        return name;
    }

    /// <summary>A float scalar constant, shared by every node that uses the same value.</summary>
    public string Scalar(float value)
    {
        if (!_scalars.TryGetValue(value, out string? name))
        {
            name = "const_" + value.ToString("R", CultureInfo.InvariantCulture);
            Reserve(name);
            _initializers.Add(new Initializer(name, FloatType, [], [value], null));
            _scalars.Add(value, name);
        }

        return name;
    }

    /// <summary>Adds a node with one output named <paramref name="name"/> (also the node's name) and returns it.</summary>
    public string AddNode(string opType, string name, string[] inputs, params OnnxAttribute[] attributes)
    {
        AddNode(opType, name, inputs, [name], attributes);
        return name;
    }

    /// <summary>Adds a node with several outputs (an empty name skips an optional output).</summary>
    public void AddNode(string opType, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        foreach (string output in outputs.Where(o => o.Length > 0)) Reserve(output);
        _nodes.Add(new Node(opType, name, (string[])inputs.Clone(), (string[])outputs.Clone(), (OnnxAttribute[])attributes.Clone()));
    }

    /// <summary>A value name not used yet: <paramref name="stem"/>, else <paramref name="stem"/>_2, _3...</summary>
    public string UniqueName(string stem)
    {
        if (!_names.Contains(stem)) return stem;
        for (int i = 2; ; i++)
        {
            string candidate = stem + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (!_names.Contains(candidate)) return candidate;
        }
    }

    private void Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_names.Add(name)) throw new ArgumentException($"ONNX value name '{name}' is used twice.", nameof(name));
    }

    /// <summary>Serializes the graph as an ONNX ModelProto (IR 8, default-domain opset 17).</summary>
    /// <exception cref="InvalidOperationException">The input or the output was not declared.</exception>
    public byte[] WriteModel(string graphName, string docString)
    {
        if (_input is null || _output is null) throw new InvalidOperationException("an ONNX graph needs its input and output declared before it is written.");

        var graph = new ProtoWriter();
        foreach (Node node in _nodes) graph.WriteMessage(1, WriteNode(node));              // GraphProto.node = 1
        graph.WriteString(2, graphName);                                                  // GraphProto.name = 2
        foreach (Initializer initializer in _initializers) graph.WriteMessage(5, WriteTensor(initializer)); // initializer = 5
        if (docString.Length > 0) graph.WriteString(10, docString);                        // doc_string = 10
        graph.WriteMessage(11, WriteValueInfo(_input.Value));                              // input = 11
        graph.WriteMessage(12, WriteValueInfo(_output.Value));                             // output = 12

        var opset = new ProtoWriter();
        opset.WriteString(1, "");                                                          // OperatorSetIdProto.domain = 1
        opset.WriteInt64(2, OpsetVersion);                                                 // version = 2

        var model = new ProtoWriter();
        model.WriteInt64(1, IrVersion);                                                    // ModelProto.ir_version = 1
        model.WriteString(2, "NetGen");                                                    // producer_name = 2
        model.WriteString(3, typeof(OnnxGraph).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"); // producer_version = 3
        model.WriteInt64(5, 1);                                                            // model_version = 5
        model.WriteMessage(7, graph);                                                      // graph = 7
        model.WriteMessage(8, opset);                                                      // opset_import = 8
        return model.WrittenSpan.ToArray();
    }

    private static ProtoWriter WriteNode(Node node)
    {
        var writer = new ProtoWriter();
        foreach (string input in node.Inputs) writer.WriteString(1, input);                // NodeProto.input = 1
        foreach (string output in node.Outputs) writer.WriteString(2, output);             // output = 2
        writer.WriteString(3, node.Name);                                                  // name = 3
        writer.WriteString(4, node.OpType);                                                // op_type = 4
        foreach (OnnxAttribute attribute in node.Attributes)                               // attribute = 5
        {
            var proto = new ProtoWriter();
            proto.WriteString(1, attribute.Name);                                          // AttributeProto.name = 1
            switch (attribute.Type)
            {
                case OnnxAttribute.FloatType: proto.WriteFloat(2, attribute.Real); break;  // f = 2
                case OnnxAttribute.IntType: proto.WriteInt64(3, attribute.Integer); break; // i = 3
                case OnnxAttribute.StringType: proto.WriteString(4, attribute.Text!); break; // s = 4
                default: proto.WritePackedInt64(8, attribute.Integers); break;             // ints = 8
            }

            proto.WriteInt64(20, attribute.Type);                                          // type = 20
            writer.WriteMessage(5, proto);
        }

        return writer;
    }

    private static ProtoWriter WriteTensor(Initializer tensor)
    {
        var writer = new ProtoWriter();
        if (tensor.Dimensions.Length > 0) writer.WritePackedInt64(1, tensor.Dimensions);  // TensorProto.dims = 1
        writer.WriteInt64(2, tensor.Type);                                                 // data_type = 2
        if (tensor.Integers is not null) writer.WritePackedInt64(7, tensor.Integers);     // int64_data = 7
        writer.WriteString(8, tensor.Name);                                                // name = 8
        if (tensor.Floats is not null) writer.WriteFloatsAsBytes(9, tensor.Floats);       // raw_data = 9 (little-endian)
        return writer;
    }

    private static ProtoWriter WriteValueInfo((string Name, int Type, int[] Shape) value)
    {
        var shape = new ProtoWriter();
        var batch = new ProtoWriter();
        batch.WriteString(2, BatchDimension);                                              // Dimension.dim_param = 2
        shape.WriteMessage(1, batch);                                                      // TensorShapeProto.dim = 1
        foreach (int size in value.Shape)
        {
            var dimension = new ProtoWriter();
            dimension.WriteInt64(1, size);                                                 // Dimension.dim_value = 1
            shape.WriteMessage(1, dimension);
        }

        var tensorType = new ProtoWriter();
        tensorType.WriteInt64(1, value.Type);                                              // TypeProto.Tensor.elem_type = 1
        tensorType.WriteMessage(2, shape);                                                 // shape = 2
        var type = new ProtoWriter();
        type.WriteMessage(1, tensorType);                                                  // TypeProto.tensor_type = 1

        var writer = new ProtoWriter();
        writer.WriteString(1, value.Name);                                                 // ValueInfoProto.name = 1
        writer.WriteMessage(2, type);                                                      // type = 2
        return writer;
    }
}
