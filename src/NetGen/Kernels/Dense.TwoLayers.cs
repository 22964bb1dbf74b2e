using System.Runtime.CompilerServices;
using NetGen.Threading;

namespace NetGen.Kernels;

// Two dense layers in a row for one sample (or a few), in one pass over the worker pool: one wake per call, not two.
public static unsafe partial class Dense
{
    /// <summary>Rows below which the generated code runs two dense layers in a row as one <see cref="ForwardTwoLayers"/> call (the dot-product regime, Gemm.TileRows).</summary>
    public const int TwoLayerRows = 8;

    // hidden[B,H] = activation1(input[B,K] · weight1[H,K]^T + bias1[H]);  output[B,N] = activation2(hidden[B,H] · weight2[N,H]^T + bias2[N])
    /// <summary>
    /// Two dense layers in a row: <paramref name="hidden"/>[batch, hiddenUnits] = activation1(input · weight1^T + bias1),
    /// then <paramref name="output"/>[batch, units] = activation2(hidden · weight2^T + bias2); both overwritten. Pass empty
    /// biases for layers without one. Meant for one sample (under <see cref="TwoLayerRows"/> rows), where each product is
    /// a pass over weights streamed from the cores' L2 and waking the other core is a large share of a layer's time.
    /// </summary>
    /// <remarks>
    /// The hidden units are cut into two segments. Each thread computes its segment of the hidden layer (its rows of
    /// weight1, the same rows every call, so they stay in that core's L2) and at once that segment's share of the second
    /// product, <c>weight2[:, segment] · hidden[segment]</c>, which needs no other thread's hidden values; the caller then
    /// adds the two shares, the bias and the activation. Both products are split across the cores with one wake and no
    /// barrier, and the shares are always added in the same order, so results are identical for every thread count;
    /// they differ from two <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation)"/>
    /// calls only in the order of the second layer's float sums.
    /// </remarks>
    public static void ForwardTwoLayers(ReadOnlySpan<float> input, ReadOnlySpan<float> weight1, ReadOnlySpan<float> bias1, Activation activation1,
        Span<float> hidden, ReadOnlySpan<float> weight2, ReadOnlySpan<float> bias2, Activation activation2, Span<float> output,
        int batch, int inputs, int hiddenUnits, int units)
    {
        if (hiddenUnits > 0 && inputs > 0 && weight1.Length < (long)hiddenUnits * inputs)
            throw new ArgumentException($"weight1 holds {weight1.Length} floats; [{hiddenUnits}, {inputs}] needs {(long)hiddenUnits * inputs}.", nameof(weight1));
        if (units > 0 && hiddenUnits > 0 && weight2.Length < (long)units * hiddenUnits)
            throw new ArgumentException($"weight2 holds {weight2.Length} floats; [{units}, {hiddenUnits}] needs {(long)units * hiddenUnits}.", nameof(weight2));
        CheckShapes(input, weight1, bias1, hidden, batch, inputs, hiddenUnits, nameof(input), nameof(hidden), nameof(bias1));
        CheckShapes(hidden, weight2, bias2, output, batch, hiddenUnits, units, nameof(hidden), nameof(output), nameof(bias2));
        CheckFusedActivation(activation1);
        CheckFusedActivation(activation2);
        if (batch == 0) return;
        if (!TwoLayerShares.Fit(batch, hiddenUnits, units) || !Gemm.BlockedSupported)
        {
            Forward(input, weight1, bias1, hidden, batch, inputs, hiddenUnits, activation1);
            Forward(hidden, weight2, bias2, output, batch, hiddenUnits, units, activation2);
            return;
        }

        float* partials = stackalloc float[TwoLayerShares.PartialFloats(batch, units)];
        fixed (float* pinput = input, pweight1 = weight1, pbias1 = bias1, phidden = hidden, pweight2 = weight2, poutput = output)
        {
            var layers = new TwoLayers
            {
                Input = pinput, Weight1 = pweight1, Bias1 = bias1.IsEmpty ? null : pbias1, Hidden = phidden, Weight2 = pweight2,
                Partials = partials, Batch = batch, Inputs = inputs, HiddenUnits = hiddenUnits, Units = units, Activation1 = activation1,
            };
            WorkerPool pool = WorkerPool.Shared;
            long multiplyAdds = (long)batch * hiddenUnits * (inputs + units);
            int parts = multiplyAdds >= TwoLayerShares.ParallelMultiplyAdds ? Math.Min(pool.Parallelism, TwoLayerShares.Segments) : 1;
            if (Gemm.SequentialParts > 0) for (int part = 0; part < TwoLayerShares.Segments; part++) TwoLayerPart(&layers, part, TwoLayerShares.Segments);
            else if (parts > 1) pool.RunLatencyBound(&TwoLayerPart, &layers, parts, multiplyAdds);
            else TwoLayerPart(&layers, 0, 1);
        }

        TwoLayerShares.Combine(partials, output, bias2, activation2, batch, units);
    }

    private struct TwoLayers
    {
        public float* Input, Weight1, Bias1, Hidden, Weight2;
        public float* Partials;     // [segment, batch, units]
        public int Batch, Inputs, HiddenUnits, Units;
        public Activation Activation1;
    }

    // Segments [part * S / parts, (part + 1) * S / parts): their hidden units, then their share of the second product.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoLayerPart(void* context, int part, int parts)
    {
        ref TwoLayers layers = ref *(TwoLayers*)context;
        int k = layers.Inputs, h = layers.HiddenUnits, n = layers.Units;
        (int first, int last) = TwoLayerShares.SegmentsOf(part, parts);
        for (int segment = first; segment < last; segment++)
        {
            (int start, int end) = TwoLayerShares.HiddenUnitsOf(segment, h);
            for (int b = 0; b < layers.Batch; b++)
            {
                float* hidden = layers.Hidden + (nint)b * h;
                float* share = layers.Partials + ((nint)segment * layers.Batch + b) * n;
                Gemm.DotRows(layers.Input + (nint)b * k, layers.Weight1, k, k, start, end, hidden);
                TwoLayerShares.BiasAndActivate(hidden + start, layers.Bias1 == null ? null : layers.Bias1 + start, end - start, layers.Activation1);
                // share[0, n) = weight2[:, start..end) · hidden[start..end)
                Gemm.DotRows(hidden + start, layers.Weight2 + start, h, end - start, 0, n, share);
            }
        }
    }
}
