using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Onnx;

/// <summary>
/// Recurrent layers and embeddings, as PyTorch exports them: <c>Transpose</c> of the [batch, steps, features] input to
/// time-major, <c>LSTM</c>/<c>GRU</c>/<c>RNN</c> (gate blocks permuted back from ONNX's i,o,f,c and z,r,h to PyTorch's and
/// NetGen's i,f,g,o and r,z,n) from a zero initial state (the Shape/ConstantOfShape chain that computes it is dropped),
/// then either <c>Squeeze</c> + <c>Transpose</c> of Y (every step) or <c>Gather</c>/<c>Squeeze</c> of Y_h (the last state);
/// <c>Gather</c> of an initializer by the int64 token input is an embedding.
/// </summary>
internal sealed partial class OnnxImporter
{
    /// <summary>A tensor that is a layer's output in a layout NetGen's next layer cannot read as it is.</summary>
    private enum Layout
    {
        /// <summary>[steps, batch, features]: a recurrent layer's X.</summary>
        TimeMajor,

        /// <summary>Y [steps, 1, batch, hidden].</summary>
        SequenceWithDirection,

        /// <summary>Y squeezed: [steps, batch, hidden].</summary>
        Sequence,

        /// <summary>Y_h [1, batch, hidden].</summary>
        StateWithDirection,
    }

    private readonly Dictionary<string, Layout> _layouts = new(StringComparer.Ordinal);

    /// <summary>Tensors computed from shapes only (Shape, Gather, Unsqueeze, Concat of them): the zero initial state's size.</summary>
    private readonly HashSet<string> _shapeArithmetic = new(StringComparer.Ordinal);

    /// <summary>ConstantOfShape outputs of zeros: a recurrent layer's zero initial state.</summary>
    private readonly HashSet<string> _zeros = new(StringComparer.Ordinal);

    private static string Describe(Layout layout) => layout switch
    {
        Layout.TimeMajor => "transposed to [steps, batch, features]",
        Layout.SequenceWithDirection => "a recurrent layer's Y [steps, directions, batch, hidden]",
        Layout.Sequence => "a recurrent layer's output [steps, batch, hidden]",
        _ => "a recurrent layer's Y_h [directions, batch, hidden]",
    };

    /// <summary>Whether the (integer) input is read only as the indices of a Gather of an initializer: token ids.</summary>
    private bool ReadsTokens(string input) => _file.Nodes.Where(n => n.Inputs.Contains(input))
        .All(n => n.OpType == "Gather" && n.Inputs.Count == 2 && n.Inputs[1] == input && _constants.ContainsKey(n.Inputs[0]));

    /// <summary>Shape, Gather/Unsqueeze/Concat of shapes, ConstantOfShape of zeros: the size of a zero initial state, dropped.</summary>
    private bool MapShapeArithmetic(OnnxNode node)
    {
        bool fromShapes = node.Inputs.Any(_shapeArithmetic.Contains) && node.Inputs.All(i => i.Length == 0 || _shapeArithmetic.Contains(i) || _constants.ContainsKey(i));
        switch (node.OpType)
        {
            case "Shape":
                _shapeArithmetic.Add(node.Outputs[0]);
                return true;
            case "Gather" or "Unsqueeze" or "Concat" when fromShapes:
                _shapeArithmetic.Add(node.Outputs[0]);
                return true;
            case "ConstantOfShape" when fromShapes:
                OnnxTensor? value = node.Attribute("value")?.Tensor;
                if (value is not null && (value.Floats.Any(f => f != 0) || value.Integers.Any(i => i != 0)))
                {
                    BadAttribute(node, "a ConstantOfShape of a value other than 0", "a zero initial state (PyTorch's default when h0 is not given)");
                    return true;
                }

                _zeros.Add(node.Outputs[0]);
                return true;
        }

        if (node.OpType is "Shape" or "Unsqueeze" or "ConstantOfShape")
        {
            Unsupported(node, "a shape computed at run time", Nearest("Shape"));
            return true;
        }

        return false;
    }

    private void MapTranspose(OnnxNode node)
    {
        EquatableArray<long> perm = node.Attribute("perm")?.Ints ?? EquatableArray<long>.Empty;
        string input = node.Inputs[0];
        bool swapsFirstTwo = perm.Count == 3 && perm[0] == 1 && perm[1] == 0 && perm[2] == 2;
        if (swapsFirstTwo && !_layouts.ContainsKey(input) && Rank(input) == 2 && _producer.TryGetValue(input, out int source))
        {
            _producer[node.Outputs[0]] = source;
            _rank[node.Outputs[0]] = 2;
            _layouts[node.Outputs[0]] = Layout.TimeMajor;
            return;
        }

        if (swapsFirstTwo && _layouts.TryGetValue(input, out Layout layout) && layout == Layout.Sequence)
        {
            _producer[node.Outputs[0]] = _producer[input];
            _rank[node.Outputs[0]] = 2;
            return; // back to [batch, steps, hidden]: the layer's output as NetGen lays it out
        }

        Unsupported(node, $"a Transpose with perm = {List(perm)}", Nearest("Transpose"));
    }

    private void MapSqueeze(OnnxNode node)
    {
        string input = node.Inputs[0];
        EquatableArray<long> axes = node.Inputs.Count > 1 && _constants.TryGetValue(node.Inputs[1], out OnnxTensor? a) ? a.Integers : node.Attribute("axes")?.Ints ?? EquatableArray<long>.Empty;
        if (_layouts.TryGetValue(input, out Layout layout))
        {
            if (layout == Layout.SequenceWithDirection && axes.Count == 1 && axes[0] == 1)
            {
                Retag(node, input, Layout.Sequence, 2);
                return;
            }

            if (layout == Layout.StateWithDirection && axes.Count == 1 && axes[0] == 0)
            {
                Retag(node, input, null, 1);
                return;
            }
        }

        Unsupported(node, $"a Squeeze of axes {List(axes)}", "Squeeze only of a recurrent layer's direction axis; elsewhere NetGen keeps its shapes: use Flatten or Reshape");
    }

    private void Retag(OnnxNode node, string input, Layout? layout, int rank)
    {
        _producer[node.Outputs[0]] = _producer[input];
        _rank[node.Outputs[0]] = rank;
        if (layout is { } l) _layouts[node.Outputs[0]] = l;
    }

    private void MapGather(OnnxNode node)
    {
        if (MapShapeArithmetic(node)) return;
        if (node.Inputs.Count != 2) return;
        long axis = IntAttribute(node, "axis", 0);
        // Y_h[-1] (or [0]): the last state of a one-direction recurrent layer.
        if (_layouts.TryGetValue(node.Inputs[0], out Layout layout) && layout == Layout.StateWithDirection)
        {
            if (axis == 0 && _constants.TryGetValue(node.Inputs[1], out OnnxTensor? index) && index.Integers.Count == 1 && index.Integers[0] is 0 or -1 && index.Dims.Count == 0)
            {
                Retag(node, node.Inputs[0], null, 1);
                return;
            }

            Unsupported(node, "a Gather of Y_h other than its last direction", "h[-1], the last state");
            return;
        }

        // An embedding: rows of an initializer table picked by the network's token input.
        if (_constants.ContainsKey(node.Inputs[0]) && _producer.TryGetValue(node.Inputs[1], out int source) && source == -1 && axis == 0)
        {
            if (Weight(node, 0, "embedding table") is not { } table) return;
            if (table.Dims.Count != 2 || Rank(node.Inputs[1]) != 1)
            {
                BadAttribute(node, $"a table of dims {List(table.Dims)} for token ids of rank {Int(Rank(node.Inputs[1]) + 1)}", "a 2-D table [vocabulary, dimensions] picked by [batch, steps] token ids (nn.Embedding)");
                return;
            }

            var spec = Named(new EmbeddingSpec(_layers.Count, (int)table.Dims[0], (int)table.Dims[1]), table.Name);
            AddLayer(node, spec, new LayerTensors { Weight = table.Floats.ToArray() }, 2, source);
            return;
        }

        Unsupported(node, "a Gather that is neither an embedding of the token input nor a recurrent layer's last state", Nearest("Gather"));
    }

    private void MapRecurrent(OnnxNode node, RecurrentKind kind)
    {
        string x = node.Inputs[0];
        // Time-major: the input transposed, or a recurrent layer's squeezed Y (PyTorch drops the transposes between two).
        if (!_layouts.TryGetValue(x, out Layout layout) || layout is not (Layout.TimeMajor or Layout.Sequence) || !_producer.TryGetValue(x, out int source))
        {
            Unsupported(node, $"a {node.OpType} whose input '{x}' is not a [batch, steps, features] sequence transposed to time-major", "nn.LSTM/nn.GRU/nn.RNN with batch_first=True over a [batch, steps, features] input");
            return;
        }

        if ((node.Attribute("direction")?.S ?? "forward") != "forward" || IntAttribute(node, "layout", 0) != 0 || node.Attribute("clip") is not null
            || node.Attribute("activations") is not null || IntAttribute(node, "input_forget", 0) != 0)
        {
            BadAttribute(node, "a bidirectional, batch-major, clipped, coupled or custom-activation form", "one forward direction with the default activations (bidirectional=False)");
            return;
        }

        if (kind == RecurrentKind.Gru && IntAttribute(node, "linear_before_reset", 0) != 1)
        {
            BadAttribute(node, "linear_before_reset = 0", "linear_before_reset = 1, PyTorch's GRU (the reset gate applies after the recurrent product)");
            return;
        }

        // sequence_lens (4) must be absent; initial_h (5) and initial_c (6) absent or zeros.
        if (node.Inputs.Count > 4 && node.Inputs[4].Length > 0)
        {
            Unsupported(node, "a recurrent layer with sequence lengths", "sequences of one fixed length, without sequence_lens (pack_padded_sequence)");
            return;
        }

        for (int i = 5; i < node.Inputs.Count; i++)
        {
            string state = node.Inputs[i];
            bool zero = state.Length == 0 || _zeros.Contains(state) || _constants.TryGetValue(state, out OnnxTensor? c) && c.Floats.All(f => f == 0);
            if (!zero)
            {
                Unsupported(node, "a recurrent layer with a given initial state", "a zero initial state (no h0 argument); NetGen's Stateful layers carry their own state between calls");
                return;
            }
        }

        int gates = kind switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 };
        if (Weight(node, 1, "W") is not { } w || Weight(node, 2, "R") is not { } r) return;
        int hidden = (int)IntAttribute(node, "hidden_size", r.Dims.Count == 3 ? r.Dims[2] : 0);
        if (w.Dims.Count != 3 || r.Dims.Count != 3 || w.Dims[0] != 1 || w.Dims[1] != gates * hidden || r.Dims[1] != gates * hidden || r.Dims[2] != hidden || hidden <= 0)
        {
            BadAttribute(node, $"W of dims {List(w.Dims)} and R of dims {List(r.Dims)} for hidden_size {Int(hidden)}", $"W [1, {Int(gates)}*hidden, features] and R [1, {Int(gates)}*hidden, hidden]");
            return;
        }

        int features = (int)w.Dims[2];
        float[] bias = new float[2 * gates * hidden];
        if (node.Inputs.Count > 3 && node.Inputs[3].Length > 0)
        {
            if (Weight(node, 3, "B") is not { } b) return;
            if (b.ElementCount != 2 * gates * hidden)
            {
                BadAttribute(node, $"B of dims {List(b.Dims)}", $"B [1, {Int(2 * gates)}*hidden]");
                return;
            }

            bias = b.Floats.ToArray();
        }

        // ONNX's gate blocks in NetGen's (PyTorch's) order: LSTM i,f,g,o from ONNX i,o,f,c; GRU r,z,n from z,r,h.
        int[] order = kind switch { RecurrentKind.Lstm => [0, 2, 3, 1], RecurrentKind.Gru => [1, 0, 2], _ => [0] };
        float[] weight = Permute(w.Floats.ToArray(), order, hidden * features).Concat(Permute(r.Floats.ToArray(), order, hidden * hidden)).ToArray();
        float[] biases = Permute(bias.Take(gates * hidden).ToArray(), order, hidden).Concat(Permute(bias.Skip(gates * hidden).ToArray(), order, hidden)).ToArray();

        // Which output the graph reads: Y (every step) or Y_h (the last state); Y_c, or both, are not mapped.
        bool readsY = node.Outputs.Count > 0 && Read(node.Outputs[0]);
        bool readsState = node.Outputs.Count > 1 && Read(node.Outputs[1]);
        if (readsY == readsState || node.Outputs.Count > 2 && Read(node.Outputs[2]))
        {
            Unsupported(node, "a recurrent layer whose graph reads " + (readsY && readsState ? "both Y and Y_h" : node.Outputs.Count > 2 && Read(node.Outputs[2]) ? "the cell state Y_c" : "no output"),
                "either the output at every step (y) or the last hidden state (h[-1])");
            return;
        }

        (string Name, string Scope)? name = NameFromNode(node);
        var spec = new RecurrentSpec(_layers.Count, kind, hidden, ReturnSequences: readsY, Stateful: false, ForgetBias: double.NaN); // the bias comes from the file
        LayerSpec named = name is null ? spec : spec with { Name = name.Value.Name, Scope = name.Value.Scope };
        int index = AddLayer(node, named, new LayerTensors { Weight = weight, Bias = biases }, 2, source);
        _producer.Remove(node.Outputs[0]);
        if (readsY)
        {
            _producer[node.Outputs[0]] = index;
            _layouts[node.Outputs[0]] = Layout.SequenceWithDirection;
        }
        else
        {
            _producer[node.Outputs[1]] = index;
            _rank[node.Outputs[1]] = 1;
            _layouts[node.Outputs[1]] = Layout.StateWithDirection;
        }
    }

    private bool Read(string tensor) => tensor.Length > 0 && (_readers.ContainsKey(tensor) || _graphOutputs.Contains(tensor));

    private static float[] Permute(float[] values, int[] order, int blockSize)
    {
        var result = new float[values.Length];
        for (int block = 0; block < order.Length; block++) Array.Copy(values, order[block] * blockSize, result, block * blockSize, blockSize);
        return result;
    }

    /// <summary>The module path of a PyTorch-exported node ("/rnn/LSTM": rnn; "/encoder/gru/GRU": gru in scope encoder.), or null.</summary>
    private static (string Name, string Scope)? NameFromNode(OnnxNode node)
    {
        if (!node.Name.StartsWith("/", StringComparison.Ordinal)) return null;
        string[] parts = node.Name.Substring(1).Split('/');
        if (parts.Length < 2) return null;
        (string? name, string scope) = NameOf(string.Join(".", parts.Take(parts.Length - 1)) + ".weight");
        return name is null ? null : (name, scope);
    }
}
