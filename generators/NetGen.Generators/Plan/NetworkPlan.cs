using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Plan;

/// <summary>How a layer's backward hands the gradient to one of its inputs.</summary>
public enum GradientWrite
{
    /// <summary>The input has no gradient: the network's input, or a chain of parameter-free layers from it.</summary>
    None,

    /// <summary>The first reader (in backward order) of that output: writes its gradient buffer.</summary>
    Overwrite,

    /// <summary>A later reader of an output several layers read: adds to what the readers before it wrote.</summary>
    Accumulate,
}

/// <summary>How one input's gradient is written (a record struct, so plans compare by value).</summary>
public readonly record struct InputGradientPlan(GradientWrite Write);

/// <summary>
/// The decisions for one layer: how its backward writes each input's gradient, and whether it runs fused with the layer
/// after it (a convolution computing the max pooling that reads it; two dense layers in one pass at a few rows).
/// </summary>
public sealed record LayerPlan(EquatableArray<InputGradientPlan> InputGradients, int Readers, bool FusesWithNext);

/// <summary>
/// How a resolved network runs: for every layer, where its inputs' gradients go and what it fuses with, and whether
/// ComputeGradients may let every parameter gradient be written instead of cleared and added to. Equatable and its
/// own incremental step: emitters print it and decide nothing it did not.
/// </summary>
public sealed record NetworkPlan(ResolvedNetwork Network, EquatableArray<LayerPlan> Layers, bool OverwritesGradients)
{
    /// <summary>Floats of the per-reader gradient buffers of outputs that several layers read, at the full batch.</summary>
    public long GradientScratchFloats => Enumerable.Range(0, Layers.Count)
        .Where(i => Layers[i].InputGradients.Contains(new InputGradientPlan(GradientWrite.Accumulate)) && Network.Layers[i].Spec is not (AddSpec or ConcatSpec))
        .Sum(i => (long)Network.Layers[i].Input.Size) * Network.Model.BatchSize;
}

/// <summary>Makes the plan of a resolved network: pure decisions on shapes, no Roslyn and no text.</summary>
public static class Planner
{
    public static NetworkPlan Plan(ResolvedNetwork network)
    {
        EquatableArray<ResolvedLayer> layers = network.Layers;
        int count = layers.Count;
        var readers = new int[count];
        foreach (ResolvedLayer layer in layers)
        {
            foreach (int source in layer.Sources) if (source >= 0) readers[source]++;
        }

        // Backward runs from the last layer to the first: the first reader to run writes a shared output's gradient,
        // every later one adds to it. Flatten and Reshape share their input's buffers, so their readers write there.
        var written = new bool[count];
        var writes = new GradientWrite[count][];
        for (int i = count - 1; i >= 0; i--)
        {
            ResolvedLayer layer = layers[i];
            writes[i] = new GradientWrite[layer.Sources.Count];
            for (int slot = 0; slot < layer.Sources.Count; slot++)
            {
                int owner = GradientOwner(layers, layer.Sources[slot]);
                if (owner < 0 || SharesBuffers(layer.Spec) || !HasGradient(layers, layer.Sources[slot]))
                {
                    writes[i][slot] = GradientWrite.None;
                    continue;
                }

                writes[i][slot] = written[owner] ? GradientWrite.Accumulate : GradientWrite.Overwrite;
                written[owner] = true;
            }
        }

        var plans = new LayerPlan[count];
        for (int i = 0; i < count; i++)
        {
            // A fused pair computes the first layer's output only for the second: it must be its only reader.
            bool nextReadsOnlyThis = i + 1 < count && layers[i + 1].ReadsPrevious && readers[i] == 1;
            bool fuses = nextReadsOnlyThis && (layers[i].Spec, layers[i + 1].Spec) is (Conv2DSpec, Pool2DSpec) or (DenseSpec, DenseSpec);
            plans[i] = new LayerPlan(writes[i].Select(w => new InputGradientPlan(w)).ToEquatableArray(), readers[i], fuses);
        }

        // Every layer with parameters is dense, so each parameter gradient comes from exactly one product per step:
        // ComputeGradients lets those products write the gradients instead of clearing the buffer and adding to it.
        bool overwrite = layers.Any(l => l.Spec is DenseSpec) && layers.All(l => l.ParameterCount == 0 || l.Spec is DenseSpec);
        return new NetworkPlan(network, plans.ToEquatableArray(), overwrite);
    }

    /// <summary>Flatten and Reshape are views: their output (and its gradient) is their input's buffer.</summary>
    public static bool SharesBuffers(LayerSpec spec) => spec is FlattenSpec or ReshapeSpec;

    /// <summary>The layer whose gradient buffer holds the gradient of <paramref name="source"/>'s output (-1: the input, which has none).</summary>
    private static int GradientOwner(EquatableArray<ResolvedLayer> layers, int source)
    {
        while (source >= 0 && SharesBuffers(layers[source].Spec)) source = layers[source].Sources[0];
        return source;
    }

    /// <summary>
    /// Whether a gradient flows into <paramref name="source"/>'s output: it must lead back to some layer with parameters
    /// (a parameter-free chain straight from the network input needs none, as a first ReLU or pooling).
    /// </summary>
    private static bool HasGradient(EquatableArray<ResolvedLayer> layers, int source)
    {
        if (source < 0) return false;
        ResolvedLayer layer = layers[source];
        return layer.ParameterCount > 0 || layer.Sources.Any(s => HasGradient(layers, s));
    }
}
