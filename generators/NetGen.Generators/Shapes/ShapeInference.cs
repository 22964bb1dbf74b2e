using System.Collections.Generic;
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
        TensorShape shape = new(model.InputShape);
        int offset = 0;
        long activations = 0;
        long convolutionScratch = 0;   // one im2col buffer, shared by every convolution: the largest one's size

        int statistics = 0;
        foreach (LayerSpec spec in model.Layers)
        {
            string kind = KindName(spec);
            counters.TryGetValue(kind, out int count);
            counters[kind] = ++count;
            string name = kind + count;

            switch (spec)
            {
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
                    if (spec.Index != 0 || shape.Rank != 1)
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.EmbeddingNotFirst,
                            EquatableArray.Create(spec.Index != 0 ? "the output of layer " + spec.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + shape + ")" : "an input of shape " + shape)));
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

    private static string KindName(LayerSpec spec) => spec switch
    {
        DenseSpec => "Dense",
        FlattenSpec => "Flatten",
        Conv2DSpec => "Conv2D",
        Pool2DSpec { Kind: PoolKind.Max } => "MaxPool2D",
        Pool2DSpec => "AvgPool2D",
        GlobalAvgPool2DSpec => "GlobalAvgPool2D",
        ReshapeSpec => "Reshape",
        ActivationLayerSpec => "Activation",
        SoftmaxSpec => "Softmax",
        DropoutSpec => "Dropout",
        BatchNormSpec => "BatchNorm",
        LayerNormSpec => "LayerNorm",
        EmbeddingSpec => "Embedding",
        RecurrentSpec recurrent => recurrent.Kind.ToString(),
        _ => "Layer",
    };
}
