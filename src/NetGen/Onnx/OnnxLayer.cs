namespace NetGen.Onnx;

/// <summary>
/// One layer of a generated network as the ONNX exporter sees it: its name (the checkpoint prefix,
/// <c>dense1</c>), its constants and where its parameters sit in the flat buffers. The generator emits one
/// per layer; <see cref="Append"/> turns it into opset-17 nodes on a batch-first tensor [N, ...sample].
/// </summary>
public abstract class OnnxLayer
{
    private protected OnnxLayer(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The layer's name, as in checkpoints (<c>dense1</c>, <c>conv2</c>, <c>blocks.0.dense1</c>).</summary>
    public string Name { get; }

    /// <summary>
    /// The layers whose outputs this one reads, as indices into the network's layer list (-1: the graph input); null
    /// (the default) reads the layer before it. Set for branches and joins of a network graph.
    /// </summary>
    public int[]? Inputs { get; init; }

    /// <summary>Appends the layer's nodes reading <paramref name="input"/> and returns the name of its output value.</summary>
    public abstract string Append(OnnxExport export, string input);

    /// <summary>The value name of the layer's last node: the layer's own name, when free.</summary>
    private protected string Output(OnnxExport export, string opType, string[] inputs, params OnnxAttribute[] attributes) =>
        export.Graph.AddNode(opType, export.Graph.UniqueName(Name), inputs, attributes);
}

/// <summary>Dense: <c>Gemm(x, W[units, inputs], b, transB = 1)</c>, or per step of a sequence <c>MatMul(x[N,T,I], W^T) + b</c>; then the activation.</summary>
public sealed class OnnxDense(string name, int inputs, int units, int steps, int weightOffset, int biasOffset, Activation activation, float alpha)
    : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        ReadOnlySpan<float> weight = export.Parameters(Name, weightOffset, units * inputs);
        string? bias = biasOffset < 0 ? null : export.Initializer(Name, "bias", [units], export.Parameters(Name, biasOffset, units));
        string product;
        if (steps == 0)
        {
            string w = export.Initializer(Name, "weight", [units, inputs], weight);
            product = export.Node(Name, "Gemm", bias is null ? [input, w] : [input, w, bias], OnnxAttribute.Int("transB", 1));
        }
        else
        {
            // MatMul broadcasts over the batch and step dimensions; it has no transpose flag, so W^T is stored.
            float[] transposed = new float[inputs * units];
            for (int u = 0; u < units; u++)
            {
                for (int i = 0; i < inputs; i++) transposed[i * units + u] = weight[u * inputs + i];
            }

            product = export.Node(Name, "MatMul", [input, export.Initializer(Name, "weight_t", [inputs, units], transposed)]);
            if (bias is not null) product = export.Node(Name, "Add", [product, bias]);
        }

        return OnnxActivations.Append(export, Name, product, activation, alpha);
    }
}

/// <summary>
/// Conv2D: <c>Conv</c> with square kernel, stride and dilation, weight [filters, channels, k, k]; then the activation.
/// The padding is <paramref name="padding"/> on every side, or <see cref="Pads"/> where the sides differ.
/// </summary>
public sealed class OnnxConv2D(string name, int channels, int filters, int kernel, int stride, int padding, int dilation,
    int weightOffset, int biasOffset, Activation activation, float alpha) : OnnxLayer(name)
{
    /// <summary>
    /// The padding per side in ONNX's <c>pads</c> order, <c>[top, left, bottom, right]</c>, where the sides differ
    /// (Keras's <c>padding="same"</c> with a stride or an even kernel); null: the constructor's padding on every side.
    /// </summary>
    /// <exception cref="ArgumentException">The array does not hold four values, or one is negative.</exception>
    public int[]? Pads
    {
        get => _pads;
        init => _pads = value is null || (value.Length == 4 && value.All(p => p >= 0)) ? value
            : throw new ArgumentException($"Pads holds [{string.Join(", ", value)}]; it needs four paddings of zero or more: [top, left, bottom, right].", nameof(value));
    }

    private readonly int[]? _pads;

    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        string w = export.Initializer(Name, "weight", [filters, channels, kernel, kernel], export.Parameters(Name, weightOffset, filters * channels * kernel * kernel));
        string[] inputs = biasOffset < 0 ? [input, w] : [input, w, export.Initializer(Name, "bias", [filters], export.Parameters(Name, biasOffset, filters))];
        string conv = export.Node(Name, "Conv", inputs,
            OnnxAttribute.Ints("kernel_shape", kernel, kernel), OnnxAttribute.Ints("strides", stride, stride),
            _pads is { } pads ? OnnxAttribute.Ints("pads", pads[0], pads[1], pads[2], pads[3]) : OnnxAttribute.Ints("pads", padding, padding, padding, padding),
            OnnxAttribute.Ints("dilations", dilation, dilation));
        return OnnxActivations.Append(export, Name, conv, activation, alpha);
    }
}

/// <summary>MaxPool2D or AvgPool2D: <c>MaxPool</c> / <c>AveragePool</c> (count_include_pad = 1, floor rounding), square windows.</summary>
public sealed class OnnxPool2D(string name, bool max, int size, int stride, int padding) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        OnnxAttribute[] window = [OnnxAttribute.Ints("kernel_shape", size, size), OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", padding, padding, padding, padding)];
        return max ? Output(export, "MaxPool", [input], window)
            : Output(export, "AveragePool", [input], [.. window, OnnxAttribute.Int("count_include_pad", 1)]);
    }
}

/// <summary>GlobalAvgPool2D: <c>GlobalAveragePool</c> ([N, C, 1, 1]) then <c>Flatten</c> to [N, C].</summary>
public sealed class OnnxGlobalAvgPool2D(string name) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) =>
        Output(export, "Flatten", [export.Node(Name, "GlobalAveragePool", [input])], OnnxAttribute.Int("axis", 1));
}

/// <summary>Flatten: <c>Flatten(axis = 1)</c>, [N, ...] to [N, size].</summary>
public sealed class OnnxFlatten(string name) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) => Output(export, "Flatten", [input], OnnxAttribute.Int("axis", 1));
}

/// <summary>Reshape to [N, ...shape] (the batch dimension copied with 0, the declared -1 already resolved).</summary>
public sealed class OnnxReshape(string name, int[] shape) : OnnxLayer(name)
{
    private readonly long[] _target = [0, .. shape.Select(d => (long)d)];

    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) =>
        Output(export, "Reshape", [input, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".shape"), _target)]);
}

/// <summary>[Activation] as a layer.</summary>
public sealed class OnnxActivationLayer(string name, Activation activation, float alpha) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) => OnnxActivations.Append(export, Name, input, activation, alpha);
}

/// <summary>
/// Softmax over all of each sample's values (NetGen's [Softmax] layer and the classifier output): <c>Softmax(axis = 1)</c>
/// on a vector sample; a sample of higher rank is flattened, normalized and reshaped back.
/// With <paramref name="lastAxisOnly"/> it normalizes each step of a (steps, classes) sequence instead.
/// </summary>
public sealed class OnnxSoftmax(string name, int[] sampleShape, bool lastAxisOnly = false) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        if (sampleShape.Length <= 1 || lastAxisOnly) return Output(export, "Softmax", [input], OnnxAttribute.Int("axis", -1));
        string flat = export.Node(Name, "Flatten", [input], OnnxAttribute.Int("axis", 1));
        string softmax = export.Node(Name, "Softmax", [flat], OnnxAttribute.Int("axis", -1));
        long[] shape = [0, .. sampleShape.Select(d => (long)d)];
        return Output(export, "Reshape", [softmax, export.Graph.AddInt64Initializer(export.Graph.UniqueName(Name + ".shape"), shape)]);
    }
}

/// <summary>Dropout: the identity at inference (inverted dropout scales in training only), kept as an Identity node so the layer stays visible.</summary>
public sealed class OnnxDropout(string name) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) => Output(export, "Identity", [input]);
}

/// <summary>
/// BatchNorm in its inference form: <c>BatchNormalization(x, scale, shift, running_mean, running_var, epsilon)</c>
/// over dimension 1 (features after Dense, channels after Conv2D), y = scale (x - mean) / sqrt(var + eps) + shift.
/// </summary>
public sealed class OnnxBatchNorm(string name, int channels, int scaleOffset, int shiftOffset, int meanOffset, int varianceOffset, float epsilon)
    : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) =>
        Output(export, "BatchNormalization",
            [
                input,
                export.Initializer(Name, "weight", [channels], export.Parameters(Name, scaleOffset, channels)),
                export.Initializer(Name, "bias", [channels], export.Parameters(Name, shiftOffset, channels)),
                export.Initializer(Name, "running_mean", [channels], export.Statistics(Name, meanOffset, channels)),
                export.Initializer(Name, "running_var", [channels], export.Statistics(Name, varianceOffset, channels)),
            ],
            OnnxAttribute.Float("epsilon", epsilon));
}

/// <summary>
/// LayerNorm over all of each sample's values: <c>LayerNormalization(axis = 1)</c> (opset 17) with per-value scale and shift of the
/// sample's shape; after a sequence, <paramref name="axis"/> -1 and a [features] shape normalize each position.
/// </summary>
public sealed class OnnxLayerNorm(string name, int[] shape, int scaleOffset, int shiftOffset, float epsilon, int axis = 1) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        int size = shape.Aggregate(1, (product, d) => product * d);
        return Output(export, "LayerNormalization",
            [
                input,
                export.Initializer(Name, "weight", shape, export.Parameters(Name, scaleOffset, size)),
                export.Initializer(Name, "bias", shape, export.Parameters(Name, shiftOffset, size)),
            ],
            OnnxAttribute.Int("axis", axis), OnnxAttribute.Float("epsilon", epsilon));
    }
}

/// <summary>Embedding: <c>Gather(table[vocabulary, dimensions], tokens[N, T], axis = 0)</c> -> [N, T, dimensions].</summary>
public sealed class OnnxEmbedding(string name, int vocabulary, int dimensions, int weightOffset) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) =>
        Output(export, "Gather", [export.Initializer(Name, "weight", [vocabulary, dimensions], export.Parameters(Name, weightOffset, vocabulary * dimensions)), input],
            OnnxAttribute.Int("axis", 0));
}

/// <summary>A layer with no ONNX mapping: exporting a network that holds it fails, naming the layer, before any file is written.</summary>
public sealed class OnnxUnsupported(string name, string reason) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input) =>
        throw new NotSupportedException($"layer {Name} has no ONNX mapping: {reason}.");
}

/// <summary>A join of a network graph: reads every output in <see cref="OnnxLayer.Inputs"/>.</summary>
public abstract class OnnxJoin(string name) : OnnxLayer(name)
{
    /// <summary>A join reads several inputs: <see cref="OnnxNetwork"/> calls <see cref="Append(OnnxExport, string[])"/>.</summary>
    public sealed override string Append(OnnxExport export, string input) => Append(export, [input]);

    /// <summary>Appends the join's nodes reading <paramref name="inputs"/> and returns the name of its output value.</summary>
    public abstract string Append(OnnxExport export, string[] inputs);
}

/// <summary>[Add]: a chain of <c>Add</c> nodes over the inputs.</summary>
public sealed class OnnxAdd(string name) : OnnxJoin(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string[] inputs)
    {
        string sum = inputs[0];
        for (int i = 1; i < inputs.Length; i++)
        {
            sum = i == inputs.Length - 1 ? Output(export, "Add", [sum, inputs[i]]) : export.Node(Name, "Add", [sum, inputs[i]]);
        }

        return sum;
    }
}

/// <summary>[Concat]: <c>Concat(axis = sample axis + 1)</c>, the batch being axis 0.</summary>
public sealed class OnnxConcat(string name, int axis) : OnnxJoin(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string[] inputs) => Output(export, "Concat", inputs, OnnxAttribute.Int("axis", axis + 1));
}

/// <summary>
/// A layer whose ONNX form is one operator on its input plus constant 1-D float inputs (null for an optional input left
/// out, written ""), such as Resize for upsampling: a new layer kind maps onto ONNX with no new class here.
/// </summary>
public sealed class OnnxSingleNode(string name, string opType, float[]?[] constantInputs, params OnnxAttribute[] attributes) : OnnxLayer(name)
{
    /// <inheritdoc/>
    public override string Append(OnnxExport export, string input)
    {
        var inputs = new string[1 + constantInputs.Length];
        inputs[0] = input;
        for (int i = 0; i < constantInputs.Length; i++)
        {
            inputs[i + 1] = constantInputs[i] is { } values
                ? export.Graph.AddInitializer(export.Graph.UniqueName(Name + "/" + opType + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)), [values.Length], values)
                : "";
        }

        return Output(export, opType, inputs, attributes);
    }
}
