using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>
/// Pure arithmetic on the model: infers every layer's input and output shape, lays the parameters out in
/// one flat buffer, and rejects declarations whose shapes cannot work.
/// </summary>
public static class ShapeInference
{
    public static (ResolvedNetwork? Network, List<ShapeError> Errors) Resolve(NetworkModel model)
    {
        var errors = new List<ShapeError>();
        var layers = new List<ResolvedLayer>();
        var counters = new Dictionary<string, int>();
        TensorShape inputShape = new(model.InputShape);
        TensorShape shape = inputShape;
        int offset = 0;
        long activations = 0;
        long convolutionScratch = 0;   // one im2col buffer, shared by every convolution: the largest one's size

        int statistics = 0;
        foreach (LayerSpec declared in model.Layers)
        {
            // Counted per block copy, as PyTorch names a module's children: dense1, dense2, ... in each scope.
            string counterKey = declared.Scope + declared.KindName;
            counters.TryGetValue(counterKey, out int count);
            counters[counterKey] = ++count;
            string localName = declared.Name ?? LayerNames.AutoName(declared.KindName, count);
            string name = LayerNames.MemberName(declared.Scope, localName);
            string checkpointName = declared.Scope + (declared.Name ?? localName.ToLowerInvariant());

            EquatableArray<int> sources = declared.Sources;
            if (sources.Any(source => source >= declared.Index || source < -1))
            {
                errors.Add(new ShapeError(declared.Index, null, DiagnosticIds.InvalidJoin,
                    EquatableArray.Create($"{name} reads a layer that is not declared before it")));
                return (null, errors);
            }

            EquatableArray<TensorShape> inputShapes = sources.Select(source => source < 0 ? inputShape : layers[source].Output).ToEquatableArray();
            shape = inputShapes[0];
            int before = layers.Count;
            LayerSpec spec = declared;
            if (declared is ProjectionSpec projection)
            {
                ShapeError? impossible = Project(projection, shape, layers[projection.Target].Output, out spec);
                if (impossible is not null)
                {
                    errors.Add(impossible);
                    return (null, errors);
                }
            }

            switch (spec)
            {
                case AddSpec add:
                {
                    for (int i = 1; i < inputShapes.Count; i++)
                    {
                        if (inputShapes[i] == shape) continue;
                        string advice = add.Residual
                            ? "set Projection = true on [Residual] to learn a projection of the shortcut, or end the branch with the shortcut's shape"
                            : "add outputs of one shape, or project one of them first (a [Dense] or 1x1 [Conv2D])";
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.JoinShapeMismatch, EquatableArray.Create(
                            name, Describe(sources[0], layers), shape.ToString(), Describe(sources[i], layers), inputShapes[i].ToString(), advice)));
                        return (null, errors);
                    }

                    layers.Add(new ResolvedLayer(spec, name, shape, shape, offset, 0, offset, 0));
                    activations += 2L * shape.Size;
                    break;
                }
                case ConcatSpec concat:
                {
                    int axis = concat.Axis < 0 ? concat.Axis + shape.Rank : concat.Axis;
                    if (axis < 0 || axis >= shape.Rank)
                    {
                        errors.Add(new ShapeError(spec.Index, "Axis", DiagnosticIds.InvalidJoin, EquatableArray.Create(
                            $"Axis {concat.Axis.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside the {shape.Rank} dimensions of {Describe(sources[0], layers)} ({shape}): use 0 to {shape.Rank - 1}, or -1 for the last")));
                        return (null, errors);
                    }

                    int[] dimensions = shape.Dimensions.ToArray();
                    for (int i = 1; i < inputShapes.Count; i++)
                    {
                        TensorShape other = inputShapes[i];
                        bool fits = other.Rank == shape.Rank && Enumerable.Range(0, shape.Rank).All(d => d == axis || other.Dimensions[d] == shape.Dimensions[d]);
                        if (!fits)
                        {
                            errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.JoinShapeMismatch, EquatableArray.Create(
                                name, Describe(sources[0], layers), shape.ToString(), Describe(sources[i], layers), other.ToString(),
                                $"every dimension but axis {axis.ToString(System.Globalization.CultureInfo.InvariantCulture)} must agree")));
                            return (null, errors);
                        }

                        dimensions[axis] += other.Dimensions[axis];
                    }

                    var output = new TensorShape(dimensions.ToEquatableArray());
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, 0, offset, 0));
                    activations += 2L * output.Size;
                    break;
                }
                case DenseSpec dense:
                {
                    // A (steps, features) sequence: the same dense layer applies at every step.
                    if (shape.Rank is not (1 or 2))
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.DenseNeedsVector,
                            EquatableArray.Create(shape.ToString(), shape.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                        return (null, errors);
                    }

                    int inputs = shape.Dimensions[shape.Rank - 1];
                    int weights = dense.Units * inputs;
                    int biases = dense.UseBias ? dense.Units : 0;
                    var output = shape.Rank == 2 ? new TensorShape(EquatableArray.Create(shape.Dimensions[0], dense.Units)) : TensorShape.Vector(dense.Units);
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, weights, offset + weights, biases));
                    offset += weights + biases;
                    // Output plus its gradient, and the pre-activation when the activation does not fuse into the product.
                    activations += (long)output.Size * (DenseKernelChoice.FusesActivation(dense.Activation) ? 2 : 3);
                    shape = output;
                    break;
                }
                case FlattenSpec:
                {
                    var output = TensorShape.Vector(shape.Size);
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, 0, offset, 0));
                    shape = output;
                    break;
                }
                case Conv2DSpec or Pool2DSpec or GlobalAvgPool2DSpec or ReshapeSpec:
                {
                    ShapeError? error = ConvolutionShapes.Resolve(spec, name, shape, offset, out ResolvedLayer layer, out long floats);
                    if (error is not null)
                    {
                        errors.Add(error);
                        return (null, errors);
                    }

                    layers.Add(layer);
                    offset += layer.ParameterCount;
                    activations += floats;
                    convolutionScratch = System.Math.Max(convolutionScratch, ConvolutionShapes.ScratchFloats(layer, model.BatchSize));
                    shape = layer.Output;
                    break;
                }
                case ActivationLayerSpec or SoftmaxSpec:
                    // Output and its gradient.
                    layers.Add(new ResolvedLayer(spec, name, shape, shape, offset, 0, offset, 0));
                    activations += 2L * shape.Size;
                    break;
                case DropoutSpec:
                    // Output, mask and gradient.
                    layers.Add(new ResolvedLayer(spec, name, shape, shape, offset, 0, offset, 0));
                    activations += 3L * shape.Size;
                    break;
                case BatchNormSpec:
                {
                    if (shape.Rank is not (1 or 3))
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.NormalizationShape, EquatableArray.Create(shape.ToString())));
                        return (null, errors);
                    }

                    // One scale and shift per feature (after dense) or per channel (after convolution); running mean and variance beside.
                    int channels = shape.Dimensions[0];
                    layers.Add(new ResolvedLayer(spec, name, shape, shape, offset, channels, offset + channels, channels, statistics, 2 * channels));
                    offset += 2 * channels;
                    statistics += 2 * channels;
                    activations += 2L * shape.Size;
                    break;
                }
                case EmbeddingSpec embedding:
                {
                    if (sources[0] != -1 || shape.Rank != 1)
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.EmbeddingNotFirst,
                            EquatableArray.Create(sources[0] != -1 ? "the output of layer " + spec.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + shape + ")" : "an input of shape " + shape)));
                        return (null, errors);
                    }

                    // One token id per step in, one [dimensions] row per step out.
                    int table = embedding.Vocabulary * embedding.Dimensions;
                    var output = new TensorShape(EquatableArray.Create(shape.Dimensions[0], embedding.Dimensions));
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, table, offset + table, 0));
                    offset += table;
                    activations += 2L * output.Size;
                    shape = output;
                    break;
                }
                case RecurrentSpec recurrent:
                {
                    if (shape.Rank != 2)
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.RecurrentNeedsSequence,
                            EquatableArray.Create(recurrent.Kind.ToString(), shape.ToString())));
                        return (null, errors);
                    }

                    // weightIh [G*H, I], weightHh [G*H, H], then biasIh [G*H], biasHh [G*H].
                    int steps = shape.Dimensions[0], features = shape.Dimensions[1], rowsOfWeights = recurrent.Gates * recurrent.Hidden;
                    int weights = rowsOfWeights * (features + recurrent.Hidden);
                    int biases = 2 * rowsOfWeights;
                    var output = recurrent.ReturnSequences
                        ? new TensorShape(EquatableArray.Create(steps, recurrent.Hidden))
                        : TensorShape.Vector(recurrent.Hidden);
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, weights, offset + weights, biases));
                    offset += weights + biases;
                    // Sequence output and gradient, cache (gates and states of every step) and backward scratch, per sample.
                    activations += 2L * steps * recurrent.Hidden + (long)steps * (2 * rowsOfWeights + 3 * recurrent.Hidden);
                    shape = output;
                    break;
                }
                case LayerNormSpec:
                {
                    int features = shape.Size;
                    layers.Add(new ResolvedLayer(spec, name, shape, shape, offset, features, offset + features, features));
                    offset += 2 * features;
                    activations += 2L * shape.Size;
                    break;
                }
            }

            if (layers.Count == before) continue;
            ResolvedLayer resolved = layers[before];
            layers[before] = resolved with { Sources = sources, InputShapes = inputShapes, CheckpointName = checkpointName };
            shape = resolved.Output;
        }

        if (errors.Count == 0 && CheckReaders(model, layers) is { } unread)
        {
            errors.Add(unread);
        }

        // A (steps, classes) output is classified at every step.
        if (model.Loss.Kind == LossKind.SoftmaxCrossEntropy && (shape.Rank == 2 ? shape.Dimensions[1] : shape.Size) < 2)
        {
            errors.Add(new ShapeError(-1, null, DiagnosticIds.LossDoesNotFitOutput,
                EquatableArray.Create(shape.ToString())));
        }

        if (errors.Count == 0 && offset == 0)
        {
            // Nothing to train: no layer has parameters, so no gradient flows anywhere.
            errors.Add(new ShapeError(-2, null, DiagnosticIds.NoLayers, EquatableArray.Create(model.ClassName)));
        }

        if (errors.Count > 0) return (null, errors);

        var network = new ResolvedNetwork(model, layers.ToEquatableArray(), offset, OptimizerStateCount(model.Optimizer, offset),
            activations * model.BatchSize + convolutionScratch, statistics);
        return (network, errors);
    }

    /// <summary>Floats of optimizer state per parameter buffer: moments, velocities or sums, each one flat buffer.</summary>
    public static int OptimizerStateCount(OptimizerSpec optimizer, int parameters) => parameters * optimizer.Kind switch
    {
        OptimizerKind.Adam or OptimizerKind.AdamW => optimizer.Amsgrad ? 3 : 2,
        OptimizerKind.RmsProp => 1 + (optimizer.Momentum > 0 ? 1 : 0) + (optimizer.Centered ? 1 : 0),
        OptimizerKind.Adagrad => 1,
        _ => optimizer.Momentum > 0 ? 1 : 0,
    };

    /// <summary>
    /// Resolves a residual shortcut's projection into the layer that computes it: a dense layer without bias from
    /// <paramref name="from"/>'s features to <paramref name="to"/>'s (vectors, or per step of a sequence), or a 1x1
    /// convolution without bias whose stride maps from's height and width onto to's (ResNet's downsampling shortcut).
    /// </summary>
    private static ShapeError? Project(ProjectionSpec projection, TensorShape from, TensorShape to, out LayerSpec spec)
    {
        spec = projection;
        ShapeError Impossible(string reason) => new(projection.Index, null, DiagnosticIds.ProjectionImpossible,
            EquatableArray.Create(from.ToString(), to.ToString(), reason));

        if (from.Rank != to.Rank) return Impossible("their ranks differ; flatten or reshape one side first");
        if (from.Rank == 1 || (from.Rank == 2 && from.Dimensions[0] == to.Dimensions[0]))
        {
            spec = new DenseSpec(projection.Index, to.Dimensions[to.Rank - 1], ActivationSpec.Identity, WeightInitKind.Default, double.NaN,
                UseBias: false, PenaltySpec.Inherit) { Inputs = projection.Inputs, Name = projection.Name, Scope = projection.Scope };
            return null;
        }

        if (from.Rank != 3) return Impossible("a projection maps vectors, (steps, features) sequences of equal steps, or (channels, height, width) images");
        int stride = (from.Dimensions[1] + to.Dimensions[1] - 1) / to.Dimensions[1];
        bool fits = to.Dimensions[1] <= from.Dimensions[1] && to.Dimensions[2] <= from.Dimensions[2]
            && (from.Dimensions[1] - 1) / stride + 1 == to.Dimensions[1] && (from.Dimensions[2] - 1) / stride + 1 == to.Dimensions[2];
        if (!fits) return Impossible("no 1x1 convolution stride maps its height and width onto the branch's; make the branch keep the size or halve it");
        spec = new Conv2DSpec(projection.Index, to.Dimensions[0], Kernel: 1, stride, Padding: 0, SamePadding: false, Dilation: 1,
            ActivationSpec.Identity, WeightInitKind.Default, double.NaN, UseBias: false, PenaltySpec.Inherit)
        {
            Inputs = projection.Inputs, Name = projection.Name, Scope = projection.Scope,
        };
        return null;
    }

    /// <summary>"dense2" or "the input": how messages name a layer output.</summary>
    private static string Describe(int source, List<ResolvedLayer> layers) => source < 0 ? "the input" : layers[source].CheckpointName;

    /// <summary>
    /// Every layer but the last must be read by a later one (otherwise its parameters would never learn), and a token
    /// network's input (ids, not floats) may only be read by an embedding.
    /// </summary>
    private static ShapeError? CheckReaders(NetworkModel model, List<ResolvedLayer> layers)
    {
        var read = new bool[layers.Count];
        bool tokens = layers.Count > 0 && layers[0].Spec is EmbeddingSpec;
        foreach (ResolvedLayer layer in layers)
        {
            foreach (int source in layer.Sources)
            {
                if (source >= 0) read[source] = true;
                else if (tokens && layer.Spec is not EmbeddingSpec)
                {
                    return new ShapeError(layer.Spec.Index, null, DiagnosticIds.InvalidJoin, EquatableArray.Create(
                        $"{layer.CheckpointName} reads the network's input, which holds token ids: only an [Embedding] can read them"));
                }
            }
        }

        for (int i = 0; i < layers.Count - 1; i++)
        {
            if (!read[i]) return new ShapeError(layers[i].Spec.Index, null, DiagnosticIds.UnusedOutput, EquatableArray.Create(layers[i].CheckpointName));
        }

        return null;
    }
}

/// <summary>How a layer's names are made from its scope and local name.</summary>
public static class LayerNames
{
    /// <summary>
    /// The prefix of the layer's generated members, a C# identifier: each part of the path with its first letter in
    /// upper case, joined: "Dense1" at the top level, "Blocks0Dense1" for blocks.0.dense1, "Stem" for a layer named stem.
    /// </summary>
    public static string MemberName(string scope, string localName)
    {
        var builder = new System.Text.StringBuilder();
        foreach (string part in (scope + localName).Split('.'))
        {
            if (part.Length == 0) continue;
            builder.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }

        return builder.ToString();
    }

    /// <summary>The name of an unnamed layer: its kind and its count in its scope, e.g. Dense2 (dense2 in checkpoints).</summary>
    public static string AutoName(string kind, int count) => kind + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
