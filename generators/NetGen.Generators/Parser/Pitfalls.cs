using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Model;

namespace NetGen.Generators.Parser;

/// <summary>
/// Build-time warnings for the classic training pitfalls the declaration already shows: a deep stack of
/// saturating activations (vanishing gradients) and weights that start identical (symmetry never broken).
/// </summary>
internal static class Pitfalls
{
    /// <summary>Saturating layers in a row, without normalization or a suitable initializer, before warning.</summary>
    public const int SaturatingDepth = 5;

    public static void Check(List<LayerSpec> layers, List<AttributeData> attributes, AttributeReader reader, List<DiagnosticInfo> diagnostics)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            (string kind, WeightInitKind init, double scale)? weights = layers[i] switch
            {
                DenseSpec dense => ("Dense", dense.Init, dense.InitScale),
                Conv2DSpec conv => ("Conv2D", conv.Init, conv.InitScale),
                _ => null,
            };
            if (weights is { init: WeightInitKind.Uniform or WeightInitKind.Normal or WeightInitKind.Orthogonal, scale: 0 } zeroScale)
            {
                // U(-0, 0), N(0, 0) and a gain of 0 are all zeros: the same symmetry that Zeros has.
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ConstantInitialization, reader.ArgumentLocation(attributes[i], null, "InitScale"),
                    zeroScale.kind + " layer " + (i + 1), "0"));
            }
            else if (weights is { init: WeightInitKind.Zeros or WeightInitKind.Constant } constant)
            {
                string value = constant.init == WeightInitKind.Zeros ? "0" : double.IsNaN(constant.scale) ? "InitScale" : constant.scale.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ConstantInitialization, reader.ArgumentLocation(attributes[i], null, "Init"),
                    constant.kind + " layer " + (i + 1), value));
            }
        }

        if (layers.Any(l => l is BatchNormSpec or LayerNormSpec)) return;

        // Count saturating activations; the initializer of the dense layer feeding each one decides whether it counts.
        int run = 0;
        WeightInitKind lastInit = WeightInitKind.Default;
        for (int i = 0; i < layers.Count; i++)
        {
            ActivationSpec? activation = null;
            switch (layers[i])
            {
                case DenseSpec dense:
                    lastInit = dense.Init;
                    activation = dense.Activation;
                    break;
                case Conv2DSpec conv:
                    lastInit = conv.Init;
                    activation = conv.Activation;
                    break;
                case ActivationLayerSpec layer:
                    activation = layer.Activation;
                    break;
                case AddSpec or ConcatSpec:
                    // A join gives the gradient a path around the layers before it (the residual cure): a new run starts.
                    run = 0;
                    break;
            }

            if (activation is null) continue;
            if (!activation.Saturates)
            {
                if (!activation.IsIdentity) run = 0;
                continue;
            }

            if (lastInit is WeightInitKind.GlorotUniform or WeightInitKind.GlorotNormal or WeightInitKind.LeCunUniform
                or WeightInitKind.LeCunNormal or WeightInitKind.Orthogonal)
            {
                continue;
            }

            if (++run == SaturatingDepth)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.DeepSaturatingStack, reader.ArgumentLocation(attributes[i], null, null),
                    run, activation.Kind));
                return;
            }
        }
    }

    /// <summary>Time steps from which a plain tanh RNN draws a warning: by then its gradient has vanished many times over.</summary>
    public const int LongSimpleRnnSteps = 50;

    /// <summary>Warns about a SimpleRnn unrolled over <see cref="LongSimpleRnnSteps"/> or more steps.</summary>
    public static void CheckRecurrent(Shapes.ResolvedNetwork network, List<AttributeData> attributes, AttributeReader reader, List<DiagnosticInfo> diagnostics)
    {
        foreach (Shapes.ResolvedLayer layer in network.Layers)
        {
            if (layer.Spec is RecurrentSpec { Kind: RecurrentKind.SimpleRnn } && layer.Input.Rank == 2 && layer.Input.Dimensions[0] >= LongSimpleRnnSteps)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.LongSimpleRnn, reader.ArgumentLocation(attributes[layer.Spec.Index], null, null),
                    layer.Name, layer.Input.Dimensions[0], LongSimpleRnnSteps));
            }
        }
    }
}
