using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
///   gates     [B*T, 3H]    activated r, z, n in (b, t) row order; first the input projection of every step
///   hiddenN   [B*T, H]     W_hn h_{t-1} + b_hn (the term r multiplies), (b, t) order
///   hidden    [T+1, B, H]  step-major: slot 0 is the initial state, slot t+1 is h_t
///   work      [B, 3H]      h_{t-1} W_hh^T of the current step
///   weightHhT [H, 3H]      W_hh transposed once per Forward for the step products
/// </code>
/// Each step is one small register-tiled product (Gemm.SmallNN: no packing, one thread) and one fused loop over
/// the batch rows (biases, gate activations and the state update, no per-row library calls).
/// Scratch (<see cref="ScratchSize"/> floats) for Backward: dpre [B*T, 3H] (input-side gate gradients of every
/// step in (b, t) order, so dW_ih and dinput are one GEMM each), dsteps [T, B, 3H] (hidden-side gradients, which
/// differ from the input side in the n block by the factor r, step-major: each step's dh_{t-1} product reads one
/// block, and dW_hh is one GEMM against the step-major hidden states), dh [B, H], rowNorms [T, B] (||dL/dh_t|| per
/// row, for the step norms). Forward and Backward split the batch rows across the worker pool: rows never meet in
/// the recurrence, so each thread runs every step of its rows, one pool round trip per pass.
/// Truncated BPTT: the caller copies finalHidden into initialHidden for the next batch; no gradient
/// flows into the previous batch.
/// </remarks>
public static class Gru
{
    private const int Gates = 3;

    /// <summary>Floats of cache that <see cref="Forward"/> writes and Backward reads.</summary>
    public static int CacheSize(int batch, int steps, int hidden)
        => checked(batch * steps * (Gates + 1) * hidden + (steps + 1) * batch * hidden + batch * Gates * hidden + Gates * hidden * hidden);

    /// <summary>
    /// Floats of scratch Backward needs. Takes <paramref name="steps"/> because the gate gradients of
    /// every step are kept: the input side in (b, t) order so that dW_ih and dinput are single GEMMs over all
    /// B*T rows, the recurrent side step-major so that dW_hh is one GEMM over all T*B rows too.
    /// </summary>
    public static int ScratchSize(int batch, int steps, int hidden)
        => checked(2 * batch * steps * Gates * hidden + batch * hidden + steps * batch);

    // input[B,T,I], weightIh[3H,I], weightHh[3H,H], biasIh[3H], biasHh[3H], initialHidden[B,H] or empty
    //   -> output[B,T,H] (every h_t), finalHidden[B,H] (skipped when empty), cache[CacheSize]
    /// <summary>
    /// Runs the layer over the whole sequence: <paramref name="output"/> [B, T, H] receives every hidden
    /// state, <paramref name="finalHidden"/> [B, H] the last one (skipped when empty). An empty
    /// <paramref name="initialHidden"/> means zeros; it may be the same memory as <paramref name="finalHidden"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, output, finalHidden, cache, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out Span<float> work,
            out Span<float> weightHhT);

        Gemm.NT(input, weightIh, gates, rows, width, inputSize, accumulate: false);   // gates[B*T,3H] = x W_ih^T, every step at once
        Gemm.Transpose(weightHh, weightHhT, width, hidden);                             // W_hh^T [H, 3H] for the step products
        if (initialHidden.IsEmpty) hiddenStates.Slice(0, stateSize).Clear();
        else initialHidden.CopyTo(hiddenStates.Slice(0, stateSize));

        fixed (float* pGates = gates, pHiddenN = hiddenN, pHidden = hiddenStates, pWork = work, pWeightT = weightHhT, pOutput = output)
        fixed (float* pBiasIh = biasIh, pBiasHh = biasHh)
        {
            var pass = new Pass
            {
                Gates = pGates, HiddenN = pHiddenN, Hidden = pHidden, Work = pWork, WeightHhT = pWeightT, Output = pOutput,
                BiasIh = pBiasIh, BiasHh = pBiasHh, Batch = batch, Steps = steps, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&ForwardRows, &pass, batch, (long)rows * width * hidden);
        }
        if (!finalHidden.IsEmpty) hiddenStates.Slice(steps * stateSize, stateSize).CopyTo(finalHidden);
    }

    // Pointers and sizes of one pass, shared by the threads that run its row ranges.
    private unsafe struct Pass
    {
        public float* Gates, HiddenN, Hidden, Work, WeightHhT, Output, BiasIh, BiasHh;   // forward (Gates, HiddenN, Hidden also backward)
        public float* Doutput, WeightHh, Dpre, Dsteps, Dh, RowNorms;                    // backward (RowNorms null: no norms)
        public int Batch, Steps, HiddenSize;
    }

    // Every step for batch rows [start, end): work = h_{t-1} W_hh^T, then the fused cell loop per row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardRows(void* context, int part, int parts)
    {
        ref Pass p = ref *(Pass*)context;
        (int start, int end) = RecurrentMath.Rows(p.Batch, part, parts);
        int hidden = p.HiddenSize, width = Gates * hidden, stateSize = p.Batch * hidden;
        for (int t = 0; t < p.Steps && start < end; t++)
        {
            // work[rows,3H] = h_{t-1}[rows,H] W_hh^T
            Gemm.SmallNN(p.Hidden + (nint)t * stateSize + (nint)start * hidden, hidden, p.WeightHhT, width, p.Work + (nint)start * width, width,
                end - start, width, hidden, accumulate: false);
            for (int b = start; b < end; b++)
            {
                int row = b * p.Steps + t;
                nint state = (nint)t * stateSize + b * hidden;
                CellForward(p.Gates + (nint)row * width, p.Work + (nint)b * width, p.BiasIh, p.BiasHh, p.Hidden + state,
                    p.HiddenN + (nint)row * hidden, p.Hidden + state + stateSize, p.Output + (nint)row * hidden, hidden);
            }
        }
    }

    // One batch row of one step, fused. gate: in x W_ih^T (3H), out activated [r z n]; recurrent = h_{t-1} W_hh^T (3H);
    //   r = sigmoid(x_r + b_ir + h_r + b_hr), z likewise, hn = h_n + b_hn (-> candidateRecurrent),
    //   n = tanh(x_n + b_in + r hn), h' = n + z (h_{t-1} - n)  -> h, output (H each)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CellForward(float* gate, float* recurrent, float* biasIh, float* biasHh, float* previous,
        float* candidateRecurrent, float* h, float* output, int hidden)
    {
        int j = 0;
        if (RecurrentMath.Vectorized)
        {
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                int z = hidden + j, n = 2 * hidden + j;
                Vector256<float> rv = RecurrentMath.Sigmoid(Vector256.Load(gate + j) + Vector256.Load(biasIh + j) + Vector256.Load(recurrent + j) + Vector256.Load(biasHh + j));
                Vector256<float> zv = RecurrentMath.Sigmoid(Vector256.Load(gate + z) + Vector256.Load(biasIh + z) + Vector256.Load(recurrent + z) + Vector256.Load(biasHh + z));
                Vector256<float> hn = Vector256.Load(recurrent + n) + Vector256.Load(biasHh + n);
                Vector256<float> nv = RecurrentMath.Tanh(Vector256.Load(gate + n) + Vector256.Load(biasIh + n) + rv * hn);
                rv.Store(gate + j);
                zv.Store(gate + z);
                nv.Store(gate + n);
                hn.Store(candidateRecurrent + j);
                Vector256<float> hv = Vector256.FusedMultiplyAdd(zv, Vector256.Load(previous + j) - nv, nv);
                hv.Store(h + j);
                hv.Store(output + j);
            }
        }
        for (; j < hidden; j++)
        {
            int z = hidden + j, n = 2 * hidden + j;
            float rv = RecurrentMath.Sigmoid(gate[j] + biasIh[j] + recurrent[j] + biasHh[j]);
            float zv = RecurrentMath.Sigmoid(gate[z] + biasIh[z] + recurrent[z] + biasHh[z]);
            float hn = recurrent[n] + biasHh[n];
            float nv = RecurrentMath.Tanh(gate[n] + biasIh[n] + rv * hn);
            gate[j] = rv;
            gate[z] = zv;
            gate[n] = nv;
            candidateRecurrent[j] = hn;
            h[j] = output[j] = MathF.FusedMultiplyAdd(zv, previous[j] - nv, nv);
        }
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> hiddenN, out ReadOnlySpan<float> hiddenStates);
        Span<float> dpre = scratch.Slice(0, rows * width);                 // input side, (b, t) rows
        Span<float> dsteps = scratch.Slice(rows * width, rows * width);    // recurrent side, step-major [T, B, 3H]
        Span<float> dh = scratch.Slice(2 * rows * width, stateSize);

        dh.Clear();   // nothing flows back from the next batch (truncated BPTT)
        Span<float> rowNorms = stepGradientNorms.IsEmpty ? default : scratch.Slice(2 * rows * width + stateSize, rows);
        fixed (float* pGates = gates, pHiddenN = hiddenN, pHidden = hiddenStates, pDoutput = doutput, pWeightHh = weightHh)
        fixed (float* pDpre = dpre, pDsteps = dsteps, pDh = dh, pRowNorms = rowNorms)
        {
            var pass = new Pass
            {
                Gates = pGates, HiddenN = pHiddenN, Hidden = pHidden, Doutput = pDoutput, WeightHh = pWeightHh, Dpre = pDpre, Dsteps = pDsteps,
                Dh = pDh, RowNorms = pRowNorms, Batch = batch, Steps = steps, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&BackwardRows, &pass, batch, (long)rows * width * hidden);
        }
        if (!stepGradientNorms.IsEmpty) RecurrentMath.StepNorms(rowNorms, stepGradientNorms, batch);
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);

        Gemm.TN(dsteps, hiddenStates, dweightHh, width, hidden, rows, accumulate: true);   // dW_hh += sum_t dstep_t^T h_{t-1}
        RecurrentMath.AddColumnSums(dsteps, rows, width, dbiasHh);
        RecurrentMath.AddColumnSums(dpre, rows, width, dbiasIh);
        Gemm.TN(dpre, input, dweightIh, width, inputSize, rows, accumulate: true);            // dW_ih += dpre^T x
        if (!dinput.IsEmpty) Gemm.NN(dpre, weightIh, dinput, rows, inputSize, width, accumulate: false);   // dx = dpre W_ih
    }

    // Every step, last to first, for batch rows [start, end): the fused cell gradient per row, then dh_{t-1} += dstep_t W_hh.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BackwardRows(void* context, int part, int parts)
    {
        ref Pass p = ref *(Pass*)context;
        (int start, int end) = RecurrentMath.Rows(p.Batch, part, parts);
        int hidden = p.HiddenSize, width = Gates * hidden, stateSize = p.Batch * hidden;
        bool norms = p.RowNorms != null;
        for (int t = p.Steps - 1; t >= 0 && start < end; t--)
        {
            float* dstep = p.Dsteps + (nint)t * p.Batch * width;
            for (int b = start; b < end; b++)
            {
                int row = b * p.Steps + t;
                float norm = CellBackward(p.Gates + (nint)row * width, p.HiddenN + (nint)row * hidden, p.Hidden + (nint)t * stateSize + b * hidden,
                    p.Dh + b * hidden, p.Doutput + (nint)row * hidden, p.Dpre + (nint)row * width, dstep + (nint)b * width, hidden, norms);
                if (norms) p.RowNorms[t * p.Batch + b] = norm;
            }
            // dh_{t-1}[rows,H] = dh z + dstep_t[rows,3H] W_hh[3H,H]
            Gemm.SmallNN(dstep + (nint)start * width, width, p.WeightHh, hidden, p.Dh + (nint)start * hidden, hidden, end - start, hidden, width,
                accumulate: true);
        }
    }

    // One batch row of one step, fused. gates = activated [r z n] (3H), candidateRecurrent = W_hn h + b_hn; dh: in
    // dL/dh_t from step t+1 (doutput is added), out the direct part of dL/dh_{t-1} (dh z); dinputSide / dhiddenSide =
    // gradients of the gate pre-activations on the input side and on the recurrent side (3H each). Returns
    // ||dh_t total|| when norm is set.
    //   dn = dh (1 - z) (1 - n^2)     dr = dn (W_hn h + b_hn) r (1 - r)     dz = dh (h_{t-1} - n) z (1 - z)
    //   input side [dr dz dn], recurrent side [dr dz dn*r]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float CellBackward(float* gates, float* candidateRecurrent, float* previous, float* dh, float* doutput,
        float* dinputSide, float* dhiddenSide, int hidden, bool norm)
    {
        float squares = 0f;
        int j = 0;
        if (RecurrentMath.Vectorized)
        {
            Vector256<float> one = Vector256<float>.One, squareSum = Vector256<float>.Zero;
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                int z = hidden + j, n = 2 * hidden + j;
                Vector256<float> rv = Vector256.Load(gates + j), zv = Vector256.Load(gates + z), nv = Vector256.Load(gates + n);
                Vector256<float> dhv = Vector256.Load(dh + j) + Vector256.Load(doutput + j);
                squareSum += dhv * dhv;
                Vector256<float> dn = dhv * (one - zv) * (one - nv * nv);
                Vector256<float> dr = dn * Vector256.Load(candidateRecurrent + j) * rv * (one - rv);
                Vector256<float> dz = dhv * (Vector256.Load(previous + j) - nv) * zv * (one - zv);
                dr.Store(dinputSide + j); dr.Store(dhiddenSide + j);
                dz.Store(dinputSide + z); dz.Store(dhiddenSide + z);
                dn.Store(dinputSide + n); (dn * rv).Store(dhiddenSide + n);
                (dhv * zv).Store(dh + j);
            }
            squares = Vector256.Sum(squareSum);
        }
        for (; j < hidden; j++)
        {
            int z = hidden + j, n = 2 * hidden + j;
            float dhTotal = dh[j] + doutput[j];
            squares += dhTotal * dhTotal;
            float dn = dhTotal * (1f - gates[z]) * (1f - gates[n] * gates[n]);
            float dr = dn * candidateRecurrent[j] * gates[j] * (1f - gates[j]);
            float dz = dhTotal * (previous[j] - gates[n]) * gates[z] * (1f - gates[z]);
            dinputSide[j] = dhiddenSide[j] = dr;
            dinputSide[z] = dhiddenSide[z] = dz;
            dinputSide[n] = dn;
            dhiddenSide[n] = dn * gates[j];
            dh[j] = dhTotal * gates[z];
        }
        return norm ? MathF.Sqrt(squares) : 0f;
    }

    /// <summary>Plain scalar <see cref="Forward"/> with the same cache layout: the reference the fast kernel is tested against.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, output, finalHidden, cache, batch, steps, inputSize, hidden);
        int width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out _, out _);
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
        out Span<float> gates, out Span<float> hiddenN, out Span<float> hiddenStates, out Span<float> work, out Span<float> weightHhT)
    {
        int gateFloats = batch * steps * Gates * hidden, candidateFloats = batch * steps * hidden, stateFloats = (steps + 1) * batch * hidden;
        int workFloats = batch * Gates * hidden;
        gates = cache.Slice(0, gateFloats);
        hiddenN = cache.Slice(gateFloats, candidateFloats);
        hiddenStates = cache.Slice(gateFloats + candidateFloats, stateFloats);
        work = cache.Slice(gateFloats + candidateFloats + stateFloats, workFloats);
        weightHhT = cache.Slice(gateFloats + candidateFloats + stateFloats + workFloats, Gates * hidden * hidden);
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
        RecurrentChecks.Exactly(input.Length, (long)batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, (long)batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.Exactly(output.Length, (long)batch * steps * hidden, nameof(output), batch, steps, hidden);
        RecurrentChecks.EmptyOrExactly(finalHidden.Length, (long)batch * hidden, nameof(finalHidden), batch, hidden);
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
        RecurrentChecks.Exactly(doutput.Length, (long)batch * steps * hidden, nameof(doutput), batch, steps, hidden);
        RecurrentChecks.Exactly(input.Length, (long)batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, (long)batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
        RecurrentChecks.EmptyOrExactly(dinput.Length, (long)batch * steps * inputSize, nameof(dinput), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(dinitialHidden.Length, (long)batch * hidden, nameof(dinitialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(stepGradientNorms.Length, steps, nameof(stepGradientNorms), steps);
        RecurrentChecks.AtLeast(scratch.Length, ScratchSize(batch, steps, hidden), nameof(scratch), "ScratchSize(batch, steps, hidden)");
    }
}
