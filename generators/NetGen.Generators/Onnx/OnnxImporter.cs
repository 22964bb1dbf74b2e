using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Onnx;

/// <summary>A construct of the file that NetGen cannot map: which diagnostic, and its message arguments after the file name.</summary>
public sealed record OnnxProblem(string DiagnosticId, EquatableArray<string> Arguments);

/// <summary>The tensors one imported layer starts from, in the layout of its parameters (and running statistics).</summary>
internal sealed class LayerTensors
{
    public float[]? Weight;
    public float[]? Bias;
    public float[]? Mean;
    public float[]? Variance;
}

/// <summary>
/// Maps an ONNX graph onto NetGen's layer records, the model the attribute parser builds, so shape inference, the plan
/// and the emitters run unchanged: Gemm and MatMul (+ Add of a bias) become Dense, an activation right after a Dense or
/// Conv2D with no other reader fuses into it, Conv, MaxPool/AveragePool, GlobalAveragePool, BatchNormalization,
/// Flatten/Reshape, Dropout, Add and Concat map one to one, Identity and zero Pad are dropped, and a final Softmax is
/// the classifier's output (Predict applies it). Anything else is an <see cref="OnnxProblem"/> naming the node.
/// </summary>
internal sealed partial class OnnxImporter
{
    public const long MinOpset = 7;
    public const long MaxOpset = 21;

    private readonly OnnxModel _file;
    private readonly LossKind _loss;
    private readonly List<LayerSpec> _layers = new();
    private readonly List<LayerTensors> _tensors = new();
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _rank = new(StringComparer.Ordinal); // per sample, NetGen's view
    private readonly Dictionary<string, OnnxTensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal); // outputs of nodes already reported

    public List<OnnxProblem> Problems { get; } = new();

    /// <summary>The imported layers; their tensors in <see cref="Tensors"/> at the same index.</summary>
    public List<LayerSpec> Layers => _layers;

    public List<LayerTensors> Tensors => _tensors;

    public EquatableArray<int> InputShape { get; private set; }

    private OnnxImporter(OnnxModel file, LossKind loss)
    {
        _file = file;
        _loss = loss;
    }

    public static OnnxImporter Import(OnnxModel file, LossKind loss)
    {
        var importer = new OnnxImporter(file, loss);
        importer.Run();
        return importer;
    }

    private void Problem(string id, params string[] arguments) => Problems.Add(new OnnxProblem(id, arguments.ToEquatableArray()));

    private void Run()
    {
        if (_file.Opset < MinOpset || _file.Opset > MaxOpset)
        {
            Problem(DiagnosticIds.OnnxUnsupportedOpset, _file.Opset < 0 ? "none" : Int(_file.Opset), Int(MinOpset), Int(MaxOpset));
            return;
        }

        foreach (OnnxTensor initializer in _file.Initializers) _constants[initializer.Name] = initializer;
        // Constant nodes too, before the walk: a pattern recognized at its first node (GELU's Div) reads later ones.
        foreach (OnnxNode node in _file.Nodes.Where(n => n.OpType == "Constant" && n.Outputs.Count > 0 && n.Attribute("value")?.Tensor is not null))
        {
            _constants[node.Outputs[0]] = node.Attribute("value")!.Tensor!;
        }
        foreach (OnnxNode node in _file.Nodes)
        {
            foreach (string input in node.Inputs) _readers[input] = _readers.TryGetValue(input, out int n) ? n + 1 : 1;
        }

        foreach (OnnxValue output in _file.Outputs) _graphOutputs.Add(output.Name);
        if (!ReadInput()) return;
        foreach (OnnxNode node in _file.Nodes)
        {
            int before = Problems.Count;
            if (!node.Inputs.Any(_failed.Contains)) MapNode(node);
            if (Problems.Count == before && !node.Inputs.Any(_failed.Contains)) continue;
            if (Problems.Count >= 20) return; // enough to fix first
            foreach (string output in node.Outputs) _failed.Add(output); // its readers say nothing more about it
        }

        if (Problems.Count > 0) return;
        if (_file.Outputs.Count != 1)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the graph has {Int(_file.Outputs.Count)} outputs; NetGen networks have one: export the model with one output");
            return;
        }

        string outputName = _file.Outputs[0].Name;
        if (!_producer.TryGetValue(outputName, out int last) || last != _layers.Count - 1 || _layers.Count == 0)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the graph's output '{outputName}' is not computed by its last layer: export a model whose last node computes its output");
        }
    }

    private bool ReadInput()
    {
        var inputs = _file.Inputs.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the graph has {Int(inputs.Count)} inputs besides its initializers; NetGen networks have one: export the model with one input tensor");
            return false;
        }

        OnnxValue input = inputs[0];
        bool tokens = input.ElementType is OnnxTensor.Int64 or OnnxTensor.Int32 && ReadsTokens(input.Name);
        if (input.ElementType != OnnxTensor.Float && !tokens)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the input '{input.Name}' holds elements of ONNX type {Int(input.ElementType)}; NetGen imports float (type 1) inputs, or int64 token ids read by a Gather (embedding): export with a float32 input");
            return false;
        }

        if (input.Shape is not { } shape || shape.Count < 2)
        {
            Problem(DiagnosticIds.OnnxDynamicShape, $"the input '{input.Name}' has {(input.Shape is null ? "no shape" : "no dimension besides the batch")}",
                "export with a fixed sample shape, such as torch.zeros(1, 1, 28, 28), and only the batch dimension dynamic");
            return false;
        }

        var dimensions = new List<int>();
        for (int d = 1; d < shape.Count; d++)
        {
            if (!shape[d].IsFixed || shape[d].Value > int.MaxValue)
            {
                string what = shape[d].Parameter is { } p ? $"dimension {Int(d)} is the symbol '{p}'" : $"dimension {Int(d)} is {Int(shape[d].Value)}";
                Problem(DiagnosticIds.OnnxDynamicShape, $"the input '{input.Name}': {what}, and NetGen fixes every dimension but the first (the batch) at build time",
                    "export with a fixed sample shape (dynamic_axes only on dimension 0), or fix it with onnxruntime.tools.make_dynamic_shape_fixed");
                return false;
            }

            dimensions.Add((int)shape[d].Value);
        }

        InputShape = dimensions.ToEquatableArray();
        _producer[input.Name] = -1;
        _rank[input.Name] = dimensions.Count;
        return true;
    }

    private void MapNode(OnnxNode node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
        {
            Unsupported(node, $"an operator of the domain '{node.Domain}'", "export with the default ONNX domain only (no custom or contrib operators)");
            return;
        }

        bool noOutput = node.Outputs.All(o => o.Length == 0); // an optional output is "" (a recurrent layer's unused Y)
        if (noOutput || node.Inputs.Count == 0 && node.OpType != "Constant")
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"node '{node.DisplayName}' ({node.OpType}) has no {(noOutput ? "output" : "input")}: export the model again and check it with onnx.checker");
            return;
        }

        if (_consumed.Contains(node.Outputs[0])) return; // imported with the pattern it belongs to
        switch (node.OpType)
        {
            case "Constant": MapConstant(node); return;
            case "Div" when MapGelu(node): return;
            case "Gemm": MapGemm(node); return;
            case "MatMul": MapMatMul(node); return;
            case "Add": MapAdd(node); return;
            case "Relu": Activate(node, ActivationKind.ReLU, double.NaN); return;
            case "Sigmoid": Activate(node, ActivationKind.Sigmoid, double.NaN); return;
            case "Tanh": Activate(node, ActivationKind.Tanh, double.NaN); return;
            case "Softplus": Activate(node, ActivationKind.Softplus, double.NaN); return;
            case "LeakyRelu": Activate(node, ActivationKind.LeakyReLU, FloatAttribute(node, "alpha", 0.01)); return;
            case "Elu": Activate(node, ActivationKind.ELU, FloatAttribute(node, "alpha", 1.0)); return;
            case "Conv": MapConv(node); return;
            case "MaxPool": MapPool(node, PoolKind.Max); return;
            case "AveragePool": MapPool(node, PoolKind.Average); return;
            case "GlobalAveragePool": MapGlobalPool(node); return;
            case "BatchNormalization": MapBatchNorm(node); return;
            case "LayerNormalization": MapLayerNorm(node); return;
            case "Flatten": MapFlatten(node); return;
            case "Reshape": MapReshape(node); return;
            case "Identity": Alias(node); return;
            case "Dropout": MapDropout(node); return;
            case "Pad": MapPad(node); return;
            case "Softmax": MapSoftmax(node); return;
            case "Concat": MapConcat(node); return;
            case "LSTM": MapRecurrent(node, RecurrentKind.Lstm); return;
            case "GRU": MapRecurrent(node, RecurrentKind.Gru); return;
            case "RNN": MapRecurrent(node, RecurrentKind.SimpleRnn); return;
            case "Transpose": MapTranspose(node); return;
            case "Squeeze": MapSqueeze(node); return;
            case "Gather": MapGather(node); return;
            case "Shape" or "Unsqueeze" or "ConstantOfShape" when MapShapeArithmetic(node): return;
        }

        Unsupported(node, "an operator NetGen cannot map", Nearest(node.OpType));
    }

    /// <summary>The nearest supported form of an operator NetGen does not map, for the message.</summary>
    private static string Nearest(string opType) => opType switch
    {
        "Gelu" or "Erf" => "GELU is imported as PyTorch writes it, x * 0.5 * (1 + erf(x / sqrt 2)) in five nodes; other arrangements (or approximate='tanh') are not mapped: use nn.GELU()",
        "Gather" => "Gather maps as an embedding (nn.Embedding of the int64 token input) or as h[-1], a recurrent layer's last state",
        "ReduceMean" or "Pow" or "Sqrt" or "Div" => "layer normalization is imported as the LayerNormalization operator: export with opset_version=17, where PyTorch writes nn.LayerNorm as one node instead of this arithmetic",
        "Mul" or "Sub" => "element-wise arithmetic between tensors is not a layer: NetGen maps Add (residual joins) and Concat; fold constant scales into the weights before export",
        "ConvTranspose" => "use Conv with Resize, or declare the layers with attributes",
        "GlobalMaxPool" => "use GlobalAveragePool or MaxPool with a kernel the size of the image",
        "LogSoftmax" => "end the model with Softmax (or with the logits): [SoftmaxCrossEntropy] computes the log-probabilities",
        "Shape" or "Gather_" or "Unsqueeze" or "Squeeze" or "Slice" => "a shape computed at run time: use torch.flatten(x, 1) (Flatten) instead of x.view(x.size(0), -1)",
        "Transpose" => "NetGen keeps NCHW order: remove the transpose (export without channels-last conversion)",
        _ => "NetGen maps Gemm, MatMul, Add, Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Flatten, Reshape, Dropout, Identity, Pad (of zeros), Concat, Softmax (last), Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, LSTM, GRU, RNN and Gather (embedding)",
    };

    private void Unsupported(OnnxNode node, string what, string nearest) =>
        Problem(DiagnosticIds.OnnxUnsupportedOperator, node.DisplayName, node.OpType, what, nearest);

    private void BadAttribute(OnnxNode node, string what, string nearest) =>
        Problem(DiagnosticIds.OnnxUnsupportedAttribute, node.DisplayName, node.OpType, what, nearest);

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static double FloatAttribute(OnnxNode node, string name, double fallback) => node.Attribute(name) is { } a ? a.F : fallback;

    private static long IntAttribute(OnnxNode node, string name, long fallback) => node.Attribute(name) is { } a ? a.I : fallback;

    private static EquatableArray<long>? IntsAttribute(OnnxNode node, string name) => node.Attribute(name)?.Ints;

    private static string List(IEnumerable<long> values) => "[" + string.Join(", ", values.Select(Int)) + "]";

    /// <summary>The layer computing a tensor (-1: the input), or a problem when the tensor is a constant or unknown.</summary>
    private int? Source(OnnxNode node, string tensor)
    {
        if (_layouts.TryGetValue(tensor, out Layout layout))
        {
            Unsupported(node, $"an operator reading '{tensor}', {Describe(layout)}", "the recurrent layer's output as PyTorch exports it: Squeeze and Transpose of Y back to [batch, steps, hidden], or Y_h[-1] (the last state)");
            return null;
        }

        if (_producer.TryGetValue(tensor, out int source)) return source;
        if (_failed.Contains(tensor)) return null;
        if (_constants.ContainsKey(tensor))
        {
            Unsupported(node, $"an operator whose input '{tensor}' is a constant tensor, not a layer's output", "NetGen layers read the network input or other layers; fold constants into the weights before export");
        }
        else
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"node '{node.DisplayName}' ({node.OpType}) reads '{tensor}', which no earlier node computes: export a topologically sorted graph (onnx.checker passes)");
        }

        return null;
    }

    /// <summary>A weight input: an initializer (or Constant) of floats, else a problem.</summary>
    private OnnxTensor? Weight(OnnxNode node, int input, string role)
    {
        if (node.Inputs.Count <= input || node.Inputs[input].Length == 0)
        {
            Unsupported(node, $"a node without its {role}", "export the layer with its weights as initializers");
            return null;
        }

        string name = node.Inputs[input];
        if (!_constants.TryGetValue(name, out OnnxTensor? tensor))
        {
            Unsupported(node, $"a node whose {role} '{name}' is computed in the graph, not an initializer", "NetGen learns weights as parameters: export with do_constant_folding=True so the weights are initializers");
            return null;
        }

        if (tensor.External)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the initializer '{name}' is stored in an external data file, which the generator does not read: save the model in one file (onnx.save(model, path, save_as_external_data=False))");
            return null;
        }

        if (tensor.Dims.Any(d => d <= 0 || d > 1 << 24))
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the initializer '{name}' ({role} of node '{node.DisplayName}') has dims {List(tensor.Dims)}: every dimension of a weight must be positive and at most {Int(1 << 24)}");
            return null;
        }

        if (tensor.DataType is not (OnnxTensor.Float or OnnxTensor.Double) || tensor.Floats.Count != tensor.ElementCount)
        {
            Problem(DiagnosticIds.OnnxUnsupportedGraph, $"the initializer '{name}' ({role} of node '{node.DisplayName}') holds {Int(tensor.Floats.Count)} float values for dims {List(tensor.Dims)} of ONNX type {Int(tensor.DataType)}: NetGen imports float32 weights");
            return null;
        }

        return tensor;
    }

    private int Rank(string tensor) => _rank.TryGetValue(tensor, out int rank) ? rank : 0;

    private void Alias(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || node.Outputs.Count == 0) return;
        if (Source(node, node.Inputs[0]) is not int source) return;
        foreach (string output in node.Outputs.Take(1))
        {
            _producer[output] = source;
            _rank[output] = Rank(node.Inputs[0]);
        }
    }

    /// <summary>Appends a layer reading <paramref name="sources"/> and makes it the producer of the node's first output.</summary>
    private int AddLayer(OnnxNode node, LayerSpec spec, LayerTensors tensors, int rank, params int[] sources)
    {
        int index = _layers.Count;
        EquatableArray<int> inputs = sources.Length == 1 && sources[0] == index - 1 ? EquatableArray<int>.Empty : sources.ToEquatableArray();
        _layers.Add(spec with { Inputs = inputs });
        _tensors.Add(tensors);
        _producer[node.Outputs[0]] = index;
        _rank[node.Outputs[0]] = rank;
        return index;
    }

    /// <summary>The layer's name from its weight's initializer ("fc1.weight": fc1, "layer1.0.conv1.weight": conv1 in scope layer1.0.), or null.</summary>
    private static (string? Name, string Scope) NameOf(string initializer)
    {
        const string suffix = ".weight";
        if (!initializer.EndsWith(suffix, StringComparison.Ordinal)) return (null, "");
        string path = initializer.Substring(0, initializer.Length - suffix.Length);
        string[] parts = path.Split('.');
        if (parts.Any(p => p.Length == 0 || !p.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_')))) return (null, "");
        if (!char.IsLetter(parts[0][0]) || !char.IsLetter(parts[parts.Length - 1][0])) return (null, "");
        string name = parts[parts.Length - 1];
        string scope = parts.Length == 1 ? "" : string.Join(".", parts.Take(parts.Length - 1)) + ".";
        return (name, scope);
    }

    private T Named<T>(T spec, string weightName) where T : LayerSpec
    {
        (string? name, string scope) = NameOf(weightName);
        return name is null ? spec : spec with { Name = name, Scope = scope };
    }

    // ---- operators -----------------------------------------------------------------------------------------------

    private void MapConstant(OnnxNode node)
    {
        if (node.Attribute("value")?.Tensor is { } tensor && node.Outputs.Count > 0)
        {
            _constants[node.Outputs[0]] = tensor;
            return;
        }

        BadAttribute(node, "a Constant without a tensor 'value'", "export with do_constant_folding=True");
    }

    private void MapGemm(OnnxNode node)
    {
        if (node.Inputs.Count < 2 || Source(node, node.Inputs[0]) is not int source) return;
        if (FloatAttribute(node, "alpha", 1) != 1 || FloatAttribute(node, "beta", 1) != 1)
        {
            BadAttribute(node, $"alpha = {FloatAttribute(node, "alpha", 1).ToString("R", CultureInfo.InvariantCulture)}, beta = {FloatAttribute(node, "beta", 1).ToString("R", CultureInfo.InvariantCulture)}",
                "alpha = 1 and beta = 1 (nn.Linear's Gemm): fold the scales into the weights before export");
            return;
        }

        if (IntAttribute(node, "transA", 0) != 0)
        {
            BadAttribute(node, "transA = 1", "transA = 0: the input's rows are the samples");
            return;
        }

        if (Rank(node.Inputs[0]) != 1)
        {
            Unsupported(node, $"a Gemm over a rank-{Int(Rank(node.Inputs[0]) + 1)} input", "Gemm of [batch, features]: flatten the input first (Flatten)");
            return;
        }

        if (Weight(node, 1, "weight") is not { } b) return;
        if (b.Dims.Count != 2)
        {
            BadAttribute(node, $"a weight of dims {List(b.Dims)}", "a 2-D weight [out, in] (transB = 1, nn.Linear) or [in, out]");
            return;
        }

        bool transB = IntAttribute(node, "transB", 0) != 0;
        int units = (int)(transB ? b.Dims[0] : b.Dims[1]);
        int inputs = (int)(transB ? b.Dims[1] : b.Dims[0]);
        float[] weight = transB ? b.Floats.ToArray() : Transpose(b.Floats, inputs, units);
        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (Weight(node, 2, "bias") is not { } c) return;
            if (c.ElementCount != units)
            {
                BadAttribute(node, $"a bias C of dims {List(c.Dims)}", $"a bias of {Int(units)} values, one per output (broadcast over the batch)");
                return;
            }

            bias = c.Floats.ToArray();
        }

        var spec = Named(new DenseSpec(_layers.Count, units, ActivationSpec.Identity, WeightInitKind.Default, double.NaN, bias is not null, PenaltySpec.Inherit), b.Name);
        AddLayer(node, spec, new LayerTensors { Weight = weight, Bias = bias }, 1, source);
    }

    private void MapMatMul(OnnxNode node)
    {
        if (node.Inputs.Count < 2 || Source(node, node.Inputs[0]) is not int source) return;
        if (Weight(node, 1, "weight") is not { } b) return;
        int rank = Rank(node.Inputs[0]);
        if (b.Dims.Count != 2 || rank is not (1 or 2))
        {
            BadAttribute(node, $"a MatMul of a rank-{Int(rank + 1)} input by a weight of dims {List(b.Dims)}", "x [batch, in] or [batch, steps, in] times a 2-D weight [in, out] (nn.Linear)");
            return;
        }

        int inputs = (int)b.Dims[0], units = (int)b.Dims[1];
        var spec = Named(new DenseSpec(_layers.Count, units, ActivationSpec.Identity, WeightInitKind.Default, double.NaN, false, PenaltySpec.Inherit), b.Name);
        AddLayer(node, spec, new LayerTensors { Weight = Transpose(b.Floats, inputs, units) }, rank, source);
    }

    private static float[] Transpose(EquatableArray<float> values, int rows, int columns)
    {
        var result = new float[values.Count];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++) result[c * rows + r] = values[r * columns + c];
        }

        return result;
    }

    private void MapAdd(OnnxNode node)
    {
        if (node.Inputs.Count != 2) return;
        // MatMul + Add of a constant bias: the bias of the Dense the MatMul became.
        int constant = _constants.ContainsKey(node.Inputs[1]) ? 1 : _constants.ContainsKey(node.Inputs[0]) ? 0 : -1;
        if (constant >= 0)
        {
            string other = node.Inputs[1 - constant];
            if (!_producer.TryGetValue(other, out int layer) || layer < 0 || _layers[layer] is not DenseSpec { UseBias: false, Activation.IsIdentity: true } dense
                || layer != _layers.Count - 1 || _readers.TryGetValue(other, out int readers) && readers > 1)
            {
                Unsupported(node, "an Add of a constant tensor to something other than a MatMul's product", "Add of a bias right after MatMul (nn.Linear), or Gemm");
                return;
            }

            if (Weight(node, constant, "bias") is not { } bias) return;
            if (bias.ElementCount != dense.Units)
            {
                BadAttribute(node, $"a bias of dims {List(bias.Dims)}", $"a bias of {Int(dense.Units)} values, one per output");
                return;
            }

            _layers[layer] = dense with { UseBias = true };
            _tensors[layer].Bias = bias.Floats.ToArray();
            _producer[node.Outputs[0]] = layer;
            _rank[node.Outputs[0]] = Rank(other);
            return;
        }

        if (Source(node, node.Inputs[0]) is not int a || Source(node, node.Inputs[1]) is not int b) return;
        AddLayer(node, new AddSpec(_layers.Count), new LayerTensors(), Rank(node.Inputs[0]), a, b);
    }

    private void Activate(OnnxNode node, ActivationKind kind, double alpha)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        var activation = new ActivationSpec(kind, kind is ActivationKind.LeakyReLU or ActivationKind.ELU ? alpha : double.NaN);
        string input = node.Inputs[0];
        bool onlyReader = !_readers.TryGetValue(input, out int readers) || readers == 1;
        // Fused into the Dense or Conv2D that computed its input, when nothing else reads the pre-activation.
        if (source >= 0 && source == _layers.Count - 1 && onlyReader && !_graphOutputs.Contains(input) && _producer[input] == source)
        {
            switch (_layers[source])
            {
                case DenseSpec { Activation.IsIdentity: true } dense:
                    _layers[source] = dense with { Activation = activation };
                    _producer[node.Outputs[0]] = source;
                    _rank[node.Outputs[0]] = Rank(input);
                    return;
                case Conv2DSpec { Activation.IsIdentity: true } conv:
                    _layers[source] = conv with { Activation = activation };
                    _producer[node.Outputs[0]] = source;
                    _rank[node.Outputs[0]] = Rank(input);
                    return;
            }
        }

        AddLayer(node, new ActivationLayerSpec(_layers.Count, activation), new LayerTensors(), Rank(input), source);
    }

    private void MapConv(OnnxNode node)
    {
        if (node.Inputs.Count < 2 || Source(node, node.Inputs[0]) is not int source) return;
        if (Rank(node.Inputs[0]) != 3)
        {
            Unsupported(node, $"a Conv over a rank-{Int(Rank(node.Inputs[0]) + 1)} input", "Conv over [batch, channels, height, width] (nn.Conv2d); 1-D and 3-D convolutions are not mapped");
            return;
        }

        if (Weight(node, 1, "weight") is not { } w) return;
        if (w.Dims.Count != 4 || w.Dims[2] != w.Dims[3])
        {
            BadAttribute(node, $"a kernel of dims {List(w.Dims)}", "a square kernel [filters, channels, k, k]");
            return;
        }

        if (IntAttribute(node, "group", 1) != 1)
        {
            BadAttribute(node, $"group = {Int(IntAttribute(node, "group", 1))}", "group = 1: grouped and depthwise convolutions are not mapped yet");
            return;
        }

        int kernel = (int)w.Dims[2];
        if (!Square(node, "strides", 1, out int stride) || !Square(node, "dilations", 1, out int dilation) || !Padding(node, kernel, dilation, stride, out int padding, out bool same)) return;
        if (IntsAttribute(node, "kernel_shape") is { } shape && shape.Any(k => k != kernel))
        {
            BadAttribute(node, $"kernel_shape = {List(shape)} for a weight of dims {List(w.Dims)}", "kernel_shape equal to the weight's last two dims");
            return;
        }

        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (Weight(node, 2, "bias") is not { } b) return;
            bias = b.Floats.ToArray();
        }

        var spec = Named(new Conv2DSpec(_layers.Count, (int)w.Dims[0], kernel, stride, padding, same, dilation, ActivationSpec.Identity, WeightInitKind.Default,
            double.NaN, bias is not null, PenaltySpec.Inherit), w.Name);
        AddLayer(node, spec, new LayerTensors { Weight = w.Floats.ToArray(), Bias = bias }, 3, source);
    }

    /// <summary>A 2-D attribute with the same value in both dimensions (strides, dilations).</summary>
    private bool Square(OnnxNode node, string name, int fallback, out int value)
    {
        value = fallback;
        if (IntsAttribute(node, name) is not { Count: > 0 } values) return true;
        if (values.Count != 2 || values[0] != values[1] || values[0] <= 0 || values[0] > 1 << 20)
        {
            BadAttribute(node, $"{name} = {List(values)}", $"the same {name} in both dimensions, such as [{Int(values[0])}, {Int(values[0])}]");
            return false;
        }

        value = (int)values[0];
        return true;
    }

    /// <summary>Symmetric padding, the same on every side (pads = [p, p, p, p]), or auto_pad VALID or SAME for odd kernels at stride 1.</summary>
    private bool Padding(OnnxNode node, int kernel, int dilation, int stride, out int padding, out bool same)
    {
        padding = 0;
        same = false;
        string autoPad = node.Attribute("auto_pad")?.S ?? "NOTSET";
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            if ((dilation * (kernel - 1)) % 2 != 0 || stride != 1)
            {
                BadAttribute(node, $"auto_pad = {autoPad} with a kernel of {Int(kernel)} at stride {Int(stride)}", "explicit symmetric pads, or SAME with an odd kernel at stride 1");
                return false;
            }

            same = true;
            return true;
        }

        if (autoPad is not ("NOTSET" or "VALID" or ""))
        {
            BadAttribute(node, $"auto_pad = {autoPad}", "auto_pad NOTSET with explicit pads");
            return false;
        }

        if (IntsAttribute(node, "pads") is not { Count: > 0 } pads) return true;
        if (pads.Count != 4 || pads.Any(p => p != pads[0]) || pads[0] < 0 || pads[0] > 1 << 20)
        {
            BadAttribute(node, $"pads = {List(pads)}", "the same padding on every side, such as [1, 1, 1, 1] (PyTorch's padding=1)");
            return false;
        }

        padding = (int)pads[0];
        return true;
    }

    private void MapPool(OnnxNode node, PoolKind kind)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        if (IntsAttribute(node, "kernel_shape") is not { Count: 2 } shape || shape[0] != shape[1] || shape[0] <= 0 || shape[0] > 1 << 20)
        {
            BadAttribute(node, $"kernel_shape = {List(IntsAttribute(node, "kernel_shape") ?? EquatableArray<long>.Empty)}", "a square 2-D window, such as [2, 2]");
            return;
        }

        int size = (int)shape[0];
        if (IntAttribute(node, "ceil_mode", 0) != 0)
        {
            BadAttribute(node, "ceil_mode = 1", "ceil_mode = 0 (PyTorch's default): windows that would start past the padded input are dropped");
            return;
        }

        if (IntsAttribute(node, "dilations") is { } dilations && dilations.Any(d => d != 1))
        {
            BadAttribute(node, $"dilations = {List(dilations)}", "dilations = [1, 1]: dilated pooling is not mapped");
            return;
        }

        if (IntAttribute(node, "storage_order", 0) != 0 || node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
        {
            Unsupported(node, "a MaxPool that also outputs its indices", "MaxPool with one output (return_indices=False)");
            return;
        }

        if (!Square(node, "strides", 1, out int stride) || !Padding(node, size, 1, stride, out int padding, out bool same)) return;
        if (same) padding = (size - 1) / 2;
        if (kind == PoolKind.Average && padding > 0 && IntAttribute(node, "count_include_pad", 0) == 0)
        {
            BadAttribute(node, "count_include_pad = 0 with padding", "count_include_pad = 1 (PyTorch's AvgPool2d default), or no padding");
            return;
        }

        AddLayer(node, new Pool2DSpec(_layers.Count, kind, size, stride, padding), new LayerTensors(), 3, source);
    }

    private void MapGlobalPool(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        // ONNX keeps [batch, channels, 1, 1]; NetGen's output is the channel vector, which the Flatten after it leaves as it is.
        AddLayer(node, new GlobalAvgPool2DSpec(_layers.Count), new LayerTensors(), 1, source);
    }

    private void MapBatchNorm(OnnxNode node)
    {
        if (node.Inputs.Count < 5 || Source(node, node.Inputs[0]) is not int source) return;
        if (IntAttribute(node, "training_mode", 0) != 0 || node.Outputs.Count > 1 && node.Outputs.Skip(1).Any(o => o.Length > 0))
        {
            BadAttribute(node, "training_mode = 1", "an inference-mode BatchNormalization (export with model.eval()): NetGen trains it with batch statistics itself");
            return;
        }

        if (Weight(node, 1, "scale") is not { } scale || Weight(node, 2, "bias") is not { } bias || Weight(node, 3, "mean") is not { } mean || Weight(node, 4, "var") is not { } variance) return;
        double momentum = 1 - FloatAttribute(node, "momentum", 0.9); // ONNX keeps momentum of the old value; PyTorch and NetGen of the new
        double epsilon = FloatAttribute(node, "epsilon", 1e-5);
        if (!(momentum >= 0 && momentum <= 1) || !(epsilon > 0))
        {
            BadAttribute(node, $"momentum = {FloatAttribute(node, "momentum", 0.9).ToString("R", CultureInfo.InvariantCulture)}, epsilon = {epsilon.ToString("R", CultureInfo.InvariantCulture)}", "momentum in [0, 1] and a positive epsilon");
            return;
        }

        var spec = Named(new BatchNormSpec(_layers.Count, Math.Round(momentum, 6), double.Parse(((float)epsilon).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)), scale.Name);
        AddLayer(node, spec, new LayerTensors { Weight = scale.Floats.ToArray(), Bias = bias.Floats.ToArray(), Mean = mean.Floats.ToArray(), Variance = variance.Floats.ToArray() },
            Rank(node.Inputs[0]), source);
    }

    /// <summary>LayerNormalization (opset 17) over all of a sample's values: NetGen's LayerNorm.</summary>
    private void MapLayerNorm(OnnxNode node)
    {
        if (node.Inputs.Count < 2 || Source(node, node.Inputs[0]) is not int source) return;
        int rank = Rank(node.Inputs[0]);
        long axis = IntAttribute(node, "axis", -1);
        if (axis != 1 && axis != -rank || node.Outputs.Skip(1).Any(Read))
        {
            BadAttribute(node, $"axis = {Int(axis)} over a sample of rank {Int(rank)}", $"normalization over all of a sample's values (axis = 1, or -1 after a Gemm), as nn.LayerNorm over the last dimension of [batch, features]");
            return;
        }

        if (Weight(node, 1, "scale") is not { } scale) return;
        float[]? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (Weight(node, 2, "bias") is not { } b) return;
            bias = b.Floats.ToArray();
        }

        double epsilon = FloatAttribute(node, "epsilon", 1e-5);
        if (!(epsilon > 0))
        {
            BadAttribute(node, $"epsilon = {epsilon.ToString("R", CultureInfo.InvariantCulture)}", "a positive epsilon, such as 1e-5");
            return;
        }

        var spec = Named(new LayerNormSpec(_layers.Count, double.Parse(((float)epsilon).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)), scale.Name);
        AddLayer(node, spec, new LayerTensors { Weight = scale.Floats.ToArray(), Bias = bias ?? new float[scale.Floats.Count] }, rank, source);
    }

    private void MapFlatten(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        if (IntAttribute(node, "axis", 1) != 1)
        {
            BadAttribute(node, $"axis = {Int(IntAttribute(node, "axis", 1))}", "axis = 1 (torch.flatten(x, 1)): the batch stays the first dimension");
            return;
        }

        if (Rank(node.Inputs[0]) <= 1)
        {
            Alias(node); // already a vector per sample (after Gemm or GlobalAveragePool)
            return;
        }

        AddLayer(node, new FlattenSpec(_layers.Count), new LayerTensors(), 1, source);
    }

    private void MapReshape(OnnxNode node)
    {
        if (node.Inputs.Count < 2 || Source(node, node.Inputs[0]) is not int source) return;
        if (!_constants.TryGetValue(node.Inputs[1], out OnnxTensor? shape) || shape.DataType != OnnxTensor.Int64 || shape.Integers.Count != shape.ElementCount)
        {
            Problem(DiagnosticIds.OnnxDynamicShape, $"node '{node.DisplayName}' (Reshape) takes its shape from '{node.Inputs[1]}', computed at run time",
                "use torch.flatten(x, 1) (Flatten) instead of x.view(x.size(0), -1), or a constant shape such as x.reshape(-1, 16, 5, 5)");
            return;
        }

        EquatableArray<long> dims = shape.Integers;
        if (dims.Count < 2 || dims[0] is not (0 or -1) && dims.Skip(1).Any(d => d == -1) || dims.Skip(1).Any(d => d == 0 || d < -1 || d > int.MaxValue))
        {
            BadAttribute(node, $"shape = {List(dims)}", "a shape whose first dimension is the batch (0 or -1) and whose others are fixed, at most one of them -1");
            return;
        }

        int[] sample = dims.Skip(1).Select(d => (int)d).ToArray();
        LayerSpec spec = sample.Length == 1 ? new FlattenSpec(_layers.Count) : new ReshapeSpec(_layers.Count, sample.ToEquatableArray());
        if (sample.Length == 1 && Rank(node.Inputs[0]) == 1)
        {
            Alias(node);
            return;
        }

        AddLayer(node, spec, new LayerTensors(), sample.Length, source);
    }

    private void MapDropout(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        double ratio = FloatAttribute(node, "ratio", 0.5);
        if (node.Inputs.Count > 1 && node.Inputs[1].Length > 0 && _constants.TryGetValue(node.Inputs[1], out OnnxTensor? r) && r.Floats.Count == 1) ratio = r.Floats[0];
        if (!(ratio > 0 && ratio < 1))
        {
            Alias(node);
            return;
        }

        // Kept for fine-tuning: the identity in Predict, as in ONNX inference.
        AddLayer(node, new DropoutSpec(_layers.Count, Math.Round(ratio, 6)), new LayerTensors(), Rank(node.Inputs[0]), source);
    }

    private void MapPad(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is null) return;
        EquatableArray<long> pads = node.Inputs.Count > 1 && _constants.TryGetValue(node.Inputs[1], out OnnxTensor? p) ? p.Integers
            : IntsAttribute(node, "pads") ?? EquatableArray<long>.Empty;
        if (pads.All(v => v == 0))
        {
            Alias(node); // PyTorch writes a Pad of zeros before AveragePool
            return;
        }

        Unsupported(node, $"a Pad of {List(pads)}", "padding inside Conv, MaxPool or AveragePool (their pads attribute)");
    }

    private void MapSoftmax(OnnxNode node)
    {
        if (node.Inputs.Count == 0 || Source(node, node.Inputs[0]) is not int source) return;
        int rank = Rank(node.Inputs[0]);
        long axis = IntAttribute(node, "axis", _file.Opset >= 13 ? -1 : 1);
        if (axis != -1 && axis != rank)
        {
            BadAttribute(node, $"axis = {Int(axis)}", "axis = -1 (the classes)");
            return;
        }

        if (_graphOutputs.Contains(node.Outputs[0]) && _loss == LossKind.SoftmaxCrossEntropy && source == _layers.Count - 1)
        {
            Alias(node); // Predict applies the softmax; the layers before it give the logits [SoftmaxCrossEntropy] trains
            return;
        }

        Unsupported(node, "a Softmax that is not the output of a [SoftmaxCrossEntropy] classifier", "Softmax as the last node, with [SoftmaxCrossEntropy] declared");
    }

    private void MapConcat(OnnxNode node)
    {
        if (MapShapeArithmetic(node)) return;
        var sources = new List<int>();
        foreach (string input in node.Inputs)
        {
            if (Source(node, input) is not int source) return;
            sources.Add(source);
        }

        int rank = Rank(node.Inputs[0]);
        long axis = IntAttribute(node, "axis", 1);
        if (axis < 0) axis += rank + 1;
        if (axis < 1 || axis > rank)
        {
            BadAttribute(node, $"axis = {Int(IntAttribute(node, "axis", 1))}", "an axis of the sample, such as 1 (the channels)");
            return;
        }

        AddLayer(node, new ConcatSpec(_layers.Count, (int)axis - 1), new LayerTensors(), rank, sources.ToArray());
    }
}
