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
/// .NET 10 exposes no AVX512_BF16 intrinsics (no <c>vdpbf16ps</c>), so each weight is widened to float in registers
/// (zero-extend 16 bits to 32, shift left 16: exact) and multiplied in float with FMA. The error against the float
/// layer comes from the weights' rounding alone: at most 2^-9 of each weight.
/// </remarks>
public static unsafe class DenseBfloat16
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
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (inputs <= 0) throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "inputs must be > 0.");
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "units must be > 0.");
        if (input.Length < batch * inputs)
            throw new ArgumentException($"input holds {input.Length} floats; [{batch}, {inputs}] needs {batch * inputs}.", nameof(input));
        if (weight.Length < units * inputs)
            throw new ArgumentException($"weight holds {weight.Length} values; [{units}, {inputs}] needs {units * inputs}.", nameof(weight));
        if (output.Length < batch * units)
            throw new ArgumentException($"output holds {output.Length} floats; [{batch}, {units}] needs {batch * units}.", nameof(output));
        if (!bias.IsEmpty && bias.Length < units)
            throw new ArgumentException($"bias holds {bias.Length} floats; [{units}] needs {units} (or pass an empty span for no bias).", nameof(bias));
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
            if (parts > 1) pool.Run(&Part, &layer, parts);
            else Part(&layer, 0, 1);
        }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Part(void* context, int part, int parts)
    {
        ref Layer layer = ref *(Layer*)context;
        int groups = (layer.Units + 3) / 4;
        int start = groups * part / parts * 4;
        int end = Math.Min(layer.Units, groups * (part + 1) / parts * 4);
        if (start >= end) return;
        int k = layer.Inputs;
        for (int b = 0; b < layer.Batch; b++)
        {
            float* x = layer.Input + (nint)b * k;
            float* y = layer.Output + (nint)b * layer.Units;
            int n = start;
            for (; n + 4 <= end; n += 4) Dot4(x, layer.Weight + (nint)n * k, k, y + n);
            for (; n < end; n++) y[n] = Dot1(x, layer.Weight + (nint)n * k, k);
            var row = new Span<float>(y + start, end - start);
            if (layer.Bias != null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(layer.Bias + start, end - start), row);
            if (layer.Activation != Activation.Identity) Activations.Forward(layer.Activation, row, row);
        }
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
    private static void Dot4(float* x, ushort* w, nint k, float* sums)
    {
        ushort* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
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
