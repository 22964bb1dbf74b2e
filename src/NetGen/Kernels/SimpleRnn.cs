using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Elman recurrent layer with tanh, exactly PyTorch's <c>nn.RNN(nonlinearity="tanh", batch_first=True)</c>:
/// h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), with weightIh [H, I], weightHh [H, H],
/// biasIh [H], biasHh [H]. Sequences are batch-major: input [B, T, I], output [B, T, H].
/// </summary>
/// <remarks>
/// Forward saves what Backward needs in a caller-provided cache of <see cref="CacheSize"/> floats:
/// <code>
///   states    [B*T, H]     h_t in (b, t) row order; first holds the input projection of every step
///   hidden    [T+1, B, H]  step-major copy: slot 0 is the initial state, slot t+1 is h_t, so each
///                          step's h_{t-1} is one contiguous [B, H] matrix for the recurrent product
///   work      [B, H]       h_{t-1} W_hh^T of the current step
///   weightHhT [H, H]       W_hh transposed once per Forward for the step products
/// </code>
/// Each step is one small register-tiled product (Gemm.SmallNN: no packing, one thread) and one fused loop.
/// Backward uses <see cref="ScratchSize"/> floats of scratch: dpre [B*T, H] (gradient of every
/// pre-activation, (b, t) order, so dW_ih and dinput are one GEMM each), dsteps [T, B, H] (the same, step-major,
/// so dW_hh is one GEMM against the step-major hidden states), dh [B, H], rowNorms [T, B] (||dL/dh_t|| per row, for
/// the step norms). Forward and Backward split the batch rows across the worker pool: rows never meet in the
/// recurrence, so each thread runs every step of its rows, one pool round trip per pass.
/// Truncated BPTT: the caller copies finalHidden into initialHidden for the next batch; no gradient
/// flows into the previous batch (the overload with <c>dinitialHidden</c> reports it for tests and for
/// callers that own the initial state).
/// </remarks>
public static class SimpleRnn
{
    /// <summary>Floats of cache that <see cref="Forward"/> writes and Backward reads.</summary>
    public static int CacheSize(int batch, int steps, int hidden)
        => checked(batch * steps * hidden + (steps + 1) * batch * hidden + batch * hidden + hidden * hidden);

    /// <summary>
    /// Floats of scratch Backward needs. Takes <paramref name="steps"/> because the gradient of every
    /// step's pre-activation is kept, in (b, t) order so that dW_ih and dinput are single GEMMs over all B*T rows,
    /// and step-major so that dW_hh is one GEMM over all T*B rows too.
    /// </summary>
    public static int ScratchSize(int batch, int steps, int hidden)
        => checked(2 * batch * steps * hidden + batch * hidden + steps * batch);

    // input[B,T,I], weightIh[H,I], weightHh[H,H], biasIh[H], biasHh[H], initialHidden[B,H] or empty
    //   -> output[B,T,H] (every h_t), finalHidden[B,H] (= h_{T-1}; skipped when empty), cache[CacheSize]
    /// <summary>
    /// Runs the layer over the whole sequence: <paramref name="output"/> [B, T, H] receives every hidden
    /// state, <paramref name="finalHidden"/> [B, H] the last one (skipped when empty). An empty
    /// <paramref name="initialHidden"/> means zeros. <paramref name="initialHidden"/> may be the same
    /// memory as <paramref name="finalHidden"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache,
        int batch, int steps, int inputSize, int hidden)
    {
        CheckForward(input, weightIh, weightHh, biasIh, biasHh, initialHidden, output, finalHidden, cache, batch, steps, inputSize, hidden);
        int rows = batch * steps, stateSize = batch * hidden;
        Span<float> states = cache.Slice(0, rows * hidden);
        Span<float> hiddenStates = cache.Slice(rows * hidden, (steps + 1) * stateSize);
        Span<float> work = cache.Slice(rows * hidden + (steps + 1) * stateSize, stateSize);
        Span<float> weightHhT = cache.Slice(rows * hidden + (steps + 2) * stateSize, hidden * hidden);

        Gemm.NT(input, weightIh, states, rows, hidden, inputSize, accumulate: false);   // states[B*T,H] = x W_ih^T, every step at once
        Gemm.Transpose(weightHh, weightHhT, hidden, hidden);                            // W_hh^T for the step products
        CopyOrClear(initialHidden, hiddenStates.Slice(0, stateSize));

        fixed (float* pStates = states, pHidden = hiddenStates, pWork = work, pWeightT = weightHhT, pOutput = output)
        fixed (float* pBiasIh = biasIh, pBiasHh = biasHh)
        {
            var pass = new Pass
            {
                States = pStates, Hidden = pHidden, Work = pWork, WeightHhT = pWeightT, Output = pOutput, BiasIh = pBiasIh, BiasHh = pBiasHh,
                Batch = batch, Steps = steps, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&ForwardRows, &pass, batch, (long)rows * hidden * hidden);
        }
        if (!finalHidden.IsEmpty) hiddenStates.Slice(steps * stateSize, stateSize).CopyTo(finalHidden);
    }

    // Pointers and sizes of one pass, shared by the threads that run its row ranges.
    private unsafe struct Pass
    {
        public float* States, Hidden, Work, WeightHhT, Output, BiasIh, BiasHh;   // forward (Hidden also backward)
        public float* Doutput, WeightHh, Dpre, Dsteps, Dh, RowNorms;            // backward (RowNorms null: no norms)
        public int Batch, Steps, HiddenSize;
    }

    // Every step for batch rows [start, end): work = h_{t-1} W_hh^T, then the fused tanh per row.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardRows(void* context, int part, int parts)
    {
        ref Pass p = ref *(Pass*)context;
        (int start, int end) = RecurrentMath.Rows(p.Batch, part, parts);
        int hidden = p.HiddenSize, stateSize = p.Batch * hidden;
        for (int t = 0; t < p.Steps && start < end; t++)
        {
            // work[rows,H] = h_{t-1}[rows,H] W_hh^T
            Gemm.SmallNN(p.Hidden + (nint)t * stateSize + (nint)start * hidden, hidden, p.WeightHhT, hidden, p.Work + (nint)start * hidden, hidden,
                end - start, hidden, hidden, accumulate: false);
            for (int b = start; b < end; b++)
            {
                int row = b * p.Steps + t;
                CellForward(p.States + (nint)row * hidden, p.Work + (nint)b * hidden, p.BiasIh, p.BiasHh,
                    p.Hidden + (nint)(t + 1) * stateSize + b * hidden, p.Output + (nint)row * hidden, hidden);
            }
        }
    }

    // One batch row of one step, fused: state (in x W_ih^T, out h) = tanh(state + recurrent + b_ih + b_hh), also into h and output.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void CellForward(float* state, float* recurrent, float* biasIh, float* biasHh, float* h, float* output, int hidden)
    {
        int j = 0;
        if (RecurrentMath.Vectorized)
        {
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                Vector256<float> hv = RecurrentMath.Tanh(Vector256.Load(state + j) + Vector256.Load(recurrent + j) + Vector256.Load(biasIh + j) + Vector256.Load(biasHh + j));
                hv.Store(state + j);
                hv.Store(h + j);
                hv.Store(output + j);
            }
        }
        for (; j < hidden; j++) state[j] = h[j] = output[j] = RecurrentMath.Tanh(state[j] + recurrent[j] + biasIh[j] + biasHh[j]);
    }

    // doutput[B,T,H] -> dinput[B,T,I] (overwritten, skipped when empty); dweightIh[H,I], dweightHh[H,H],
    // dbiasIh[H], dbiasHh[H] accumulated.
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
    /// the batch of ||dL/dh_t||, the probe that shows vanishing gradients (skipped when empty).
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
        int rows = batch * steps, stateSize = batch * hidden;
        ReadOnlySpan<float> hiddenStates = cache.Slice(rows * hidden, (steps + 1) * stateSize);
        Span<float> dpre = scratch.Slice(0, rows * hidden);                  // (b, t) rows
        Span<float> dsteps = scratch.Slice(rows * hidden, rows * hidden);    // the same, step-major [T, B, H]
        Span<float> dh = scratch.Slice(2 * rows * hidden, stateSize);

        dh.Clear();   // dL/dh_{T-1} from later steps: none (truncated BPTT)
        Span<float> rowNorms = stepGradientNorms.IsEmpty ? default : scratch.Slice(2 * rows * hidden + stateSize, rows);
        fixed (float* pHidden = hiddenStates, pDoutput = doutput, pWeightHh = weightHh, pDpre = dpre, pDsteps = dsteps, pDh = dh)
        fixed (float* pRowNorms = rowNorms)
        {
            var pass = new Pass
            {
                Hidden = pHidden, Doutput = pDoutput, WeightHh = pWeightHh, Dpre = pDpre, Dsteps = pDsteps, Dh = pDh, RowNorms = pRowNorms,
                Batch = batch, Steps = steps, HiddenSize = hidden,
            };
            RecurrentMath.RunRows(&BackwardRows, &pass, batch, (long)rows * hidden * hidden);
        }
        if (!stepGradientNorms.IsEmpty) RecurrentMath.StepNorms(rowNorms, stepGradientNorms, batch);
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);

        Gemm.TN(dsteps, hiddenStates, dweightHh, hidden, hidden, rows, accumulate: true);   // dW_hh += sum_t dpre_t^T h_{t-1}
        RecurrentMath.AddColumnSums(dpre, rows, hidden, dbiasIh, dbiasHh);   // both biases receive the same gradient
        Gemm.TN(dpre, input, dweightIh, hidden, inputSize, rows, accumulate: true);           // dW_ih += dpre^T x
        if (!dinput.IsEmpty) Gemm.NN(dpre, weightIh, dinput, rows, inputSize, hidden, accumulate: false);   // dx = dpre W_ih
    }

    // Every step, last to first, for batch rows [start, end): the fused tanh gradient per row, then dh_{t-1} = dpre_t W_hh.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BackwardRows(void* context, int part, int parts)
    {
        ref Pass p = ref *(Pass*)context;
        (int start, int end) = RecurrentMath.Rows(p.Batch, part, parts);
        int hidden = p.HiddenSize, stateSize = p.Batch * hidden;
        bool norms = p.RowNorms != null;
        for (int t = p.Steps - 1; t >= 0 && start < end; t--)
        {
            float* dstep = p.Dsteps + (nint)t * stateSize;
            for (int b = start; b < end; b++)
            {
                int row = b * p.Steps + t;
                float norm = CellBackward(p.Hidden + (nint)(t + 1) * stateSize + b * hidden, p.Dh + b * hidden, p.Doutput + (nint)row * hidden,
                    p.Dpre + (nint)row * hidden, dstep + (nint)b * hidden, hidden, norms);
                if (norms) p.RowNorms[t * p.Batch + b] = norm;
            }
            // dh_{t-1}[rows,H] = dpre_t[rows,H] W_hh[H,H]
            Gemm.SmallNN(dstep + (nint)start * hidden, hidden, p.WeightHh, hidden, p.Dh + (nint)start * hidden, hidden, end - start, hidden, hidden,
                accumulate: false);
        }
    }

    // One batch row of one step: dpre = dstep = (dh + doutput) (1 - h^2), h = tanh(pre). Returns ||dh + doutput|| when norm is set.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float CellBackward(float* h, float* dh, float* doutput, float* dpre, float* dstep, int hidden, bool norm)
    {
        float squares = 0f;
        int j = 0;
        if (RecurrentMath.Vectorized)
        {
            Vector256<float> squareSum = Vector256<float>.Zero;
            for (; j + RecurrentMath.Lanes <= hidden; j += RecurrentMath.Lanes)
            {
                Vector256<float> total = Vector256.Load(dh + j) + Vector256.Load(doutput + j), hv = Vector256.Load(h + j);
                squareSum += total * total;
                Vector256<float> d = total * (Vector256<float>.One - hv * hv);
                d.Store(dpre + j);
                d.Store(dstep + j);
            }
            squares = Vector256.Sum(squareSum);
        }
        for (; j < hidden; j++)
        {
            float total = dh[j] + doutput[j];
            squares += total * total;
            dpre[j] = dstep[j] = total * (1f - h[j] * h[j]);
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
        int rows = batch * steps, stateSize = batch * hidden;
        Span<float> states = cache.Slice(0, rows * hidden);
        Span<float> hiddenStates = cache.Slice(rows * hidden, (steps + 1) * stateSize);
        for (int i = 0; i < stateSize; i++) hiddenStates[i] = initialHidden.IsEmpty ? 0f : initialHidden[i];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < hidden; j++)
                {
                    double sum = biasIh[j] + (double)biasHh[j];
                    for (int p = 0; p < inputSize; p++) sum += (double)input[(b * steps + t) * inputSize + p] * weightIh[j * inputSize + p];
                    for (int p = 0; p < hidden; p++) sum += (double)hiddenStates[t * stateSize + b * hidden + p] * weightHh[j * hidden + p];
                    float h = (float)Math.Tanh(sum);
                    states[(b * steps + t) * hidden + j] = h;
                    output[(b * steps + t) * hidden + j] = h;
                    hiddenStates[(t + 1) * stateSize + b * hidden + j] = h;
                }
        for (int i = 0; i < finalHidden.Length && i < stateSize; i++) finalHidden[i] = hiddenStates[steps * stateSize + i];
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
        int rows = batch * steps, stateSize = batch * hidden;
        ReadOnlySpan<float> hiddenStates = cache.Slice(rows * hidden, (steps + 1) * stateSize);
        Span<float> dpre = scratch.Slice(0, hidden);
        Span<float> dh = scratch.Slice(hidden, stateSize);             // carried dL/dh per batch row
        Span<float> dhPrevious = scratch.Slice(hidden + stateSize, stateSize);
        dh.Clear();
        if (!dinput.IsEmpty) dinput.Slice(0, rows * inputSize).Clear();
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
                    float total = dh[b * hidden + j] + doutput[row * hidden + j];
                    squares += (double)total * total;
                    float h = hiddenStates[(t + 1) * stateSize + b * hidden + j];
                    dpre[j] = total * (1f - h * h);
                }
                normSum += Math.Sqrt(squares);
                for (int j = 0; j < hidden; j++)
                {
                    dbiasIh[j] += dpre[j];
                    dbiasHh[j] += dpre[j];
                    for (int p = 0; p < inputSize; p++)
                    {
                        dweightIh[j * inputSize + p] += dpre[j] * input[row * inputSize + p];
                        if (!dinput.IsEmpty) dinput[row * inputSize + p] += dpre[j] * weightIh[j * inputSize + p];
                    }
                    for (int p = 0; p < hidden; p++)
                    {
                        dweightHh[j * hidden + p] += dpre[j] * hiddenStates[t * stateSize + b * hidden + p];
                        dhPrevious[b * hidden + p] += dpre[j] * weightHh[j * hidden + p];
                    }
                }
            }
            if (!stepGradientNorms.IsEmpty) stepGradientNorms[t] = (float)(normSum / batch);
            dhPrevious.CopyTo(dh);
        }
        if (!dinitialHidden.IsEmpty) dh.CopyTo(dinitialHidden);
    }

    private static void CheckForward(ReadOnlySpan<float> input, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> initialHidden,
        Span<float> output, Span<float> finalHidden, Span<float> cache, int batch, int steps, int inputSize, int hidden)
    {
        RecurrentChecks.Dimensions(batch, steps, inputSize, hidden);
        RecurrentChecks.Parameters(weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length, 1, inputSize, hidden);
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
        RecurrentChecks.Weights(weightIh.Length, weightHh.Length, 1, inputSize, hidden);
        RecurrentChecks.Gradients(dweightIh.Length, dweightHh.Length, dbiasIh.Length, dbiasHh.Length, 1, inputSize, hidden);
        RecurrentChecks.Exactly(doutput.Length, (long)batch * steps * hidden, nameof(doutput), batch, steps, hidden);
        RecurrentChecks.Exactly(input.Length, (long)batch * steps * inputSize, nameof(input), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(initialHidden.Length, (long)batch * hidden, nameof(initialHidden), batch, hidden);
        RecurrentChecks.AtLeast(cache.Length, CacheSize(batch, steps, hidden), nameof(cache), "CacheSize(batch, steps, hidden)");
        RecurrentChecks.EmptyOrExactly(dinput.Length, (long)batch * steps * inputSize, nameof(dinput), batch, steps, inputSize);
        RecurrentChecks.EmptyOrExactly(dinitialHidden.Length, (long)batch * hidden, nameof(dinitialHidden), batch, hidden);
        RecurrentChecks.EmptyOrExactly(stepGradientNorms.Length, steps, nameof(stepGradientNorms), steps);
        RecurrentChecks.AtLeast(scratch.Length, ScratchSize(batch, steps, hidden), nameof(scratch), "ScratchSize(batch, steps, hidden)");
    }

    private static void CopyOrClear(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.IsEmpty) destination.Clear();
        else source.Slice(0, destination.Length).CopyTo(destination);
    }
}

/// <summary>Argument checks shared by <see cref="SimpleRnn"/>, <see cref="Lstm"/> and <see cref="Gru"/>.</summary>
internal static class RecurrentChecks
{
    public static void Dimensions(int batch, int steps, int inputSize, int hidden)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of time steps must be positive.");
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "The input size must be positive.");
        if (hidden <= 0) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "The hidden size must be positive.");
    }

    // weightIh[G*H, I], weightHh[G*H, H]
    public static void Weights(int weightIh, int weightHh, int gates, int inputSize, int hidden)
    {
        long rows = (long)gates * hidden;
        Exactly(weightIh, rows * inputSize, "weightIh", rows, inputSize);
        Exactly(weightHh, rows * hidden, "weightHh", rows, hidden);
    }

    // weightIh[G*H, I], weightHh[G*H, H], biasIh[G*H], biasHh[G*H]
    public static void Parameters(int weightIh, int weightHh, int biasIh, int biasHh, int gates, int inputSize, int hidden)
    {
        long rows = (long)gates * hidden;
        Weights(weightIh, weightHh, gates, inputSize, hidden);
        Exactly(biasIh, rows, "biasIh", rows);
        Exactly(biasHh, rows, "biasHh", rows);
    }

    public static void Gradients(int dweightIh, int dweightHh, int dbiasIh, int dbiasHh, int gates, int inputSize, int hidden)
    {
        long rows = (long)gates * hidden;
        Exactly(dweightIh, rows * inputSize, "dweightIh", rows, inputSize);
        Exactly(dweightHh, rows * hidden, "dweightHh", rows, hidden);
        Exactly(dbiasIh, rows, "dbiasIh", rows);
        Exactly(dbiasHh, rows, "dbiasHh", rows);
    }

    // The shape is passed as numbers (not a formatted string) so that a passing check allocates nothing.
    public static void Exactly(int actual, long expected, string name, long dimension0, long dimension1 = -1, long dimension2 = -1)
    {
        if (actual != expected)
            throw new ArgumentException(
                $"{name} holds {actual} floats; {Shape(dimension0, dimension1, dimension2)} needs exactly {expected}.", name);
    }

    public static void EmptyOrExactly(int actual, long expected, string name, long dimension0, long dimension1 = -1, long dimension2 = -1)
    {
        if (actual != 0 && actual != expected)
            throw new ArgumentException(
                $"{name} holds {actual} floats; it must be empty or {Shape(dimension0, dimension1, dimension2)} ({expected} floats).", name);
    }

    private static string Shape(long dimension0, long dimension1, long dimension2)
        => dimension2 >= 0 ? $"[{dimension0}, {dimension1}, {dimension2}]"
            : dimension1 >= 0 ? $"[{dimension0}, {dimension1}]" : $"[{dimension0}]";

    // Cache and scratch may be longer than needed (slices of one arena).
    public static void AtLeast(int actual, int expected, string name, string what)
    {
        if (actual < expected)
            throw new ArgumentException($"{name} holds {actual} floats; {what} is {expected}.", name);
    }
}
