namespace NetGen.Onnx;

/// <summary>
/// Multi-head self-attention on [N, T, width] in opset-17 operators (which have no attention operator):
/// <c>qkv = x·Wattn^T + b</c> (MatMul + Add), <c>Split</c> into q, k, v, each <c>Reshape</c>d to [N, T, H, hs] and
/// <c>Transpose</c>d to heads first, <c>MatMul(q, kᵀ)</c> scaled by 1/√hs, plus a [T, T] constant of 0 and -1e9 above
/// the diagonal when causal, <c>Softmax</c> over the keys, <c>MatMul</c> with v, back to [N, T, width], and the output
/// projection. Rotary positions have no mapping yet: exporting them fails, naming the layer.
/// </summary>
public sealed class OnnxAttention(string name, int steps, int width, int heads, bool causal, bool rotary,
    int qkvWeightOffset, int projectionWeightOffset, int qkvBiasOffset, int projectionBiasOffset) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        if (rotary) throw new NotSupportedException($"layer {Name} has no ONNX mapping: rotary positions are not exported yet.");
        int headSize = width / heads;
        string qkv = Linear(export, input, "c_attn", width, 3 * width, qkvWeightOffset, qkvBiasOffset);
        string q = export.Graph.UniqueName(Name + "/q"), k = export.Graph.UniqueName(Name + "/k"), v = export.Graph.UniqueName(Name + "/v");
        export.Graph.AddNode("Split", export.Graph.UniqueName(Name + "/Split"),
            [qkv, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".split"), width, width, width)], [q, k, v], OnnxAttribute.Int("axis", 2));
        string headShape = export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".head_shape"), 0, steps, heads, headSize);
        string Heads(string value, params long[] permutation) =>
            export.Node(Name, "Transpose", [export.Node(Name, "Reshape", [value, headShape])], OnnxAttribute.Ints("perm", permutation));
        string scores = export.Node(Name, "MatMul", [Heads(q, 0, 2, 1, 3), Heads(k, 0, 2, 3, 1)]);    // [N, H, T, T]
        scores = export.Node(Name, "Mul", [scores, export.Graph.Scalar(1f / MathF.Sqrt(headSize))]);
        if (causal)
        {
            var mask = new float[steps * steps];
            for (int i = 0; i < steps; i++)
                for (int j = i + 1; j < steps; j++) mask[i * steps + j] = -1e9f;
            scores = export.Node(Name, "Add", [scores, export.Initializer(Name, "causal_mask", [steps, steps], mask)]);
        }

        string weights = export.Node(Name, "Softmax", [scores], OnnxAttribute.Int("axis", -1));
        string mixed = export.Node(Name, "MatMul", [weights, Heads(v, 0, 2, 1, 3)]);                  // [N, H, T, hs]
        mixed = export.Node(Name, "Transpose", [mixed], OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        mixed = export.Node(Name, "Reshape", [mixed, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".shape"), 0, steps, width)]);
        string projected = Linear(export, mixed, "c_proj", width, width, projectionWeightOffset, projectionBiasOffset);
        return Output(export, "Identity", [projected]);
    }

    // x[N, T, inputs]·W^T + b with W [units, inputs] at weightOffset (stored transposed: MatMul has no transpose flag).
    private string Linear(OnnxExport export, string x, string part, int inputs, int units, int weightOffset, int biasOffset)
    {
        ReadOnlySpan<float> weight = export.Parameters(Name, weightOffset, units * inputs);
        float[] transposed = new float[inputs * units];
        for (int u = 0; u < units; u++)
            for (int i = 0; i < inputs; i++) transposed[i * units + u] = weight[u * inputs + i];
        string product = export.Node(Name, "MatMul", [x, export.Initializer(Name, part + ".weight_t", [inputs, units], transposed)]);
        return biasOffset < 0 ? product : export.Node(Name, "Add", [product, export.Initializer(Name, part + ".bias", [units], export.Parameters(Name, biasOffset, units))]);
    }
}

/// <summary>Positional embeddings: <c>Add(x[N, T, width], table[T, width])</c>, the learned table from the parameters or the sinusoidal one.</summary>
public sealed class OnnxPositions(string name, int steps, int width, int weightOffset) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        float[] table = new float[steps * width];
        if (weightOffset >= 0) export.Parameters(Name, weightOffset, steps * width).CopyTo(table);
        else Kernels.SinusoidalPositions.Table(table, steps, width);
        return Output(export, "Add", [input, export.Initializer(Name, weightOffset >= 0 ? "weight" : "table", [steps, width], table)]);
    }
}
