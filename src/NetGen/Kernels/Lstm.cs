using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
///   gates     [T, B, 4H]  activated i, f, g, o, step-major (each step's rows are one contiguous block)
///   cells     [T+1, B, H] step-major: slot 0 is the initial cell, slot t+1 is c_t
///   hidden    [T+1, B, H] step-major: slot 0 is the initial hidden state, slot t+1 is h_t
///   work      [B, 4H]     x_t W_ih^T + h_{t-1} W_hh^T of the current step
///   weightIhT [I, 4H]     W_ih transposed once per Forward
///   weightHhT [H, 4H]     W_hh transposed once per Forward, so each step's products read both row by row
/// </code>
/// Each step is two small register-tiled products into the same registers' worth of C (Gemm.SmallNN: x_t W_ih^T,
/// then h_{t-1} W_hh^T added; no packing, one thread) and one fused loop over the batch rows (gate activations, cell
/// and hidden update, no per-row library calls). The input projection runs inside the step rather than as one product
/// over all B*T rows beforehand: that product's 4 MB of output (B 32, T 64, H 128) went out to L3 and came back a
/// step at a time, which cost more than the product itself; now a step's pre-activations stay in L1 from the product
/// to the cell loop, and the activated gates are written once, contiguously.
/// Scratch (<see cref="ScratchSize"/> floats) for Backward: dpre [B*T, 4H] (every step's gate
/// pre-activation gradient in (b, t) order, so dW_ih and dinput are one GEMM each), dsteps [T, B, 4H] (the same,
/// step-major: each step's dh_{t-1} product reads one contiguous block, and dW_hh is one GEMM against the
/// step-major hidden states), dh [B, H], dc [B, H], rowNorms [T, B] (||dL/dh_t|| per row, for the step
/// norms). Forward and Backward split the batch rows across the worker pool: rows never meet in the recurrence, so
/// each thread runs every step of its rows, one pool round trip per pass. tanh(c_t) is recomputed in Backward rather than cached.
/// Truncated BPTT: the caller copies the final state into the initial state of the next batch;
/// no gradient flows into the previous batch.
/// </remarks>
public static class Lstm
{
    private const int Gates = 4;

    /// <summary>Floats of cache that <see cref="Forward"/> writes and Backward reads.</summary>
    public static int CacheSize(int batch, int steps, int inputSize, int hidden)
        => checked(batch * steps * Gates * hidden + 2 * (steps + 1) * batch * hidden + batch * Gates * hidden + Gates * hidden * (inputSize + hidden));

    /// <summary>
    /// Floats of scratch Backward needs. Takes <paramref name="steps"/> because the gate gradients of
    /// every step are kept, in (b, t) order so that dW_ih and dinput are single GEMMs over all B*T rows, and
    /// step-major so that dW_hh is one GEMM over all T*B rows too.
    /// </summary>
    public static int ScratchSize(int batch, int steps, int hidden)
        => checked(2 * batch * steps * Gates * hidden + 2 * batch * hidden + steps * batch);

    // input[B,T,I], weightIh[4H,I], weightHh[4H,H], biasIh[4H], biasHh[4H], initialHidden/initialCell[B,H] or empty
    //   -> output[B,T,H] (every h_t), finalHidden/finalCell[B,H] (skipped when empty), cache[CacheSize]
    /// <summary>
    /// Runs the layer over the whole sequence: <paramref name="output"/> [B, T, H] receives every hidden
    /// state, <paramref name="finalHidden"/> and <paramref name="finalCell"/> [B, H] the last state
    /// (each skipped when empty). Empty initial states mean zeros; an initial state may be the same
    /// memory as the corresponding final state.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell,
        Span<float> output, Span<float> finalHidden, Span<float> finalCell, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, initialCell, output, finalHidden, finalCell, cache,
            batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, inputSize, hidden, out Span<float> gates, out Span<float> cells, out Span<float> hiddenStates, out Span<float> work,
            out Span<float> weightIhT, out Span<float> weightHhT);

        Gemm.Transpose(weightIh, weightIhT, width, inputSize);                          // W_ih^T [I, 4H] and W_hh^T [H, 4H] for the step products
        Gemm.Transpose(weightHh, weightHhT, width, hidden);
        CopyOrClear(initialHidden, hiddenStates.Slice(0, stateSize));
        CopyOrClear(initialCell, cells.Slice(0, stateSize));

        fixed (float* pGates = gates, pCells = cells, pHidden = hiddenStates, pWork = work, pWeightIhT = weightIhT, pWeightT = weightHhT, pOutput = output)
        fixed (float* pInput = input, pBiasIh = biasIh, pBiasHh = biasHh)
        {
            var pass = new Pass
            {
                Input = pInput, Gates = pGates, Cells = pCells, Hidden = pHidden, Work = pWork, WeightIhT = pWeightIhT, WeightHhT = pWeightT,
                Output = pOutput, BiasIh = pBiasIh, BiasHh = pBiasHh, Batch = batch, Steps = steps, InputSize = inputSize, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&ForwardRows, &pass, batch, (long)rows * width * (inputSize + hidden));
        }
        if (!finalHidden.IsEmpty) hiddenStates.Slice(steps * stateSize, stateSize).CopyTo(finalHidden);
        if (!finalCell.IsEmpty) cells.Slice(steps * stateSize, stateSize).CopyTo(finalCell);
    }

    // Pointers and sizes of one pass, shared by the threads that run its row ranges.
    private unsafe struct Pass
    {
        public float* Input, Gates, Cells, Hidden, Work, WeightIhT, WeightHhT, Output, BiasIh, BiasHh;   // forward
        public float* Doutput, WeightHh, Dpre, Dsteps, Dh, Dc, RowNorms;                                 // backward (RowNorms null: no norms)
        public int Batch, Steps, InputSize, HiddenSize;
    }

    // Every step for batch rows [start, end): work = x_t W_ih^T + h_{t-1} W_hh^T, then the fused cell loop per row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardRows(void* context, int part, int parts)
    {
        ref Pass p = ref *(Pass*)context;
        (int start, int end) = RecurrentMath.Rows(p.Batch, part, parts);
        int inputSize = p.InputSize, hidden = p.HiddenSize, width = Gates * hidden, stateSize = p.Batch * hidden;
        float* work = p.Work + (nint)start * width;
        for (int t = 0; t < p.Steps && start < end; t++)
        {
            // work[rows,4H] = x_t[rows,I] W_ih^T + h_{t-1}[rows,H] W_hh^T (x_t's rows are T*I apart in the batch-major input)
            Gemm.SmallNN(p.Input + ((nint)start * p.Steps + t) * inputSize, p.Steps * inputSize, p.WeightIhT, width, work, width,
                end - start, width, inputSize, accumulate: false);
            Gemm.SmallNN(p.Hidden + (nint)t * stateSize + (nint)start * hidden, hidden, p.WeightHhT, width, work, width,
                end - start, width, hidden, accumulate: true);
            float* gates = p.Gates + (nint)t * p.Batch * width;
            for (int b = start; b < end; b++)
            {
                nint state = (nint)t * stateSize + b * hidden;
                CellForward(p.Work + (nint)b * width, p.BiasIh, p.BiasHh, gates + (nint)b * width, p.Cells + state, p.Cells + state + stateSize,
                    p.Hidden + state + stateSize, p.Output + ((nint)b * p.Steps + t) * hidden, hidden);
            }
        }
    }

    // One batch row of one step, fused. pre = x_t W_ih^T + h_{t-1} W_hh^T (4H) -> gate = activated [i f g o] (4H);
    //   [i f g o] = act(pre + b_ih + b_hh),  c = f c_{t-1} + i g,  h = o tanh(c)  -> cell, h, output (H each)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CellForward(float* pre, float* biasIh, float* biasHh, float* gate, float* cellPrevious, float* cell,
        float* h, float* output, int hidden)
    {
        int j = 0;
        if (RecurrentMath.Vectorized512)
        {
            for (; j + RecurrentMath.Lanes512 <= hidden; j += RecurrentMath.Lanes512)
            {
                int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
                Vector512<float> iv = RecurrentMath.Sigmoid(Vector512.Load(pre + j) + (Vector512.Load(biasIh + j) + Vector512.Load(biasHh + j)));
                Vector512<float> fv = RecurrentMath.Sigmoid(Vector512.Load(pre + f) + (Vector512.Load(biasIh + f) + Vector512.Load(biasHh + f)));
                Vector512<float> gv = RecurrentMath.Tanh(Vector512.Load(pre + g) + (Vector512.Load(biasIh + g) + Vector512.Load(biasHh + g)));
                Vector512<float> ov = RecurrentMath.Sigmoid(Vector512.Load(pre + o) + (Vector512.Load(biasIh + o) + Vector512.Load(biasHh + o)));
                iv.Store(gate + j);
                fv.Store(gate + f);
                gv.Store(gate + g);
                ov.Store(gate + o);
                Vector512<float> c = Vector512.FusedMultiplyAdd(fv, Vector512.Load(cellPrevious + j), iv * gv);
                Vector512<float> hv = ov * RecurrentMath.Tanh(c);
                c.Store(cell + j);
                hv.Store(h + j);
                hv.Store(output + j);
            }
        }
        if (RecurrentMath.Vectorized)
        {
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
                Vector256<float> iv = RecurrentMath.Sigmoid(Vector256.Load(pre + j) + (Vector256.Load(biasIh + j) + Vector256.Load(biasHh + j)));
                Vector256<float> fv = RecurrentMath.Sigmoid(Vector256.Load(pre + f) + (Vector256.Load(biasIh + f) + Vector256.Load(biasHh + f)));
                Vector256<float> gv = RecurrentMath.Tanh(Vector256.Load(pre + g) + (Vector256.Load(biasIh + g) + Vector256.Load(biasHh + g)));
                Vector256<float> ov = RecurrentMath.Sigmoid(Vector256.Load(pre + o) + (Vector256.Load(biasIh + o) + Vector256.Load(biasHh + o)));
                iv.Store(gate + j);
                fv.Store(gate + f);
                gv.Store(gate + g);
                ov.Store(gate + o);
                Vector256<float> c = Vector256.FusedMultiplyAdd(fv, Vector256.Load(cellPrevious + j), iv * gv);
                Vector256<float> hv = ov * RecurrentMath.Tanh(c);
                c.Store(cell + j);
                hv.Store(h + j);
                hv.Store(output + j);
            }
        }
        for (; j < hidden; j++)
        {
            int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
            float iv = RecurrentMath.Sigmoid(pre[j] + (biasIh[j] + biasHh[j]));
            float fv = RecurrentMath.Sigmoid(pre[f] + (biasIh[f] + biasHh[f]));
            float gv = RecurrentMath.Tanh(pre[g] + (biasIh[g] + biasHh[g]));
            float ov = RecurrentMath.Sigmoid(pre[o] + (biasIh[o] + biasHh[o]));
            gate[j] = iv;
            gate[f] = fv;
            gate[g] = gv;
            gate[o] = ov;
            float c = MathF.FusedMultiplyAdd(fv, cellPrevious[j], iv * gv);
            cell[j] = c;
            h[j] = output[j] = ov * RecurrentMath.Tanh(c);
        }
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh,
        ReadOnlySpan<float> weightHh, ReadOnlySpan<float> initialHidden, ReadOnlySpan<float> initialCell, ReadOnlySpan<float> cache,
        Span<float> dinput, Span<float> dweightIh, Span<float> dweightHh, Span<float> dbiasIh, Span<float> dbiasHh,
        Span<float> dinitialHidden, Span<float> dinitialCell, Span<float> stepGradientNorms, Span<float> scratch,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckBackward(doutput, input, weightIh, weightHh, initialHidden, initialCell, cache, dinput, dweightIh, dweightHh, dbiasIh, dbiasHh,
            dinitialHidden, dinitialCell, stepGradientNorms, scratch, batch, steps, inputSize, hidden);
        int rows = batch * steps, width = Gates * hidden, stateSize = batch * hidden;
        Layout(cache, batch, steps, hidden, out ReadOnlySpan<float> gates, out ReadOnlySpan<float> cells, out ReadOnlySpan<float> hiddenStates);
        Span<float> dpre = scratch.Slice(0, rows * width);                 // (b, t) rows
        Span<float> dsteps = scratch.Slice(rows * width, rows * width);    // the same gradients, step-major [T, B, 4H]
        Span<float> dh = scratch.Slice(2 * rows * width, stateSize);
        Span<float> dc = scratch.Slice(2 * rows * width + stateSize, stateSize);

        dh.Clear();   // nothing flows back from the next batch (truncated BPTT)
        dc.Clear();
        Span<float> rowNorms = stepGradientNorms.IsEmpty ? default : scratch.Slice(2 * rows * width + 2 * stateSize, rows);
        fixed (float* pGates = gates, pCells = cells, pDoutput = doutput, pWeightHh = weightHh)
        fixed (float* pDpre = dpre, pDsteps = dsteps, pDh = dh, pDc = dc, pRowNorms = rowNorms)
        {
            var pass = new Pass
            {
                Gates = pGates, Cells = pCells, Doutput = pDoutput, WeightHh = pWeightHh, Dpre = pDpre, Dsteps = pDsteps, Dh = pDh, Dc = pDc,
                RowNorms = pRowNorms, Batch = batch, Steps = steps, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&BackwardRows, &pass, batch, (long)rows * width * hidden);
        }
        if (!stepGradientNorms.IsEmpty) RecurrentMath.StepNorms(rowNorms, stepGradientNorms, batch);
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);
        if (!dinitialCell.IsEmpty) dc.CopyTo(dinitialCell);

        Gemm.TN(dsteps, hiddenStates, dweightHh, width, hidden, rows, accumulate: true);   // dW_hh += sum_t dpre_t^T h_{t-1}
        RecurrentMath.AddColumnSums(dpre, rows, width, dbiasIh, dbiasHh);   // both biases receive the same gradient
        Gemm.TN(dpre, input, dweightIh, width, inputSize, rows, accumulate: true);            // dW_ih += dpre^T x
        if (!dinput.IsEmpty) Gemm.NN(dpre, weightIh, dinput, rows, inputSize, width, accumulate: false);   // dx = dpre W_ih
    }

    // Every step, last to first, for batch rows [start, end): the fused cell gradient per row, then dh_{t-1} = dpre_t W_hh.
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
                nint state = (nint)t * stateSize + b * hidden;
                float norm = CellBackward(p.Gates + ((nint)t * p.Batch + b) * width, p.Cells + state, p.Cells + state + stateSize, p.Dh + b * hidden,
                    p.Doutput + (nint)row * hidden, p.Dc + b * hidden, p.Dpre + (nint)row * width, dstep + (nint)b * width, hidden, norms);
                if (norms) p.RowNorms[t * p.Batch + b] = norm;
            }
            // dh_{t-1}[rows,H] = dpre_t[rows,4H] W_hh[4H,H]
            Gemm.SmallNN(dstep + (nint)start * width, width, p.WeightHh, hidden, p.Dh + (nint)start * hidden, hidden, end - start, hidden, width,
                accumulate: false);
        }
    }

    // One batch row of one step, fused. gates = activated [i f g o] (4H); dh = dL/dh_t from step t+1, plus doutput;
    // dc: in dL/dc_t from step t+1, out dL/dc_{t-1}; the gate pre-activation gradients go to dpre and dstep (4H each).
    // Returns ||dh_t total|| when norm is set.
    //   dc_t  = dc + dh o (1 - tanh(c_t)^2)
    //   do    = dh tanh(c_t) o (1 - o)         di = dc_t g i (1 - i)
    //   df    = dc_t c_{t-1} f (1 - f)         dg = dc_t i (1 - g^2)        dc_{t-1} = dc_t f
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float CellBackward(float* gates, float* cellPrevious, float* cell, float* dh, float* doutput, float* dc,
        float* dpre, float* dstep, int hidden, bool norm)
    {
        float squares = 0f;
        int j = 0;
        if (RecurrentMath.Vectorized512 && hidden >= RecurrentMath.Lanes512)
        {
            Vector512<float> one = Vector512<float>.One, squareSum = Vector512<float>.Zero;
            for (; j + RecurrentMath.Lanes512 <= hidden; j += RecurrentMath.Lanes512)
            {
                int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
                Vector512<float> iv = Vector512.Load(gates + j), fv = Vector512.Load(gates + f);
                Vector512<float> gv = Vector512.Load(gates + g), ov = Vector512.Load(gates + o);
                Vector512<float> tc = RecurrentMath.Tanh(Vector512.Load(cell + j));
                Vector512<float> dhv = Vector512.Load(dh + j) + Vector512.Load(doutput + j);
                squareSum = Vector512.FusedMultiplyAdd(dhv, dhv, squareSum);
                Vector512<float> dcTotal = Vector512.FusedMultiplyAdd(dhv * ov, one - tc * tc, Vector512.Load(dc + j));
                Vector512<float> di = dcTotal * gv * iv * (one - iv);
                Vector512<float> df = dcTotal * Vector512.Load(cellPrevious + j) * fv * (one - fv);
                Vector512<float> dg = dcTotal * iv * (one - gv * gv);
                Vector512<float> dO = dhv * tc * ov * (one - ov);
                di.Store(dpre + j); di.Store(dstep + j);
                df.Store(dpre + f); df.Store(dstep + f);
                dg.Store(dpre + g); dg.Store(dstep + g);
                dO.Store(dpre + o); dO.Store(dstep + o);
                (dcTotal * fv).Store(dc + j);
            }
            squares = Vector512.Sum(squareSum);
        }
        if (RecurrentMath.Vectorized)
        {
            Vector256<float> one = Vector256<float>.One, squareSum = Vector256<float>.Zero;
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
                Vector256<float> iv = Vector256.Load(gates + j), fv = Vector256.Load(gates + f);
                Vector256<float> gv = Vector256.Load(gates + g), ov = Vector256.Load(gates + o);
                Vector256<float> tc = RecurrentMath.Tanh(Vector256.Load(cell + j));
                Vector256<float> dhv = Vector256.Load(dh + j) + Vector256.Load(doutput + j);
                squareSum += dhv * dhv;
                Vector256<float> dcTotal = Vector256.Load(dc + j) + dhv * ov * (one - tc * tc);
                Vector256<float> di = dcTotal * gv * iv * (one - iv);
                Vector256<float> df = dcTotal * Vector256.Load(cellPrevious + j) * fv * (one - fv);
                Vector256<float> dg = dcTotal * iv * (one - gv * gv);
                Vector256<float> dO = dhv * tc * ov * (one - ov);
                di.Store(dpre + j); di.Store(dstep + j);
                df.Store(dpre + f); df.Store(dstep + f);
                dg.Store(dpre + g); dg.Store(dstep + g);
                dO.Store(dpre + o); dO.Store(dstep + o);
                (dcTotal * fv).Store(dc + j);
            }
            squares += Vector256.Sum(squareSum);
        }
        for (; j < hidden; j++)
        {
            int f = hidden + j, g = 2 * hidden + j, o = 3 * hidden + j;
            float tc = RecurrentMath.Tanh(cell[j]);
            float dhTotal = dh[j] + doutput[j];
            squares += dhTotal * dhTotal;
            float dcTotal = dc[j] + dhTotal * gates[o] * (1f - tc * tc);
            dpre[j] = dstep[j] = dcTotal * gates[g] * gates[j] * (1f - gates[j]);
            dpre[f] = dstep[f] = dcTotal * cellPrevious[j] * gates[f] * (1f - gates[f]);
            dpre[g] = dstep[g] = dcTotal * gates[j] * (1f - gates[g] * gates[g]);
            dpre[o] = dstep[o] = dhTotal * tc * gates[o] * (1f - gates[o]);
            dc[j] = dcTotal * gates[f];
        }
        return norm ? MathF.Sqrt(squares) : 0f;
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
        Layout(cache, batch, steps, inputSize, hidden, out Span<float> gates, out Span<float> cells, out Span<float> hiddenStates, out _, out _, out _);
        for (int k = 0; k < stateSize; k++)
        {
            hiddenStates[k] = initialHidden.IsEmpty ? 0f : initialHidden[k];
            cells[k] = initialCell.IsEmpty ? 0f : initialCell[k];
        }
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
            {
                int row = b * steps + t, gateRow = t * batch + b;
                for (int r = 0; r < width; r++)
                {
                    double sum = biasIh[r] + (double)biasHh[r];
                    for (int p = 0; p < inputSize; p++) sum += (double)input[row * inputSize + p] * weightIh[r * inputSize + p];
                    for (int p = 0; p < hidden; p++) sum += (double)hiddenStates[t * stateSize + b * hidden + p] * weightHh[r * hidden + p];
                    bool candidate = r >= 2 * hidden && r < 3 * hidden;
                    gates[gateRow * width + r] = (float)(candidate ? Math.Tanh(sum) : 1.0 / (1.0 + Math.Exp(-sum)));
                }
                for (int j = 0; j < hidden; j++)
                {
                    float i = gates[gateRow * width + j], f = gates[gateRow * width + hidden + j];
                    float g = gates[gateRow * width + 2 * hidden + j], o = gates[gateRow * width + 3 * hidden + j];
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
                int row = b * steps + t, gateRow = t * batch + b;
                double squares = 0;
                for (int j = 0; j < hidden; j++)
                {
                    float i = gates[gateRow * width + j], f = gates[gateRow * width + hidden + j];
                    float g = gates[gateRow * width + 2 * hidden + j], o = gates[gateRow * width + 3 * hidden + j];
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

    private static void Layout(Span<float> cache, int batch, int steps, int inputSize, int hidden, out Span<float> gates, out Span<float> cells,
        out Span<float> hiddenStates, out Span<float> work, out Span<float> weightIhT, out Span<float> weightHhT)
    {
        int gateFloats = batch * steps * Gates * hidden, stateFloats = (steps + 1) * batch * hidden, workFloats = batch * Gates * hidden;
        gates = cache.Slice(0, gateFloats);
        cells = cache.Slice(gateFloats, stateFloats);
        hiddenStates = cache.Slice(gateFloats + stateFloats, stateFloats);
        work = cache.Slice(gateFloats + 2 * stateFloats, workFloats);
        weightIhT = cache.Slice(gateFloats + 2 * stateFloats + workFloats, Gates * hidden * inputSize);
        weightHhT = cache.Slice(gateFloats + 2 * stateFloats + workFloats + Gates * hidden * inputSize, Gates * hidden * hidden);
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
        RecurrentChecks.Exactly(input.Length, (long)batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, (long)batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(initialCell.Length, (long)batch * hidden, nameof(initialCell), batch, hidden);
        RecurrentChecks.Exactly(output.Length, (long)batch * steps * hidden, nameof(output), batch, steps, hidden);
        RecurrentChecks.EmptyOrExactly(finalHidden.Length, (long)batch * hidden, nameof(finalHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(finalCell.Length, (long)batch * hidden, nameof(finalCell), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, inputSize, hidden), nameof(cache), "CacheSize(batch, steps, inputSize, hidden)");
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
        RecurrentChecks.Exactly(doutput.Length, (long)batch * steps * hidden, nameof(doutput), batch, steps, hidden);
        RecurrentChecks.Exactly(input.Length, (long)batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, (long)batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(initialCell.Length, (long)batch * hidden, nameof(initialCell), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, inputSize, hidden), nameof(cache), "CacheSize(batch, steps, inputSize, hidden)");
        RecurrentChecks.EmptyOrExactly(dinput.Length, (long)batch * steps * inputSize, nameof(dinput), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(dinitialHidden.Length, (long)batch * hidden, nameof(dinitialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(dinitialCell.Length, (long)batch * hidden, nameof(dinitialCell), batch, hidden);
        RecurrentChecks.EmptyOrExactly(stepGradientNorms.Length, steps, nameof(stepGradientNorms), steps);
        RecurrentChecks.AtLeast(scratch.Length, ScratchSize(batch, steps, hidden), nameof(scratch), "ScratchSize(batch, steps, hidden)");
    }

    private static void CopyOrClear(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.CopyTo(destination);
    }
}
