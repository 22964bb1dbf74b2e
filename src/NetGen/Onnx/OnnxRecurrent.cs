namespace NetGen.Onnx;

/// <summary>The recurrent cell of an <see cref="OnnxRecurrent"/> layer.</summary>
public enum OnnxCell
{
    /// <summary>Elman RNN with tanh: ONNX <c>RNN</c>.</summary>
    SimpleRnn,

    /// <summary>ONNX <c>LSTM</c>.</summary>
    Lstm,

    /// <summary>ONNX <c>GRU</c> with <c>linear_before_reset = 1</c>.</summary>
    Gru,
}

/// <summary>
/// SimpleRnn, Lstm or Gru as ONNX's <c>RNN</c>, <c>LSTM</c> or <c>GRU</c> operator, one direction, zero initial state.
/// NetGen keeps PyTorch's weights (W_ih [G*H, I], W_hh [G*H, H], b_ih, b_hh [G*H]) and gate order; ONNX
/// orders the gate blocks differently, so the blocks are permuted on export:
/// <code>
/// LSTM  PyTorch i, f, g, o  ->  ONNX i, o, f, c   (blocks 0, 3, 1, 2)
/// GRU   PyTorch r, z, n     ->  ONNX z, r, h      (blocks 1, 0, 2), linear_before_reset = 1 because PyTorch
///       computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), the reset applied after the recurrent product
/// W = [1, G*H, I], R = [1, G*H, H], B = [1, 2*G*H] = [Wb, Rb]
/// </code>
/// The operators take sequences time-major ([T, N, I]) and return Y [T, 1, N, H] and Y_h [1, N, H]: the layer
/// transposes NetGen's batch-major [N, T, I] in, and returns [N, T, H] (every step) or [N, H] (last state).
/// A stateful layer is exported from the zero state: the file computes what Predict computes after ResetState().
/// </summary>
public sealed class OnnxRecurrent(string name, OnnxCell cell, int inputs, int hidden, int weightIhOffset, int weightHhOffset, int biasOffset,
    bool returnSequences) : OnnxLayer(name)
{
    private int Gates => cell switch { OnnxCell.Lstm => 4, OnnxCell.Gru => 3, _ => 1 };

    // ONNX block b holds PyTorch block Order[b].
    private int[] Order => cell switch { OnnxCell.Lstm => [0, 3, 1, 2], OnnxCell.Gru => [1, 0, 2], _ => [0] };

    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        int rows = Gates * hidden;
        float[] w = Permute(export.Parameters(Name, weightIhOffset, rows * inputs), inputs);
        float[] r = Permute(export.Parameters(Name, weightHhOffset, rows * hidden), hidden);
        float[] b = [.. Permute(export.Parameters(Name, biasOffset, rows), 1), .. Permute(export.Parameters(Name, biasOffset + rows, rows), 1)];

        string timeMajor = export.Node(Name, "Transpose", [input], OnnxAttribute.Ints("perm", 1, 0, 2));
        string opType = cell switch { OnnxCell.Lstm => "LSTM", OnnxCell.Gru => "GRU", _ => "RNN" };
        string sequence = export.Graph.UniqueName(Name + "/Y"), last = export.Graph.UniqueName(Name + "/Y_h");
        OnnxAttribute[] attributes = cell == OnnxCell.Gru
            ? [OnnxAttribute.Int("hidden_size", hidden), OnnxAttribute.Int("linear_before_reset", 1)]
            : [OnnxAttribute.Int("hidden_size", hidden)];
        export.Graph.AddNode(opType, export.Graph.UniqueName(Name + "/" + opType),
            [
                timeMajor,
                export.Initializer(Name, "W", [1, rows, inputs], w),
                export.Initializer(Name, "R", [1, rows, hidden], r),
                export.Initializer(Name, "B", [1, 2 * rows], b),
            ],
            returnSequences ? [sequence] : ["", last], attributes);

        if (!returnSequences)
        {
            return Output(export, "Squeeze", [last, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".axes"), 0)]);
        }

        string squeezed = export.Node(Name, "Squeeze", [sequence, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".axes"), 1)]);
        return Output(export, "Transpose", [squeezed], OnnxAttribute.Ints("perm", 1, 0, 2));
    }

    // Reorders the G blocks of H rows (each row `columns` wide) from PyTorch's gate order to ONNX's.
    private float[] Permute(ReadOnlySpan<float> source, int columns)
    {
        int block = hidden * columns;
        float[] result = new float[source.Length];
        int[] order = Order;
        for (int onnx = 0; onnx < order.Length; onnx++)
        {
            source.Slice(order[onnx] * block, block).CopyTo(result.AsSpan(onnx * block, block));
        }

        return result;
    }
}
