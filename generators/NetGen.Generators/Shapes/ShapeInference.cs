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
                    if (shape.Rank != 1)
                    {
                        errors.Add(new ShapeError(spec.Index, null, DiagnosticIds.DenseNeedsVector,
                            EquatableArray.Create(shape.ToString(), shape.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                        return (null, errors);
                    }

                    int inputs = shape.Size;
                    int weights = dense.Units * inputs;
                    int biases = dense.UseBias ? dense.Units : 0;
                    var output = TensorShape.Vector(dense.Units);
                    layers.Add(new ResolvedLayer(spec, name, shape, output, offset, weights, offset + weights, biases));
                    offset += weights + biases;
                    // Output (and pre-activation when there is an activation) plus its gradient.
                    activations += (long)dense.Units * (dense.Activation == ActivationKind.Identity ? 2 : 3);
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
                    convolutionScratch = System.Math.Max(convolutionScratch, ConvolutionShapes.ScratchFloats(layer));
                    shape = layer.Output;
                    break;
                }
            }
        }

        if (model.Loss.Kind == LossKind.SoftmaxCrossEntropy && shape.Size < 2)
        {
            errors.Add(new ShapeError(-1, null, DiagnosticIds.LossDoesNotFitOutput,
                EquatableArray.Create(shape.ToString())));
        }

        if (errors.Count > 0) return (null, errors);

        int optimizerState = model.Optimizer.Kind switch
        {
            OptimizerKind.Adam => 2 * offset,
            OptimizerKind.Sgd when model.Optimizer.Momentum > 0 => offset,
            _ => 0,
        };

        var network = new ResolvedNetwork(model, layers.ToEquatableArray(), offset, optimizerState,
            activations * model.BatchSize + convolutionScratch);
        return (network, errors);
    }

    private static string KindName(LayerSpec spec) => spec switch
    {
        DenseSpec => "Dense",
        FlattenSpec => "Flatten",
        Conv2DSpec => "Conv2D",
        Pool2DSpec { Kind: PoolKind.Max } => "MaxPool2D",
        Pool2DSpec => "AvgPool2D",
        GlobalAvgPool2DSpec => "GlobalAvgPool2D",
        ReshapeSpec => "Reshape",
        _ => "Layer",
    };
}
