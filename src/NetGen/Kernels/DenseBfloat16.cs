using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Threading;

namespace NetGen.Kernels;

/// <summary>
/// Opt-in inference with weights stored as bfloat16 (the upper 16 bits of a float: same exponent range, 8 bits of
/// mantissa): half the bytes to stream per sample, which is what one-sample inference is bound by. Inputs, bias,
/// accumulation and outputs stay float. For inference only: training keeps float weights and converts them with
/// <see cref="Convert"/> after training.
/// </summary>
/// <remarks>
/// .NET 10 exposes no AVX512_BF16 intrinsics (no <c>vdpbf16ps</c>), so each weight is widened to float in registers,
/// exactly, and multiplied in float with FMA. With AVX-512 each 512-bit load holds 32 weights as 16 words: the even
/// weight is the low half (shifted up 16 bits), the odd one the high half (the low half masked off), each matched with
/// the input deinterleaved once per row (two FMAs, a shift and an AND per 32 weights, against a widen, a shift and an
/// FMA per 16). Otherwise 8 or 16 weights are zero-extended to 32 bits and shifted. The error against the float layer
/// comes from the weights' rounding alone: at most 2^-9 of each weight. <see cref="ForwardTwoLayers"/> runs two layers
/// in a row in one pass over the cores.
/// </remarks>
public static unsafe partial class DenseBfloat16
{
    /// <summary>Rounds each float to the nearest bfloat16 (ties to even); NaN stays NaN.</summary>
    public static void Convert(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination holds {destination.Length} values; source has {source.Length}.", nameof(destination));
        for (int i = 0; i < source.Length; i++) destination[i] = FromSingle(source[i]);
    }

    /// <summary>The nearest bfloat16 of <paramref name="value"/> (ties to even); NaN stays a quiet NaN.</summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>The float a bfloat16 stands for (exact).</summary>
    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    // output[B,N] = activation(input[B,K] · weight[N,K]^T + bias[N]), weight in bfloat16
    /// <summary>
    /// output[batch, units] = activation(input[batch, inputs] · weight[units, inputs]^T + bias[units]) with the weight
    /// in bfloat16 (see <see cref="Convert"/>): the weight rows are split across the cores' threads, as in the
    /// one-sample float path of <see cref="Dense.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation)"/>.
    /// Pass an empty <paramref name="bias"/> for a layer without bias. <paramref name="output"/> is overwritten.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<ushort> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units, Activation activation)
    {
        CheckShapes(input, weight, bias, output, batch, inputs, units, nameof(input), nameof(weight), nameof(bias), nameof(output));
        Dense.CheckFusedActivation(activation);
        if (batch == 0) return;

        fixed (float* pinput = input, pbias = bias, poutput = output)
        fixed (ushort* pweight = weight)
        {
            var layer = new Layer
            {
                Input = pinput, Weight = pweight, Bias = pbias, Output = poutput, Batch = batch, Inputs = inputs, Units = units,
                Activation = activation,
            };
            WorkerPool pool = WorkerPool.Shared;
            int parts = (long)batch * inputs * units >= Gemm.DotParallelThreshold ? Math.Min(pool.Parallelism, (units + 3) / 4) : 1;
            if (SequentialParts > 0) RunSequentially(&Part, &layer, SequentialParts);
            else if (parts > 1) pool.Run(&Part, &layer, parts);
            else Part(&layer, 0, 1);
        }
    }

    /// <summary>Tests only: when above 0, every call runs this many parts one after another on the calling thread.</summary>
    internal static int SequentialParts { get; set; }

    private static void RunSequentially(delegate*<void*, int, int, void> work, void* context, int parts)
    {
        for (int part = 0; part < parts; part++) work(context, part, parts);
    }

    private static void CheckShapes(ReadOnlySpan<float> input, ReadOnlySpan<ushort> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> output,
        int batch, int inputs, int units, string inputName, string weightName, string biasName, string outputName)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "inputs must be > 0.");
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "units must be > 0.");
        if (input.Length < (long)batch * inputs)
            throw new ArgumentException($"{inputName} holds {input.Length} floats; [{batch}, {inputs}] needs {(long)batch * inputs}.", inputName);
        if (weight.Length < (long)units * inputs)
            throw new ArgumentException($"{weightName} holds {weight.Length} values; [{units}, {inputs}] needs {(long)units * inputs}.", weightName);
        if (output.Length < (long)batch * units)
            throw new ArgumentException($"{outputName} holds {output.Length} floats; [{batch}, {units}] needs {(long)batch * units}.", outputName);
        if (!bias.IsEmpty && bias.Length < units)
            throw new ArgumentException($"{biasName} holds {bias.Length} floats; [{units}] needs {units} (or pass an empty span for no bias).", biasName);
    }

    /// <summary>Naive double-accumulating version of <see cref="Forward"/>: the reference tests compare against.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<ushort> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inputs, int units, Activation activation)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int n = 0; n < units; n++)
            {
                double sum = bias.IsEmpty ? 0.0 : bias[n];
                for (int k = 0; k < inputs; k++) sum += (double)input[b * inputs + k] * ToSingle(weight[n * inputs + k]);
                output[b * units + n] = activation switch
                {
                    Activation.ReLU => (float)Math.Max(0, sum),
                    Activation.Sigmoid => (float)(1 / (1 + Math.Exp(-sum))),
                    Activation.Tanh => (float)Math.Tanh(sum),
                    _ => (float)sum,
                };
            }
        }
    }

    private struct Layer
    {
        public float* Input;
        public ushort* Weight;
        public float* Bias;
        public float* Output;
        public int Batch, Inputs, Units;
        public Activation Activation;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void Part(void* context, int part, int parts)
    {
        ref Layer layer = ref *(Layer*)context;
        int groups = (layer.Units + 3) / 4;
        int start = groups * part / parts * 4;
        int end = Math.Min(layer.Units, groups * (part + 1) / parts * 4);
        if (start >= end) return;
        int k = layer.Inputs;
        float* reordered = stackalloc float[PairsApply(k) ? k & ~31 : 0];
        for (int b = 0; b < layer.Batch; b++)
        {
            float* x = layer.Input + (nint)b * k;
            float* y = layer.Output + (nint)b * layer.Units;
            Rows(x, reordered, k, layer.Weight, k, start, end, y);
            var row = new Span<float>(y + start, end - start);
            if (layer.Bias != null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(layer.Bias + start, end - start), row);
            if (layer.Activation != Activation.Identity) Activations.Forward(layer.Activation, row, row);
        }
    }

    // Inputs up to which the pair path keeps its reordered input on the stack (16 KB).
    private const int MaxPairedInputs = 4096;

    // Whether dot products of `length` inputs take the pair path (Dot4Pairs), whose reordered input needs length & ~31 floats.
    private static bool PairsApply(int length) =>
        (Vector512.IsHardwareAccelerated && Avx512F.IsSupported || Avx2.IsSupported && Fma.IsSupported) && length >= 32 && length <= MaxPairedInputs;

    // Whether the pair path runs on Vector512 (AVX-512, unless a test forced Vector256 on this thread) or on Vector256 (AVX2).
    private static bool PairsWide => Gemm.UseVector512 && Avx512F.IsSupported;

    // y[n] = x[0, length) · w[n * stride + (0, length)] for n in [start, end), start a multiple of 4: four rows at a time,
    // then one. `reordered` holds length & ~31 floats when PairsApply(length). Each row's sum is formed the same way
    // whatever start and end are, so any split of the rows gives the same results.
    private static void Rows(float* x, float* reordered, int length, ushort* w, nint stride, int start, int end, float* y)
    {
        int n = start;
        if (PairsApply(length))
        {
            int paired = length & ~31;
            if (PairsWide)
            {
                Deinterleave(x, reordered, paired);
                for (; n + 4 <= end; n += 4) Dot4Pairs(x, reordered, paired, length, w + n * stride, stride, y + n);
            }
            else
            {
                Deinterleave256(x, reordered, paired);
                for (; n + 4 <= end; n += 4) Dot4Pairs256(x, reordered, paired, length, w + n * stride, stride, y + n);
            }
        }
        else
        {
            for (; n + 4 <= end; n += 4) Dot4(x, w + n * stride, length, stride, y + n);
        }

        for (; n < end; n++) y[n] = Dot1(x, w + n * stride, length);
    }

    // Reorders each block of 32 inputs as its 16 even-indexed values, then its 16 odd-indexed ones: the order in which
    // Dot4Pairs reads the weights of a block (the low and the high halves of 16 32-bit words).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(float* x, float* reordered, int count)
    {
        Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odds = evens + Vector512<int>.One;
        for (int q = 0; q < count; q += 32)
        {
            Vector512<float> low = Vector512.Load(x + q), high = Vector512.Load(x + q + 16);
            Avx512F.PermuteVar16x32x2(low, evens, high).Store(reordered + q);
            Avx512F.PermuteVar16x32x2(low, odds, high).Store(reordered + q + 16);
        }
    }

    // Deinterleave with AVX2: the even and the odd inputs of each 16 (Lanes.Evens, Lanes.Odds), into the same layout (per block of 32: its 16 even inputs, then its 16 odd ones).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave256(float* x, float* reordered, int count)
    {
        for (int q = 0; q < count; q += 32)
        {
            for (int half = 0; half < 2; half++)
            {
                Vector256<float> low = Vector256.Load(x + q + 16 * half), high = Vector256.Load(x + q + 16 * half + 8);
                Lanes.Evens(low, high).Store(reordered + q + 8 * half);
                Lanes.Odds(low, high).Store(reordered + q + 16 + 8 * half);
            }
        }
    }

    // Dot4Pairs with AVX2: per block of 32 inputs and row, two 256-bit loads of 8 words (16 weights each), each split
    // by a shift (even weights) and an AND (odd weights) into two FMAs; 8 accumulators. The AVX2 Dot4 it replaces
    // widened 8 weights per FMA into 4 chains, half the FMA rate.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4Pairs256(float* x, float* reordered, int paired, nint k, ushort* w, nint stride, float* sums)
    {
        uint* w0 = (uint*)w, w1 = (uint*)(w + stride), w2 = (uint*)(w + 2 * stride), w3 = (uint*)(w + 3 * stride);
        Vector256<uint> highHalf = Vector256.Create(0xFFFF0000u);
        Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default;
        for (int q = 0; q < paired; q += 32)
        {
            int word = q >> 1;
            int ahead = word + 128;
            Sse.Prefetch0(w0 + ahead);
            Sse.Prefetch0(w1 + ahead);
            Sse.Prefetch0(w2 + ahead);
            Sse.Prefetch0(w3 + ahead);
            for (int half = 0; half < 2; half++)
            {
                Vector256<float> xe = Vector256.Load(reordered + q + 8 * half), xo = Vector256.Load(reordered + q + 16 + 8 * half);
                int at = word + 8 * half;
                Vector256<uint> p0 = Vector256.Load(w0 + at), p1 = Vector256.Load(w1 + at);
                e0 = Vector256.FusedMultiplyAdd(Avx2.ShiftLeftLogical(p0, 16).AsSingle(), xe, e0);
                o0 = Vector256.FusedMultiplyAdd(Avx2.And(p0, highHalf).AsSingle(), xo, o0);
                e1 = Vector256.FusedMultiplyAdd(Avx2.ShiftLeftLogical(p1, 16).AsSingle(), xe, e1);
                o1 = Vector256.FusedMultiplyAdd(Avx2.And(p1, highHalf).AsSingle(), xo, o1);
                Vector256<uint> p2 = Vector256.Load(w2 + at), p3 = Vector256.Load(w3 + at);
                e2 = Vector256.FusedMultiplyAdd(Avx2.ShiftLeftLogical(p2, 16).AsSingle(), xe, e2);
                o2 = Vector256.FusedMultiplyAdd(Avx2.And(p2, highHalf).AsSingle(), xo, o2);
                e3 = Vector256.FusedMultiplyAdd(Avx2.ShiftLeftLogical(p3, 16).AsSingle(), xe, e3);
                o3 = Vector256.FusedMultiplyAdd(Avx2.And(p3, highHalf).AsSingle(), xo, o3);
            }
        }

        ushort* r0 = w, r1 = w + stride, r2 = w + 2 * stride, r3 = w + 3 * stride;
        nint rest = paired;
        for (; rest + 8 <= k; rest += 8)
        {
            Vector256<float> xv = Vector256.Load(x + rest);
            e0 = Vector256.FusedMultiplyAdd(Widen256(r0 + rest), xv, e0);
            e1 = Vector256.FusedMultiplyAdd(Widen256(r1 + rest), xv, e1);
            e2 = Vector256.FusedMultiplyAdd(Widen256(r2 + rest), xv, e2);
            e3 = Vector256.FusedMultiplyAdd(Widen256(r3 + rest), xv, e3);
        }

        Vector128<float> four = Sum4(e0 + o0, e1 + o1, e2 + o2, e3 + o3);
        ScalarTail(x, r0, stride, rest, k, four, sums);
    }

    // sums[t] = four[t] + x[rest, k) · row t's weights there, for the four rows of a pair path (in registers: a sum
    // kept in memory would chain every step through a store).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScalarTail(float* x, ushort* r0, nint stride, nint rest, nint k, Vector128<float> four, float* sums)
    {
        ushort* r1 = r0 + stride, r2 = r0 + 2 * stride, r3 = r0 + 3 * stride;
        float t0 = four.GetElement(0), t1 = four.GetElement(1), t2 = four.GetElement(2), t3 = four.GetElement(3);
        for (nint q = rest; q < k; q++)
        {
            float xq = x[q];
            t0 = MathF.FusedMultiplyAdd(ToSingle(r0[q]), xq, t0);
            t1 = MathF.FusedMultiplyAdd(ToSingle(r1[q]), xq, t1);
            t2 = MathF.FusedMultiplyAdd(ToSingle(r2[q]), xq, t2);
            t3 = MathF.FusedMultiplyAdd(ToSingle(r3[q]), xq, t3);
        }

        sums[0] = t0; sums[1] = t1; sums[2] = t2; sums[3] = t3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        Vector128<float> a4 = a.GetLower() + a.GetUpper(), b4 = b.GetLower() + b.GetUpper();
        Vector128<float> c4 = c.GetLower() + c.GetUpper(), d4 = d.GetLower() + d.GetUpper();
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a4, b4), Sse3.HorizontalAdd(c4, d4));
    }

    // sums[t] = x · w[t, :] for four bfloat16 rows, 32 weights a step: each 32-bit word holds two neighbouring weights,
    // the even one in its low half (shifted up: exact) and the odd one in its high half (masked: exact), matched with
    // the deinterleaved input. Two FMAs, a shift and an AND per 32 weights, against a widen, a shift and an FMA per 16.
    // The first `paired` inputs go this way, the rest as in Dot4; every row's sum is formed the same way.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4Pairs(float* x, float* reordered, int paired, nint k, ushort* w, nint stride, float* sums)
    {
        uint* w0 = (uint*)w, w1 = (uint*)(w + stride), w2 = (uint*)(w + 2 * stride), w3 = (uint*)(w + 3 * stride);
        Vector512<uint> highHalf = Vector512.Create(0xFFFF0000u);
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
        for (int q = 0; q < paired; q += 32)
        {
            Vector512<float> xe = Vector512.Load(reordered + q), xo = Vector512.Load(reordered + q + 16);
            int word = q >> 1;
            // 512 bytes ahead in each row: the L2 streamer alone keeps too few lines in flight for four rows here
            // (measured: 14% faster at 784 inputs). A prefetch never faults, also past the last row.
            int ahead = word + 128;
            Sse.Prefetch0(w0 + ahead);
            Sse.Prefetch0(w1 + ahead);
            Sse.Prefetch0(w2 + ahead);
            Sse.Prefetch0(w3 + ahead);
            Vector512<uint> p0 = Vector512.Load(w0 + word), p1 = Vector512.Load(w1 + word);
            Vector512<uint> p2 = Vector512.Load(w2 + word), p3 = Vector512.Load(w3 + word);
            e0 = Vector512.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(p0, 16).AsSingle(), xe, e0);
            o0 = Vector512.FusedMultiplyAdd(Avx512F.And(p0, highHalf).AsSingle(), xo, o0);
            e1 = Vector512.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(p1, 16).AsSingle(), xe, e1);
            o1 = Vector512.FusedMultiplyAdd(Avx512F.And(p1, highHalf).AsSingle(), xo, o1);
            e2 = Vector512.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(p2, 16).AsSingle(), xe, e2);
            o2 = Vector512.FusedMultiplyAdd(Avx512F.And(p2, highHalf).AsSingle(), xo, o2);
            e3 = Vector512.FusedMultiplyAdd(Avx512F.ShiftLeftLogical(p3, 16).AsSingle(), xe, e3);
            o3 = Vector512.FusedMultiplyAdd(Avx512F.And(p3, highHalf).AsSingle(), xo, o3);
        }

        ushort* r0 = w, r1 = w + stride, r2 = w + 2 * stride, r3 = w + 3 * stride;
        nint rest = paired;
        if (rest + 16 <= k)
        {
            // 16 more (784 = 24 * 32 + 16): widened as in Dot4, into the even sums.
            Vector512<float> xv = Vector512.Load(x + rest);
            e0 = Vector512.FusedMultiplyAdd(Widen512(r0 + rest), xv, e0);
            e1 = Vector512.FusedMultiplyAdd(Widen512(r1 + rest), xv, e1);
            e2 = Vector512.FusedMultiplyAdd(Widen512(r2 + rest), xv, e2);
            e3 = Vector512.FusedMultiplyAdd(Widen512(r3 + rest), xv, e3);
            rest += 16;
        }

        Vector128<float> four = Sum4(e0 + o0, e1 + o1, e2 + o2, e3 + o3);
        ScalarTail(x, r0, stride, rest, k, four, sums);
    }

    // The sums of four vectors' lanes, in one reduction (four Vector512.Sum calls cost about twice as much, which
    // shows on short rows: the second layer's 128-input shares in ForwardTwoLayers).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        Vector256<float> a8 = a.GetLower() + a.GetUpper(), b8 = b.GetLower() + b.GetUpper();
        Vector256<float> c8 = c.GetLower() + c.GetUpper(), d8 = d.GetLower() + d.GetUpper();
        Vector128<float> a4 = a8.GetLower() + a8.GetUpper(), b4 = b8.GetLower() + b8.GetUpper();
        Vector128<float> c4 = c8.GetLower() + c8.GetUpper(), d4 = d8.GetLower() + d8.GetUpper();
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a4, b4), Sse3.HorizontalAdd(c4, d4));
    }

    // Widens 16 bfloat16 values to floats: zero-extend to 32 bits, shift into the upper half.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen512(ushort* source) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load(source)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen256(ushort* source) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load(source)), 16).AsSingle();

    // sums[t] = x · w[t, :] for four bfloat16 rows; each row's sum is formed exactly as Dot1 forms it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(float* x, ushort* w, nint k, nint stride, float* sums)
    {
        ushort* w0 = w, w1 = w + stride, w2 = w + 2 * stride, w3 = w + 3 * stride;
        int q = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; q + 16 <= k; q += 16)
            {
                Vector512<float> xv = Vector512.Load(x + q);
                s0 = Vector512.FusedMultiplyAdd(Widen512(w0 + q), xv, s0);
                s1 = Vector512.FusedMultiplyAdd(Widen512(w1 + q), xv, s1);
                s2 = Vector512.FusedMultiplyAdd(Widen512(w2 + q), xv, s2);
                s3 = Vector512.FusedMultiplyAdd(Widen512(w3 + q), xv, s3);
            }
            sums[0] = Vector512.Sum(s0); sums[1] = Vector512.Sum(s1); sums[2] = Vector512.Sum(s2); sums[3] = Vector512.Sum(s3);
        }
        else if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; q + 8 <= k; q += 8)
            {
                Vector256<float> xv = Vector256.Load(x + q);
                s0 = Vector256.FusedMultiplyAdd(Widen256(w0 + q), xv, s0);
                s1 = Vector256.FusedMultiplyAdd(Widen256(w1 + q), xv, s1);
                s2 = Vector256.FusedMultiplyAdd(Widen256(w2 + q), xv, s2);
                s3 = Vector256.FusedMultiplyAdd(Widen256(w3 + q), xv, s3);
            }
            sums[0] = Vector256.Sum(s0); sums[1] = Vector256.Sum(s1); sums[2] = Vector256.Sum(s2); sums[3] = Vector256.Sum(s3);
        }
        else
        {
            sums[0] = sums[1] = sums[2] = sums[3] = 0f;
        }
        for (; q < k; q++)
        {
            float xq = x[q];
            sums[0] = MathF.FusedMultiplyAdd(ToSingle(w0[q]), xq, sums[0]);
            sums[1] = MathF.FusedMultiplyAdd(ToSingle(w1[q]), xq, sums[1]);
            sums[2] = MathF.FusedMultiplyAdd(ToSingle(w2[q]), xq, sums[2]);
            sums[3] = MathF.FusedMultiplyAdd(ToSingle(w3[q]), xq, sums[3]);
        }
    }

    // x · w[0, :] for one bfloat16 row, formed exactly as one row of Dot4.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot1(float* x, ushort* w, nint k)
    {
        int q = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Vector512<float> s = default;
            for (; q + 16 <= k; q += 16) s = Vector512.FusedMultiplyAdd(Widen512(w + q), Vector512.Load(x + q), s);
            sum = Vector512.Sum(s);
        }
        else if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> s = default;
            for (; q + 8 <= k; q += 8) s = Vector256.FusedMultiplyAdd(Widen256(w + q), Vector256.Load(x + q), s);
            sum = Vector256.Sum(s);
        }
        for (; q < k; q++) sum = MathF.FusedMultiplyAdd(ToSingle(w[q]), x[q], sum);
        return sum;
    }
}
