using System.Numerics;
using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Gated recurrent unit, exactly PyTorch's <c>nn.GRU(batch_first=True)</c>, gate order r, z, n:
/// <code>
///   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        weightIh [3H, I], weightHh [3H, H], biases [3H]
///   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
///   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
///   h' = (1 - z) * n + z * h
/// </code>
/// Sequences are batch-major: input [B, T, I], output [B, T, H].
/// </summary>
/// <remarks>
/// Cache (<see cref="CacheSize"/> floats) written by Forward, read by Backward:
/// <code>
///   gates   [B*T, 3H]    activated r, z, n in (b, t) row order; first the input projection of every step
///   hiddenN [B*T, H]     W_hn h_{t-1} + b_hn (the term r multiplies), (b, t) order
///   hidden  [T+1, B, H]  step-major: slot 0 is the initial state, slot t+1 is h_t
///   work    [B, 3H]      h_{t-1} W_hh^T + b_hh of the current step
/// </code>
/// Scratch (<see cref="ScratchSize"/> floats) for Backward: dpre [B*T, 3H] (input-side gate
/// gradients of every step, so dW_ih and dinput are one GEMM each), dstep [B, 3H] (hidden-side
/// gradients, which differ from the input side in the n block by the factor r), dh [B, H].
/// Truncated BPTT: the caller copies finalHidden into initialHidden for the next batch; no gradient
/// flows into the previous batch.
/// </remarks>
public static class Gru
{
    private const int Gates = 3;

    /// <summary>Floats of cache that <see cref="Forward"/> writes and Backward reads.</summary>
    public static int CacheSize(int batch, int steps, int hidden)
        => checked(batch * steps * (Gates + 1) * hidden + (steps + 1) * batch * hidden + batch * Gates * hidden);

    /// <summary>
    /// Floats of scratch Backward needs. Takes <paramref name="steps"/> because the gate gradients of
    /// every step are kept so that dW_ih and dinput are single GEMMs over all B*T rows.
    /// </summary>
    public static int ScratchSize(int batch, int steps, int hidden)
        => checked(batch * steps * Gates * hidden + batch * Gates * hidden + batch * hidden);

    // input[B,T,I], weightIh[3H,I], weightHh[3H,H], biasIh[3H], biasHh[3H], initialHidden[B,H] or empty
    //   -> output[B,T,H] (every h_t), finalHidden[B,H] (skipped when empty), cache[CacheSize]
    /// <summary>
    /// Runs the layer over the whole sequence: <paramref name="output"/> [B, T, H] receives every hidden
    /// state, <paramref name="finalHidden"/> [B, H] the last one (skipped when empty). An empty
    /// <paramref name="initialHidden"/> means zeros; it may be the same memory as <paramref name="finalHidden"/>.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, output, finalHidden, cache, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out Span<float> work);

        // gates[B*T,3H] = x W_ih^T + b_ih for every step at once (b_hh goes with the recurrent term: r scales b_hn)
        Gemm.NT(input, weightIh, gates, rows, width, inputSize, accumulate: false);
        for (int row = 0; row < rows; row++)
        {
            Span<float> pre = gates.Slice(row * width, width);
            TensorPrimitives.Add(pre, biasIh, pre);
        }
        if (initialHidden.IsEmpty) hiddenStates.Slice(0, stateSize).Clear();
        else initialHidden.CopyTo(hiddenStates.Slice(0, stateSize));

        for (int t = 0; t < steps; t++)
        {
            Gemm.NT(hiddenStates.Slice(t * stateSize, stateSize), weightHh, work, batch, width, hidden, accumulate: false);
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                Span<float> recurrent = work.Slice(b * width, width);
                TensorPrimitives.Add(recurrent, biasHh, recurrent);                       // h W_hh^T + b_hh
                Span<float> gate = gates.Slice(row * width, width);
                Span<float> resetAndUpdate = gate.Slice(0, 2 * hidden);
                TensorPrimitives.Add(resetAndUpdate, recurrent.Slice(0, 2 * hidden), resetAndUpdate);
                TensorPrimitives.Sigmoid(resetAndUpdate, resetAndUpdate);                 // r, z
                ReadOnlySpan<float> reset = gate.Slice(0, hidden), update = gate.Slice(hidden, hidden);
                Span<float> candidate = gate.Slice(2 * hidden, hidden);
                Span<float> candidateRecurrent = hiddenN.Slice(row * hidden, hidden);
                recurrent.Slice(2 * hidden, hidden).CopyTo(candidateRecurrent);         // W_hn h + b_hn
                TensorPrimitives.MultiplyAdd(reset, candidateRecurrent, candidate, candidate);
                TensorPrimitives.Tanh(candidate, candidate);                              // n

                ReadOnlySpan<float> previous = hiddenStates.Slice(t * stateSize + b * hidden, hidden);
                Span<float> h = hiddenStates.Slice((t + 1) * stateSize + b * hidden, hidden);
                TensorPrimitives.Subtract(previous, candidate, h);                        // h - n
                TensorPrimitives.MultiplyAdd(h, update, candidate, h);                    // h' = n + z (h - n)
                h.CopyTo(output.Slice(row * hidden, hidden));
            }
        }
        if (!finalHidden.IsEmpty) hiddenStates.Slice(steps * stateSize, stateSize).CopyTo(finalHidden);
    }

    // doutput[B,T,H] -> dinput[B,T,I] (overwritten, skipped when empty); dweightIh[3H,I], dweightHh[3H,H],
    // dbiasIh[3H], dbiasHh[3H] accumulated.
    /// <summary>
    /// Backpropagates through the whole sequence saved in <paramref name="cache"/>.
    /// <paramref name="doutput"/> [B, T, H] is the gradient of every output step (zeros except the last
    /// step for a "last state only" layer). <paramref name="dinput"/> is overwritten (skipped when empty);
    /// parameter gradients are accumulated. The initial state is only checked: Forward copied it into the cache.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> scratch, int batch, int steps, int inputSize, int hidden)
        => Backward(doutput, input, weightIh, weightHh, initialHidden, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden: default, stepGradientNorms: default, scratch, batch, steps, inputSize, hidden);

    /// <summary>
    /// Backward that also reports <paramref name="dinitialHidden"/> [B, H] = dL/dh_{-1} (overwritten;
    /// skipped when empty) and <paramref name="stepGradientNorms"/> [T]: for each step t the mean over
    /// the batch of ||dL/dh_t|| (skipped when empty).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> hiddenN, out ReadOnlySpan<float> hiddenStates);
        Span<float> dpre = scratch.Slice(0, rows * width);
        Span<float> dstep = scratch.Slice(rows * width, batch * width);
        Span<float> dh = scratch.Slice(rows * width + batch * width, stateSize);

        dh.Clear();   // nothing flows back from the next batch (truncated BPTT)
        for (int t = steps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> previous = hiddenStates.Slice(t * stateSize, stateSize);
            float normSum = 0f;
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                Span<float> dhRow = dh.Slice(b * hidden, hidden);
                TensorPrimitives.Add(dhRow, doutput.Slice(row * hidden, hidden), dhRow);   // dh_t total
                if (!stepGradientNorms.IsEmpty) normSum += TensorPrimitives.Norm(dhRow);
                Span<float> dstepRow = dstep.Slice(b * width, width);
                CellBackward(gates.Slice(row * width, width), hiddenN.Slice(row * hidden, hidden), previous.Slice(b * hidden, hidden),
                    dhRow, dpre.Slice(row * width, width), dstepRow, hidden);
                TensorPrimitives.Add(dbiasHh, dstepRow, dbiasHh);
            }
            if (!stepGradientNorms.IsEmpty) stepGradientNorms[t] = normSum / batch;
            Gemm.TN(dstep, previous, dweightHh, width, hidden, batch, accumulate: true);   // dW_hh += dstep^T h_{t-1}
            Gemm.NN(dstep, weightHh, dh, batch, hidden, width, accumulate: true);         // dh_{t-1} = dh z + dstep W_hh
        }
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);

        for (int row = 0; row < rows; row++) TensorPrimitives.Add(dbiasIh, dpre.Slice(row * width, width), dbiasIh);
        Gemm.TN(dpre, input, dweightIh, width, inputSize, rows, accumulate: true);            // dW_ih += dpre^T x
        if (!dinput.IsEmpty) Gemm.NN(dpre, weightIh, dinput, rows, inputSize, width, accumulate: false);   // dx = dpre W_ih
    }

    // One batch row of one step. gates = activated [r z n] (3H), candidateRecurrent = W_hn h + b_hn, dh: in
    // dL/dh_t (total), out the direct part of dL/dh_{t-1} (dh z); dinputSide / dhiddenSide = gradients
    // of the gate pre-activations on the input side and on the recurrent side (3H each):
    //   dn = dh (1 - z) (1 - n^2)     dr = dn (W_hn h + b_hn) r (1 - r)     dz = dh (h_{t-1} - n) z (1 - z)
    //   input side [dr dz dn], recurrent side [dr dz dn*r]
    private static void CellBackward(ReadOnlySpan<float> gates, ReadOnlySpan<float> candidateRecurrent, ReadOnlySpan<float> previous,
        Span<float> dh, Span<float> dinputSide, Span<float> dhiddenSide, int hidden)
    {
        ReadOnlySpan<float> r = gates.Slice(0, hidden), z = gates.Slice(hidden, hidden), n = gates.Slice(2 * hidden, hidden);
        Span<float> drInput = dinputSide.Slice(0, hidden), dzInput = dinputSide.Slice(hidden, hidden), dnInput = dinputSide.Slice(2 * hidden, hidden);
        Span<float> drHidden = dhiddenSide.Slice(0, hidden), dzHidden = dhiddenSide.Slice(hidden, hidden), dnHidden = dhiddenSide.Slice(2 * hidden, hidden);
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> one = Vector<float>.One;
            for (; j <= hidden - Vector<float>.Count; j += Vector<float>.Count)
            {
                var rv = new Vector<float>(r.Slice(j));
                var zv = new Vector<float>(z.Slice(j));
                var nv = new Vector<float>(n.Slice(j));
                var dhv = new Vector<float>(dh.Slice(j));
                Vector<float> dn = dhv * (one - zv) * (one - nv * nv);
                Vector<float> dr = dn * new Vector<float>(candidateRecurrent.Slice(j)) * rv * (one - rv);
                Vector<float> dz = dhv * (new Vector<float>(previous.Slice(j)) - nv) * zv * (one - zv);
                dr.CopyTo(drInput.Slice(j));
                dr.CopyTo(drHidden.Slice(j));
                dz.CopyTo(dzInput.Slice(j));
                dz.CopyTo(dzHidden.Slice(j));
                dn.CopyTo(dnInput.Slice(j));
                (dn * rv).CopyTo(dnHidden.Slice(j));
                (dhv * zv).CopyTo(dh.Slice(j));
            }
        }
        for (; j < hidden; j++)
        {
            float dn = dh[j] * (1f - z[j]) * (1f - n[j] * n[j]);
            float dr = dn * candidateRecurrent[j] * r[j] * (1f - r[j]);
            float dz = dh[j] * (previous[j] - n[j]) * z[j] * (1f - z[j]);
            drInput[j] = drHidden[j] = dr;
            dzInput[j] = dzHidden[j] = dz;
            dnInput[j] = dn;
            dnHidden[j] = dn * r[j];
            dh[j] *= z[j];
        }
    }

    /// <summary>Plain scalar <see cref="Forward"/> with the same cache layout: the reference the fast kernel is tested against.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, output, finalHidden, cache, batch, steps, inputSize, hidden);
        int width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out _);
        for (int k = 0; k < stateSize; k++) hiddenStates[k] = initialHidden.IsEmpty ? 0f : initialHidden[k];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                for (int j = 0; j < hidden; j++)
                {
                    // x side and h side of each gate row k*H + j
                    double xr = Dot(input, row, inputSize, weightIh, j) + biasIh[j];
                    double xz = Dot(input, row, inputSize, weightIh, hidden + j) + biasIh[hidden + j];
                    double xn = Dot(input, row, inputSize, weightIh, 2 * hidden + j) + biasIh[2 * hidden + j];
                    int previousRow = t * batch + b;   // row of h_{t-1} in the step-major hidden states
                    double hr = Dot(hiddenStates, previousRow, hidden, weightHh, j) + biasHh[j];
                    double hz = Dot(hiddenStates, previousRow, hidden, weightHh, hidden + j) + biasHh[hidden + j];
                    double hn = Dot(hiddenStates, previousRow, hidden, weightHh, 2 * hidden + j) + biasHh[2 * hidden + j];
                    double r = 1.0 / (1.0 + Math.Exp(-(xr + hr)));
                    double z = 1.0 / (1.0 + Math.Exp(-(xz + hz)));
                    double n = Math.Tanh(xn + r * hn);
                    double h = (1 - z) * n + z * hiddenStates[t * stateSize + b * hidden + j];
                    gates[row * width + j] = (float)r;
                    gates[row * width + hidden + j] = (float)z;
                    gates[row * width + 2 * hidden + j] = (float)n;
                    hiddenN[row * hidden + j] = (float)hn;
                    output[row * hidden + j] = (float)h;
                }
                for (int j = 0; j < hidden; j++) hiddenStates[(t + 1) * stateSize + b * hidden + j] = output[row * hidden + j];
            }
        for (int k = 0; k < finalHidden.Length; k++) finalHidden[k] = hiddenStates[steps * stateSize + k];
    }

    // sum_p matrix[row, p] * weight[weightRow, p], both rows of length `length`
    private static double Dot(ReadOnlySpan<float> matrix, int row, int length, ReadOnlySpan<float> weight, int weightRow)
    {
        double sum = 0;
        for (int p = 0; p < length; p++) sum += (double)matrix[row * length + p] * weight[weightRow * length + p];
        return sum;
    }

    /// <summary>Plain scalar Backward (full overload) reading the same cache: the reference the fast kernel is tested against.</summary>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> hiddenN, out ReadOnlySpan<float> hiddenStates);
        Span<float> dinputSide = scratch.Slice(0, width);
        Span<float> dhiddenSide = scratch.Slice(width, width);
        Span<float> dh = scratch.Slice(2 * width, stateSize);   // in: dL/dh_t from step t+1; out: dL/dh_{t-1}
        dh.Clear();
        if (!dinput.IsEmpty) dinput.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            double normSum = 0;
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t;
                double squares = 0;
                for (int j = 0; j < hidden; j++)
                {
                    float r = gates[row * width + j], z = gates[row * width + hidden + j], n = gates[row * width + 2 * hidden + j];
                    float previous = hiddenStates[t * stateSize + b * hidden + j];
                    float dhTotal = dh[b * hidden + j] + doutput[row * hidden + j];
                    squares += (double)dhTotal * dhTotal;
                    float dn = dhTotal * (1f - z) * (1f - n * n);
                    float dr = dn * hiddenN[row * hidden + j] * r * (1f - r);
                    float dz = dhTotal * (previous - n) * z * (1f - z);
                    dinputSide[j] = dhiddenSide[j] = dr;
                    dinputSide[hidden + j] = dhiddenSide[hidden + j] = dz;
                    dinputSide[2 * hidden + j] = dn;
                    dhiddenSide[2 * hidden + j] = dn * r;
                    dh[b * hidden + j] = dhTotal * z;   // row b of dh is not read again at this step
                }
                normSum += Math.Sqrt(squares);
                for (int k = 0; k < width; k++)
                {
                    dbiasIh[k] += dinputSide[k];
                    dbiasHh[k] += dhiddenSide[k];
                    for (int p = 0; p < inputSize; p++)
                    {
                        dweightIh[k * inputSize + p] += dinputSide[k] * input[row * inputSize + p];
                        if (!dinput.IsEmpty) dinput[row * inputSize + p] += dinputSide[k] * weightIh[k * inputSize + p];
                    }
                    for (int p = 0; p < hidden; p++)
                    {
                        dweightHh[k * hidden + p] += dhiddenSide[k] * hiddenStates[t * stateSize + b * hidden + p];
                        dh[b * hidden + p] += dhiddenSide[k] * weightHh[k * hidden + p];
                    }
                }
            }
            if (!stepGradientNorms.IsEmpty) stepGradientNorms[t] = (float)(normSum / batch);
        }
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);
    }

    private static void Layout(Span<float> cache, int batch, int steps, int hidden,
        out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out Span<float> work)
    {
        int gateFloats = batch * steps * Gates * hidden, candidateFloats = batch * steps * hidden, stateFloats = (steps + 1) * batch * hidden;
        gates = cache.Slice(0, gateFloats);
        hiddenN = cache.Slice(gateFloats, candidateFloats);
        hiddenStates = cache.Slice(gateFloats + candidateFloats, stateFloats);
        work = cache.Slice(gateFloats + candidateFloats + stateFloats, batch * Gates * hidden);
    }

    private static void Layout(ReadOnlySpan<float> cache, int batch, int steps, int hidden,
        out ReadOnlySpan<float> gates, out ReadOnlySpan<float> hiddenN, out ReadOnlySpan<float> hiddenStates)
    {
        int gateFloats = batch * steps * Gates * hidden, candidateFloats = batch * steps * hidden, stateFloats = (steps + 1) * batch * hidden;
        gates = cache.Slice(0, gateFloats);
        hiddenN = cache.Slice(gateFloats, candidateFloats);
        hiddenStates = cache.Slice(gateFloats + candidateFloats, stateFloats);
    }

    private static void CheckForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache, int batch, int steps, int inputSize, int hidden)
    {
        RecurrentChecks.Dimensions(batch, steps, inputSize, hidden);
        RecurrentChecks.Parameters(weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Exactly(input.Length, batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.Exactly(output.Length, batch * steps * hidden, nameof(output), batch, steps, hidden);
        RecurrentChecks.EmptyOrExactly(finalHidden.Length, batch * hidden, nameof(finalHidden), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
    }

    private static void CheckBackward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        RecurrentChecks.Dimensions(batch, steps, inputSize, hidden);
        RecurrentChecks.Weights(weightIh.Length, weightHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Gradients(dweightIh.Length, dweightHh.Length, dbiasIh.Length, dbiasHh.Length, Gates, inputSize, hidden);
        RecurrentChecks.Exactly(doutput.Length, batch * steps * hidden, nameof(doutput), batch, steps, hidden);
        RecurrentChecks.Exactly(input.Length, batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
        RecurrentChecks.EmptyOrExactly(dinput.Length, batch * steps * inputSize, nameof(dinput), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(dinitialHidden.Length, batch * hidden, nameof(dinitialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(stepGradientNorms.Length, steps, nameof(stepGradientNorms), steps);
        RecurrentChecks.AtLeast(scratch.Length, ScratchSize(batch, steps, hidden), nameof(scratch), "ScratchSize(batch, steps, hidden)");
    }
}
