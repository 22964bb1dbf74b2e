using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Long short-term memory layer, exactly PyTorch's <c>nn.LSTM(batch_first=True)</c>, gate order i, f, g, o:
/// <code>
///   [i f g o] = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh      weightIh [4H, I], weightHh [4H, H], biases [4H]
///   i = sigmoid(i), f = sigmoid(f), g = tanh(g), o = sigmoid(o)
///   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
/// </code>
/// Sequences are batch-major: input [B, T, I], output [B, T, H].
/// </summary>
/// <remarks>
/// Cache (<see cref="CacheSize"/> floats) written by Forward, read by Backward:
/// <code>
///   gates  [B*T, 4H]     activated i, f, g, o in (b, t) row order; first the input projection of every step
///   cells  [T+1, B, H]   step-major: slot 0 is the initial cell, slot t+1 is c_t
///   hidden [T+1, B, H]   step-major: slot 0 is the initial hidden state, slot t+1 is h_t
///   work   [B, 4H]       h_{t-1} W_hh^T of the current step
/// </code>
/// Scratch (<see cref="ScratchSize"/> floats) for Backward: dpre [B*T, 4H] (every step's gate
/// pre-activation gradient, so dW_ih and dinput are one GEMM each), dstep [B, 4H], dh [B, H],
/// dc [B, H], tanhCell [H]. tanh(c_t) is recomputed in Backward rather than cached.
/// Truncated BPTT: the caller copies the final state into the initial state of the next batch;
/// no gradient flows into the previous batch.
/// </remarks>
public static class Lstm
{
    private const int Gates = 4;

    /// <summary>Floats of cache that <see cref="Forward"/> writes and Backward reads.</summary>
    public static int CacheSize(int batch, int steps, int hidden)
        => checked(batch * steps * Gates * hidden + 2 * (steps + 1) * batch * hidden + batch * Gates * hidden);

    /// <summary>
    /// Floats of scratch Backward needs. Takes <paramref name="steps"/> because the gate gradients of
    /// every step are kept so that dW_ih and dinput are single GEMMs over all B*T rows.
    /// </summary>
    public static int ScratchSize(int batch, int steps, int hidden)
        => checked(batch * steps * Gates * hidden + batch * Gates * hidden + 2 * batch * hidden + hidden);

    // input[B,T,I], weightIh[4H,I], weightHh[4H,H], biasIh[4H], biasHh[4H], initialHidden/initialCell[B,H] or empty
    //   -> output[B,T,H] (every h_t), finalHidden/finalCell[B,H] (skipped when empty), cache[CacheSize]
    /// <summary>
    /// Runs the layer over the whole sequence: <paramref name="output"/> [B, T, H] receives every hidden
    /// state, <paramref name="finalHidden"/> and <paramref name="finalCell"/> [B, H] the last state
    /// (each skipped when empty). Empty initial states mean zeros; an initial state may be the same
    /// memory as the corresponding final state.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        Span<float> output, Span<float> finalHidden, Span<float> finalCell, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, initialCell, output, finalHidden, finalCell, cache,
            batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> cells, out Span<float> hiddenStates, out Span<float> work);

        // gates[B*T,4H] = x W_ih^T + b_ih + b_hh for every step at once
        Gemm.NT(input, weightIh, gates, rows, width, inputSize, accumulate: false);
        for (int row = 0; row < rows; row++)
        {
            Span<float> pre = gates.Slice(row * width, width);
            TensorPrimitives.Add(pre, biasIh, pre);
            TensorPrimitives.Add(pre, biasHh, pre);
        }
        CopyOrClear(initialHidden, hiddenStates.Slice(0, stateSize));
        CopyOrClear(initialCell, cells.Slice(0, stateSize));

        for (int t = 0; t < steps; t++)
        {
            Gemm.NT(hiddenStates.Slice(t * stateSize, stateSize), weightHh, work, batch, width, hidden, accumulate: false);
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                Span<float> gate = gates.Slice(row * width, width);
                TensorPrimitives.Add(gate, work.Slice(b * width, width), gate);
                Span<float> inputGate = gate.Slice(0, hidden), forgetGate = gate.Slice(hidden, hidden);
                Span<float> candidate = gate.Slice(2 * hidden, hidden), outputGate = gate.Slice(3 * hidden, hidden);
                TensorPrimitives.Sigmoid(gate.Slice(0, 2 * hidden), gate.Slice(0, 2 * hidden));   // i, f
                TensorPrimitives.Tanh(candidate, candidate);                                         // g
                TensorPrimitives.Sigmoid(outputGate, outputGate);                                    // o

                ReadOnlySpan<float> cellPrevious = cells.Slice(t * stateSize + b * hidden, hidden);
                Span<float> cell = cells.Slice((t + 1) * stateSize + b * hidden, hidden);
                Span<float> h = hiddenStates.Slice((t + 1) * stateSize + b * hidden, hidden);
                TensorPrimitives.Multiply(forgetGate, cellPrevious, cell);        // c = f * c_{t-1}
                TensorPrimitives.MultiplyAdd(inputGate, candidate, cell, cell);   //   + i * g
                TensorPrimitives.Tanh(cell, h);
                TensorPrimitives.Multiply(h, outputGate, h);                       // h = o * tanh(c)
                h.CopyTo(output.Slice(row * hidden, hidden));
            }
        }
        if (!finalHidden.IsEmpty) hiddenStates.Slice(steps * stateSize, stateSize).CopyTo(finalHidden);
        if (!finalCell.IsEmpty) cells.Slice(steps * stateSize, stateSize).CopyTo(finalCell);
    }

    // doutput[B,T,H] -> dinput[B,T,I] (overwritten, skipped when empty); dweightIh[4H,I], dweightHh[4H,H],
    // dbiasIh[4H], dbiasHh[4H] accumulated.
    /// <summary>
    /// Backpropagates through the whole sequence saved in <paramref name="cache"/>.
    /// <paramref name="doutput"/> [B, T, H] is the gradient of every output step (zeros except the last
    /// step for a "last state only" layer). <paramref name="dinput"/> is overwritten (skipped when empty);
    /// parameter gradients are accumulated. The initial state is only checked: Forward copied it into the cache.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> scratch, int batch, int steps, int inputSize, int hidden)
        => Backward(doutput, input, weightIh, weightHh, initialHidden, initialCell, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden: default, dinitialCell: default, stepGradientNorms: default, scratch, batch, steps, inputSize, hidden);

    /// <summary>
    /// Backward that also reports <paramref name="dinitialHidden"/> and <paramref name="dinitialCell"/>
    /// [B, H] = dL/dh_{-1}, dL/dc_{-1} (overwritten; each skipped when empty) and
    /// <paramref name="stepGradientNorms"/> [T]: for each step t the mean over the batch of ||dL/dh_t||,
    /// the probe that shows (the absence of) vanishing gradients (skipped when empty).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> dinitialCell, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, initialCell, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, dinitialCell, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> cells, out ReadOnlySpan<float> hiddenStates);
        Span<float> dpre = scratch.Slice(0, rows * width);
        Span<float> dstep = scratch.Slice(rows * width, batch * width);
        Span<float> dh = scratch.Slice(rows * width + batch * width, stateSize);
        Span<float> dc = scratch.Slice(rows * width + batch * width + stateSize, stateSize);
        Span<float> tanhCell = scratch.Slice(rows * width + batch * width + 2 * stateSize, hidden);

        dh.Clear();   // nothing flows back from the next batch (truncated BPTT)
        dc.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            float normSum = 0f;
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                Span<float> dhRow = dh.Slice(b * hidden, hidden);
                TensorPrimitives.Add(dhRow, doutput.Slice(row * hidden, hidden), dhRow);   // dh_t total
                if (!stepGradientNorms.IsEmpty) normSum += TensorPrimitives.Norm(dhRow);
                TensorPrimitives.Tanh(cells.Slice((t + 1) * stateSize + b * hidden, hidden), tanhCell);
                Span<float> dstepRow = dstep.Slice(b * width, width);
                CellBackward(gates.Slice(row * width, width), cells.Slice(t * stateSize + b * hidden, hidden), tanhCell,
                    dhRow, dc.Slice(b * hidden, hidden), dstepRow, hidden);
                dstepRow.CopyTo(dpre.Slice(row * width, width));
                TensorPrimitives.Add(dbiasHh, dstepRow, dbiasHh);
            }
            if (!stepGradientNorms.IsEmpty) stepGradientNorms[t] = normSum / batch;
            Gemm.TN(dstep, hiddenStates.Slice(t * stateSize, stateSize), dweightHh, width, hidden, batch, accumulate: true);  // dW_hh += dpre_t^T h_{t-1}
            Gemm.NN(dstep, weightHh, dh, batch, hidden, width, accumulate: false);                                            // dh_{t-1} = dpre_t W_hh
        }
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);
        if (!dinitialCell.IsEmpty) dc.CopyTo(dinitialCell);

        for (int row = 0; row < rows; row++) TensorPrimitives.Add(dbiasIh, dpre.Slice(row * width, width), dbiasIh);
        Gemm.TN(dpre, input, dweightIh, width, inputSize, rows, accumulate: true);            // dW_ih += dpre^T x
        if (!dinput.IsEmpty) Gemm.NN(dpre, weightIh, dinput, rows, inputSize, width, accumulate: false);   // dx = dpre W_ih
    }

    // One batch row of one step. gates = activated [i f g o] (4H), dh = dL/dh_t (total), dc: in dL/dc_t from
    // step t+1, out dL/dc_{t-1}; dpre = gradient of the four gate pre-activations (4H).
    //   dc_t  = dc + dh o (1 - tanh(c_t)^2)
    //   do    = dh tanh(c_t) o (1 - o)         di = dc_t g i (1 - i)
    //   df    = dc_t c_{t-1} f (1 - f)         dg = dc_t i (1 - g^2)        dc_{t-1} = dc_t f
    private static void CellBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> cellPrevious, ReadOnlySpan<float> tanhCell,
        ReadOnlySpan<float> dh, Span<float> dc, Span<float> dpre, int hidden)
    {
        ReadOnlySpan<float> i = gates.Slice(0, hidden), f = gates.Slice(hidden, hidden);
        ReadOnlySpan<float> g = gates.Slice(2 * hidden, hidden), o = gates.Slice(3 * hidden, hidden);
        Span<float> di = dpre.Slice(0, hidden), df = dpre.Slice(hidden, hidden);
        Span<float> dg = dpre.Slice(2 * hidden, hidden), dO = dpre.Slice(3 * hidden, hidden);
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> one = Vector<float>.One;
            for (; j <= hidden - Vector<float>.Count; j += Vector<float>.Count)
            {
                var iv = new Vector<float>(i.Slice(j));
                var fv = new Vector<float>(f.Slice(j));
                var gv = new Vector<float>(g.Slice(j));
                var ov = new Vector<float>(o.Slice(j));
                var tc = new Vector<float>(tanhCell.Slice(j));
                var dhv = new Vector<float>(dh.Slice(j));
                Vector<float> dcTotal = new Vector<float>(dc.Slice(j)) + dhv * ov * (one - tc * tc);
                (dhv * tc * ov * (one - ov)).CopyTo(dO.Slice(j));
                (dcTotal * gv * iv * (one - iv)).CopyTo(di.Slice(j));
                (dcTotal * new Vector<float>(cellPrevious.Slice(j)) * fv * (one - fv)).CopyTo(df.Slice(j));
                (dcTotal * iv * (one - gv * gv)).CopyTo(dg.Slice(j));
                (dcTotal * fv).CopyTo(dc.Slice(j));
            }
        }
        for (; j < hidden; j++)
        {
            float tc = tanhCell[j];
            float dcTotal = dc[j] + dh[j] * o[j] * (1f - tc * tc);
            dO[j] = dh[j] * tc * o[j] * (1f - o[j]);
            di[j] = dcTotal * g[j] * i[j] * (1f - i[j]);
            df[j] = dcTotal * cellPrevious[j] * f[j] * (1f - f[j]);
            dg[j] = dcTotal * i[j] * (1f - g[j] * g[j]);
            dc[j] = dcTotal * f[j];
        }
    }

    /// <summary>Plain scalar <see cref="Forward"/> with the same cache layout: the reference the fast kernel is tested against.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        Span<float> output, Span<float> finalHidden, Span<float> finalCell, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, initialCell, output, finalHidden, finalCell, cache,
            batch, steps, inputSize, hidden);
        int width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> cells, out Span<float> hiddenStates, out _);
        for (int k = 0; k < stateSize; k++)
        {
            hiddenStates[k] = initialHidden.IsEmpty ? 0f : initialHidden[k];
            cells[k] = initialCell.IsEmpty ? 0f : initialCell[k];
        }
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                for (int r = 0; r < width; r++)
                {
                    double sum = biasIh[r] + (double)biasHh[r];
                    for (int p = 0; p < inputSize; p++) sum += (double)input[row * inputSize + p] * weightIh[r * inputSize + p];
                    for (int p = 0; p < hidden; p++) sum += (double)hiddenStates[t * stateSize + b * hidden + p] * weightHh[r * hidden + p];
                    bool candidate = r >= 2 * hidden && r < 3 * hidden;
                    gates[row * width + r] = (float)(candidate ? Math.Tanh(sum) : 1.0 / (1.0 + Math.Exp(-sum)));
                }
                for (int j = 0; j < hidden; j++)
                {
                    float i = gates[row * width + j], f = gates[row * width + hidden + j];
                    float g = gates[row * width + 2 * hidden + j], o = gates[row * width + 3 * hidden + j];
                    float c = f * cells[t * stateSize + b * hidden + j] + i * g;
                    float h = o * MathF.Tanh(c);
                    cells[(t + 1) * stateSize + b * hidden + j] = c;
                    hiddenStates[(t + 1) * stateSize + b * hidden + j] = h;
                    output[row * hidden + j] = h;
                }
            }
        for (int k = 0; k < finalHidden.Length; k++) finalHidden[k] = hiddenStates[steps * stateSize + k];
        for (int k = 0; k < finalCell.Length; k++) finalCell[k] = cells[steps * stateSize + k];
    }

    /// <summary>Plain scalar Backward (full overload) reading the same cache: the reference the fast kernel is tested against.</summary>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> dinitialCell, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, initialCell, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, dinitialCell, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> cells, out ReadOnlySpan<float> hiddenStates);
        Span<float> dpre = scratch.Slice(0, width);
        Span<float> dh = scratch.Slice(width, stateSize);
        Span<float> dc = scratch.Slice(width + stateSize, stateSize);
        Span<float> dhPrevious = scratch.Slice(width + 2 * stateSize, stateSize);
        dh.Clear();
        dc.Clear();
        if (!dinput.IsEmpty) dinput.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            dhPrevious.Clear();
            double normSum = 0;
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                double squares = 0;
                for (int j = 0; j < hidden; j++)
                {
                    float i = gates[row * width + j], f = gates[row * width + hidden + j];
                    float g = gates[row * width + 2 * hidden + j], o = gates[row * width + 3 * hidden + j];
                    float tc = MathF.Tanh(cells[(t + 1) * stateSize + b * hidden + j]);
                    float cellPrevious = cells[t * stateSize + b * hidden + j];
                    float dhTotal = dh[b * hidden + j] + doutput[row * hidden + j];
                    squares += (double)dhTotal * dhTotal;
                    float dcTotal = dc[b * hidden + j] + dhTotal * o * (1f - tc * tc);
                    dpre[j] = dcTotal * g * i * (1f - i);
                    dpre[hidden + j] = dcTotal * cellPrevious * f * (1f - f);
                    dpre[2 * hidden + j] = dcTotal * i * (1f - g * g);
                    dpre[3 * hidden + j] = dhTotal * tc * o * (1f - o);
                    dc[b * hidden + j] = dcTotal * f;
                }
                normSum += Math.Sqrt(squares);
                for (int r = 0; r < width; r++)
                {
                    dbiasIh[r] += dpre[r];
                    dbiasHh[r] += dpre[r];
                    for (int p = 0; p < inputSize; p++)
                    {
                        dweightIh[r * inputSize + p] += dpre[r] * input[row * inputSize + p];
                        if (!dinput.IsEmpty) dinput[row * inputSize + p] += dpre[r] * weightIh[r * inputSize + p];
                    }
                    for (int p = 0; p < hidden; p++)
                    {
                        dweightHh[r * hidden + p] += dpre[r] * hiddenStates[t * stateSize + b * hidden + p];
                        dhPrevious[b * hidden + p] += dpre[r] * weightHh[r * hidden + p];
                    }
                }
            }
            if (!stepGradientNorms.IsEmpty) stepGradientNorms[t] = (float)(normSum / batch);
            dhPrevious.CopyTo(dh);
        }
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);
        if (!dinitialCell.IsEmpty) dc.CopyTo(dinitialCell);
    }

    private static void Layout(Span<float> cache, int batch, int steps, int hidden,
        out Span<float> gates, out Span<float> cells, out Span<float> hiddenStates, out Span<float> work)
    {
        int gateFloats = batch * steps * Gates * hidden, stateFloats = (steps + 1) * batch * hidden;
        gates = cache.Slice(0, gateFloats);
        cells = cache.Slice(gateFloats, stateFloats);
        hiddenStates = cache.Slice(gateFloats + stateFloats, stateFloats);
        work = cache.Slice(gateFloats + 2 * stateFloats, batch * Gates * hidden);
    }

    private static void Layout(ReadOnlySpan<float> cache, int batch, int steps, int hidden,
        out ReadOnlySpan<float> gates, out ReadOnlySpan<float> cells, out ReadOnlySpan<float> hiddenStates)
    {
        int gateFloats = batch * steps * Gates * hidden, stateFloats = (steps + 1) * batch * hidden;
        gates = cache.Slice(0, gateFloats);
        cells = cache.Slice(gateFloats, stateFloats);
        hiddenStates = cache.Slice(gateFloats + stateFloats, stateFloats);
    }

    private static void CheckForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        Span<float> output, Span<float> finalHidden, Span<float> finalCell, Span<float> cache, int batch, int steps, int inputSize, int hidden)
    {
        RecurrentChecks.Dimensions(batch, steps, inputSize, hidden);
        RecurrentChecks.Parameters(weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Exactly(input.Length, batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(initialCell.Length, batch * hidden, nameof(initialCell), batch, hidden);
        RecurrentChecks.Exactly(output.Length, batch * steps * hidden, nameof(output), batch, steps, hidden);
        RecurrentChecks.EmptyOrExactly(finalHidden.Length, batch * hidden, nameof(finalHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(finalCell.Length, batch * hidden, nameof(finalCell), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
    }

    private static void CheckBackward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> dinitialCell, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        RecurrentChecks.Dimensions(batch, steps, inputSize, hidden);
        RecurrentChecks.Weights(weightIh.Length, weightHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Gradients(dweightIh.Length, dweightHh.Length, dbiasIh.Length, dbiasHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Exactly(doutput.Length, batch * steps * hidden, nameof(doutput), batch, steps, hidden);
        RecurrentChecks.Exactly(input.Length, batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(initialCell.Length, batch * hidden, nameof(initialCell), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
        RecurrentChecks.EmptyOrExactly(dinput.Length, batch * steps * inputSize, nameof(dinput), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(dinitialHidden.Length, batch * hidden, nameof(dinitialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(dinitialCell.Length, batch * hidden, nameof(dinitialCell), batch, hidden);
        RecurrentChecks.EmptyOrExactly(stepGradientNorms.Length, steps, nameof(stepGradientNorms), steps);
        RecurrentChecks.AtLeast(scratch.Length, ScratchSize(batch, steps, hidden), nameof(scratch), "ScratchSize(batch, steps, hidden)");
    }

    private static void CopyOrClear(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.CopyTo(destination);
    }
}
