using System.Runtime.CompilerServices;
using NetGen.Threading;

namespace NetGen.Kernels;

// Two dense layers in a row with bfloat16 weights, in one pass over the worker pool (one wake per call, not two).
public static unsafe partial class DenseBfloat16
{
    // hidden[B,H] = activation1(input[B,K] · weight1[H,K]^T + bias1[H]);  output[B,N] = activation2(hidden[B,H] · weight2[N,H]^T + bias2[N])
    /// <summary>
    /// Two dense layers in a row, both with bfloat16 weights: <paramref name="hidden"/>[batch, hiddenUnits] =
    /// activation1(input · weight1^T + bias1), then <paramref name="output"/>[batch, units] = activation2(hidden · weight2^T + bias2).
    /// Both are overwritten; pass empty biases for layers without one.
    /// </summary>
    /// <remarks>
    /// The hidden units are cut into two segments. Each thread of the pool computes its segment of the hidden layer and
    /// at once that segment's share of the second product (<c>weight2[:, segment] · hidden[segment]</c>), which needs no
    /// other thread's hidden values; the caller then adds the two shares, the bias and the activation. So both products
    /// are split across the cores with a single wake and no barrier, and the shares are always added in the same order:
    /// the results are identical for every thread count (they differ from two <see cref="Forward"/> calls by the order of
    /// the second layer's float sums only).
    /// </remarks>
    public static void ForwardTwoLayers(ReadOnlySpan<float> input, ReadOnlySpan<ushort> weight1, ReadOnlySpan<float> bias1, Activation activation1,
        Span<float> hidden, ReadOnlySpan<ushort> weight2, ReadOnlySpan<float> bias2, Activation activation2, Span<float> output,
        int batch, int inputs, int hiddenUnits, int units)
    {
        CheckShapes(input, weight1, bias1, hidden, batch, inputs, hiddenUnits, nameof(input), nameof(weight1), nameof(bias1), nameof(hidden));
        CheckShapes(hidden, weight2, bias2, output, batch, hiddenUnits, units, nameof(hidden), nameof(weight2), nameof(bias2), nameof(output));
        Dense.CheckFusedActivation(activation1);
        Dense.CheckFusedActivation(activation2);
        if (batch == 0) return;
        if (!TwoLayerShares.Fit(batch, hiddenUnits, units))
        {
            Forward(input, weight1, bias1, hidden, batch, inputs, hiddenUnits, activation1);
            Forward(hidden, weight2, bias2, output, batch, hiddenUnits, units, activation2);
            return;
        }

        float* partials = stackalloc float[TwoLayerShares.PartialFloats(batch, units)];
        fixed (float* pinput = input, pbias1 = bias1, phidden = hidden, pbias2 = bias2, poutput = output)
        fixed (ushort* pweight1 = weight1, pweight2 = weight2)
        {
            var layers = new TwoLayers
            {
                Input = pinput, Weight1 = pweight1, Bias1 = pbias1, Hidden = phidden, Weight2 = pweight2, Partials = partials,
                Batch = batch, Inputs = inputs, HiddenUnits = hiddenUnits, Units = units, Activation1 = activation1,
            };
            WorkerPool pool = WorkerPool.Shared;
            long multiplyAdds = (long)batch * hiddenUnits * (inputs + units);
            int parts = multiplyAdds >= TwoLayerShares.ParallelMultiplyAdds ? Math.Min(pool.Parallelism, TwoLayerShares.Segments) : 1;
            if (SequentialParts > 0) RunSequentially(&TwoLayerPart, &layers, SequentialParts);
            else if (parts > 1) pool.RunLatencyBound(&TwoLayerPart, &layers, parts, multiplyAdds);
            else TwoLayerPart(&layers, 0, 1);

            TwoLayerShares.Combine(partials, output, bias2, activation2, batch, units);
        }
    }

    private struct TwoLayers
    {
        public float* Input;
        public ushort* Weight1;
        public float* Bias1;
        public float* Hidden;
        public ushort* Weight2;
        public float* Partials;     // [segment, batch, units]
        public int Batch, Inputs, HiddenUnits, Units;
        public Activation Activation1;
    }

    // Segments [part * S / parts, (part + 1) * S / parts): their hidden units, then their share of the second product.
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void TwoLayerPart(void* context, int part, int parts)
    {
        ref TwoLayers layers = ref *(TwoLayers*)context;
        int k = layers.Inputs, h = layers.HiddenUnits, n = layers.Units;
        float* reordered = stackalloc float[Math.Max(PairsApply(k) ? k & ~31 : 0, PairsApply(h) ? h & ~31 : 0)];
        (int first, int last) = TwoLayerShares.SegmentsOf(part, parts);
        for (int segment = first; segment < last; segment++)
        {
            (int start, int end) = TwoLayerShares.HiddenUnitsOf(segment, h);
            for (int b = 0; b < layers.Batch; b++)
            {
                float* hidden = layers.Hidden + (nint)b * h;
                float* share = layers.Partials + ((nint)segment * layers.Batch + b) * n;
                if (start >= end)
                {
                    new Span<float>(share, n).Clear();
                    continue;
                }

                Rows(layers.Input + (nint)b * k, reordered, k, layers.Weight1, k, start, end, hidden);
                TwoLayerShares.BiasAndActivate(hidden + start, layers.Bias1 == null ? null : layers.Bias1 + start, end - start, layers.Activation1);
                // share[0, n) = weight2[:, start..end) · hidden[start..end)
                Rows(hidden + start, reordered, end - start, layers.Weight2 + start, h, 0, n, share);
            }
        }
    }
}
