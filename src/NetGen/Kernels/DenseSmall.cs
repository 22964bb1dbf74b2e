using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Dense layers with at most <see cref="MaxUnits"/> units (a classifier's outputs, a narrow hidden layer), specialized
/// to the layer's constant shape: the generator calls these with a per-layer <see cref="IDenseShape"/> struct, so the
/// JIT compiles one copy per layer with constant trip counts and constant masks, and keeps every unit's accumulator of
/// the weight gradient in a register. One output row of such a layer is one Vector512 (masked loads and stores for the
/// lanes past <c>Units</c> and the inputs past the last whole vector), so the bias and the activation cost one vector
/// operation per row. Everything runs on the calling thread: no dispatch, no packing, no worker pool. Where Vector512
/// is not accelerated (or a test forced Vector256) the calls go to <see cref="Dense"/>'s general kernels on one thread.
/// Results are those of <see cref="Dense"/> up to float rounding (the sums run in a different order).
/// </summary>
public static unsafe class DenseSmall
{
    /// <summary>Most units a specialized layer may have: one Vector512 of floats.</summary>
    public const int MaxUnits = 16;

    /// <summary>Most inputs a specialized layer may have: forward transposes the weight into [inputs, 16] floats on the stack (64 KiB at most).</summary>
    public const int MaxInputs = 1024;

    /// <summary>
    /// Rows from which forward transposes the weight ([units, inputs] to [inputs, 16]) and multiplies by broadcasts:
    /// under it (one-sample inference) each output is a dot product of two contiguous rows, as transposing costs more
    /// than the product itself.
    /// </summary>
    internal const int TransposeRows = 8;

    /// <summary>Whether the specialized Vector512 code runs (else the general kernels do).</summary>
    public static bool Vectorized => Gemm.UseVector512 && Avx512F.IsSupported;

    /// <summary>Whether a layer of this shape may use these kernels.</summary>
    public static bool Fits(int inputs, int units) => units is >= 1 and <= MaxUnits && inputs is >= 1 and <= MaxInputs;

    // output[B,U] = activation(input[B,K] · weight[U,K]^T + bias[U]),   U = TShape.Units <= 16, K = TShape.Inputs
    /// <summary>
    /// output[batch, units] = activation(input[batch, inputs] · weight[units, inputs]^T + bias[units]) for the shape
    /// <typeparamref name="TShape"/>, on the calling thread, as
    /// <see cref="Dense.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation, bool)"/>:
    /// an empty <paramref name="bias"/> for none, Identity, ReLU, Sigmoid or Tanh fused, <paramref name="output"/> overwritten.
    /// </summary>
    public static void Forward<TShape>(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, Activation activation) where TShape : struct, IDenseShape
    {
        int inputs = TShape.Inputs, units = TShape.Units;
        CheckShape(inputs, units);
        CheckSpans(input, weight, bias, output, batch, inputs, units, nameof(input), nameof(output), nameof(bias));
        Dense.CheckFusedActivation(activation);
        if (batch == 0) return;
        if (!Vectorized)
        {
            Dense.Forward(input, weight, bias, output, batch, inputs, units, activation, parallel: false);
            return;
        }
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            if (batch < TransposeRows) ForwardDots<TShape>(x, w, b, y, batch, activation);
            else ForwardBroadcast<TShape>(x, w, b, y, batch, activation);
        }
    }

    // dinput[B,K] = doutput[B,U] · weight[U,K];  dweight[U,K] (+)= doutput^T · input;  dbias[U] (+)= sum_b doutput[b,:]
    /// <summary>
    /// Gradients of <see cref="Forward{TShape}"/> (its activation's backward already applied to
    /// <paramref name="doutput"/>), as
    /// <see cref="Dense.Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, int, bool, bool)"/>:
    /// dinput is OVERWRITTEN (skipped when empty); dweight and dbias are ACCUMULATED when
    /// <paramref name="accumulateParameterGradients"/>, else OVERWRITTEN (dbias skipped when empty).
    /// </summary>
    public static void Backward<TShape>(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, int batch, bool accumulateParameterGradients) where TShape : struct, IDenseShape
    {
        int inputs = TShape.Inputs, units = TShape.Units;
        CheckShape(inputs, units);
        CheckSpans(input, weight, dbias, doutput, batch, inputs, units, nameof(input), nameof(doutput), nameof(dbias));
        if (dweight.Length < units * inputs)
            throw new ArgumentException($"dweight holds {dweight.Length} floats; [{units}, {inputs}] needs {units * inputs}.", nameof(dweight));
        if (!dinput.IsEmpty && dinput.Length < batch * inputs)
            throw new ArgumentException($"dinput holds {dinput.Length} floats; [{batch}, {inputs}] needs {batch * inputs}.", nameof(dinput));
        if (!Vectorized)
        {
            Dense.Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients, parallel: false);
            return;
        }
        fixed (float* g = doutput, x = input, w = weight, dx = dinput, dw = dweight, db = dbias)
        {
            if (dx != null && batch > 0) InputGradient<TShape>(g, w, dx, batch);
            WeightGradient<TShape>(g, x, dw, batch, accumulateParameterGradients);
            if (db != null) BiasGradient<TShape>(g, db, batch, accumulateParameterGradients);
        }
    }

    // y[b,:] = act(bias + Σ_k x[b,k] · wt[k,:]) with wt[K,16] the transposed weight (lanes past U zero): eight rows at a
    // time share each load of wt; every row's U outputs are one vector.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardBroadcast<TShape>(float* x, float* w, float* b, float* y, int batch, Activation activation)
        where TShape : struct, IDenseShape
    {
        int k = TShape.Inputs, u = TShape.Units;
        float* wt = stackalloc float[TShape.Inputs * MaxUnits];   // zeroed: the lanes past U stay 0
        for (int n = 0; n < u; n++)
        {
            float* row = w + (nint)n * k;
            for (int p = 0; p < k; p++) wt[p * MaxUnits + n] = row[p];
        }
        Vector512<float> mask = UnitMask(u);
        Vector512<float> bias = b == null ? Vector512<float>.Zero : Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
        int i = 0;
        for (; i + 8 <= batch; i += 8)
        {
            float* x0 = x + (nint)i * k;
            Vector512<float> c0 = bias, c1 = bias, c2 = bias, c3 = bias, c4 = bias, c5 = bias, c6 = bias, c7 = bias;
            nint s = k;
            for (int p = 0; p < k; p++)
            {
                Vector512<float> v = Vector512.Load(wt + p * MaxUnits);
                float* xp = x0 + p;
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[0]), v, c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[s]), v, c1);
                c2 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[2 * s]), v, c2);
                c3 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[3 * s]), v, c3);
                c4 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[4 * s]), v, c4);
                c5 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[5 * s]), v, c5);
                c6 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[6 * s]), v, c6);
                c7 = Vector512.FusedMultiplyAdd(Vector512.Create(xp[7 * s]), v, c7);
            }
            float* yi = y + (nint)i * u;
            Avx512F.MaskStore(yi, mask, Activate(c0, activation));
            Avx512F.MaskStore(yi + u, mask, Activate(c1, activation));
            Avx512F.MaskStore(yi + 2 * u, mask, Activate(c2, activation));
            Avx512F.MaskStore(yi + 3 * u, mask, Activate(c3, activation));
            Avx512F.MaskStore(yi + 4 * u, mask, Activate(c4, activation));
            Avx512F.MaskStore(yi + 5 * u, mask, Activate(c5, activation));
            Avx512F.MaskStore(yi + 6 * u, mask, Activate(c6, activation));
            Avx512F.MaskStore(yi + 7 * u, mask, Activate(c7, activation));
        }
        for (; i < batch; i++)
        {
            float* xi = x + (nint)i * k;
            Vector512<float> c0 = bias, c1 = Vector512<float>.Zero;
            int p = 0;
            for (; p + 2 <= k; p += 2)
            {
                c0 = Vector512.FusedMultiplyAdd(Vector512.Create(xi[p]), Vector512.Load(wt + p * MaxUnits), c0);
                c1 = Vector512.FusedMultiplyAdd(Vector512.Create(xi[p + 1]), Vector512.Load(wt + (p + 1) * MaxUnits), c1);
            }
            if (p < k) c0 = Vector512.FusedMultiplyAdd(Vector512.Create(xi[p]), Vector512.Load(wt + p * MaxUnits), c0);
            Avx512F.MaskStore(y + (nint)i * u, mask, Activate(c0 + c1, activation));
        }
    }

    // y[b,n] = act(bias[n] + x[b,:] · w[n,:]) for a few rows: dot products of contiguous rows, the inputs past the last
    // whole vector read through a mask.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardDots<TShape>(float* x, float* w, float* b, float* y, int batch, Activation activation)
        where TShape : struct, IDenseShape
    {
        int k = TShape.Inputs, u = TShape.Units;
        Vector512<float> mask = UnitMask(u), tail = UnitMask(k & 15);
        Vector512<float> bias = b == null ? Vector512<float>.Zero : Avx512F.MaskLoad(b, mask, Vector512<float>.Zero);
        float* sums = stackalloc float[MaxUnits];
        for (int i = 0; i < batch; i++)
        {
            float* xi = x + (nint)i * k;
            for (int n = 0; n < u; n++)
            {
                float* wn = w + (nint)n * k;
                Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
                int p = 0;
                for (; p + 32 <= k; p += 32)
                {
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xi + p), Vector512.Load(wn + p), s0);
                    s1 = Vector512.FusedMultiplyAdd(Vector512.Load(xi + p + 16), Vector512.Load(wn + p + 16), s1);
                }
                if (p + 16 <= k)
                {
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xi + p), Vector512.Load(wn + p), s0);
                    p += 16;
                }
                if (p < k)
                {
                    s1 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(xi + p, tail, Vector512<float>.Zero),
                        Avx512F.MaskLoad(wn + p, tail, Vector512<float>.Zero), s1);
                }
                sums[n] = Vector512.Sum(s0 + s1);
            }
            Vector512<float> row = Avx512F.MaskLoad(sums, mask, Vector512<float>.Zero) + bias;
            Avx512F.MaskStore(y + (nint)i * u, mask, Activate(row, activation));
        }
    }

    // dx[b, c..c+32) = Σ_n g[b,n] · w[n, c..c+32): four rows x two vectors of columns per block, the columns past K masked.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient<TShape>(float* g, float* w, float* dx, int batch) where TShape : struct, IDenseShape
    {
        int k = TShape.Inputs, u = TShape.Units;
        for (int c = 0; c < k; c += 32)
        {
            Vector512<float> m0 = UnitMask(Math.Min(16, k - c)), m1 = UnitMask(Math.Clamp(k - c - 16, 0, 16));
            float* wc = w + c;
            int i = 0;
            for (; i + 4 <= batch; i += 4)
            {
                float* g0 = g + (nint)i * u;
                Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
                Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
                for (int n = 0; n < u; n++)
                {
                    float* wn = wc + (nint)n * k;
                    Vector512<float> w0 = Avx512F.MaskLoad(wn, m0, Vector512<float>.Zero), w1 = Avx512F.MaskLoad(wn + 16, m1, Vector512<float>.Zero), e;
                    e = Vector512.Create(g0[n]); a00 = Vector512.FusedMultiplyAdd(e, w0, a00); a01 = Vector512.FusedMultiplyAdd(e, w1, a01);
                    e = Vector512.Create(g0[u + n]); a10 = Vector512.FusedMultiplyAdd(e, w0, a10); a11 = Vector512.FusedMultiplyAdd(e, w1, a11);
                    e = Vector512.Create(g0[2 * u + n]); a20 = Vector512.FusedMultiplyAdd(e, w0, a20); a21 = Vector512.FusedMultiplyAdd(e, w1, a21);
                    e = Vector512.Create(g0[3 * u + n]); a30 = Vector512.FusedMultiplyAdd(e, w0, a30); a31 = Vector512.FusedMultiplyAdd(e, w1, a31);
                }
                float* d = dx + (nint)i * k + c;
                Avx512F.MaskStore(d, m0, a00); Avx512F.MaskStore(d + 16, m1, a01); d += k;
                Avx512F.MaskStore(d, m0, a10); Avx512F.MaskStore(d + 16, m1, a11); d += k;
                Avx512F.MaskStore(d, m0, a20); Avx512F.MaskStore(d + 16, m1, a21); d += k;
                Avx512F.MaskStore(d, m0, a30); Avx512F.MaskStore(d + 16, m1, a31);
            }
            for (; i < batch; i++)
            {
                float* gi = g + (nint)i * u;
                Vector512<float> a0 = default, a1 = default;
                for (int n = 0; n < u; n++)
                {
                    float* wn = wc + (nint)n * k;
                    Vector512<float> e = Vector512.Create(gi[n]);
                    a0 = Vector512.FusedMultiplyAdd(e, Avx512F.MaskLoad(wn, m0, Vector512<float>.Zero), a0);
                    a1 = Vector512.FusedMultiplyAdd(e, Avx512F.MaskLoad(wn + 16, m1, Vector512<float>.Zero), a1);
                }
                float* d = dx + (nint)i * k + c;
                Avx512F.MaskStore(d, m0, a0);
                Avx512F.MaskStore(d + 16, m1, a1);
            }
        }
    }

    // dw[n, c..c+16) (+)= Σ_b g[b,n] · x[b, c..c+16): one register per unit (the ones past U compiled away), each row of
    // x loaded once per column block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient<TShape>(float* g, float* x, float* dw, int batch, bool accumulate) where TShape : struct, IDenseShape
    {
        int k = TShape.Inputs, u = TShape.Units;
        Vector512<float> z = Vector512<float>.Zero;
        for (int c = 0; c < k; c += 16)
        {
            Vector512<float> m = UnitMask(Math.Min(16, k - c));
            float* d = dw + c;
            nint s = k;
            Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
            Vector512<float> a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
            if (accumulate)
            {
                a0 = Avx512F.MaskLoad(d, m, z);
                if (u > 1) a1 = Avx512F.MaskLoad(d + s, m, z);
                if (u > 2) a2 = Avx512F.MaskLoad(d + 2 * s, m, z);
                if (u > 3) a3 = Avx512F.MaskLoad(d + 3 * s, m, z);
                if (u > 4) a4 = Avx512F.MaskLoad(d + 4 * s, m, z);
                if (u > 5) a5 = Avx512F.MaskLoad(d + 5 * s, m, z);
                if (u > 6) a6 = Avx512F.MaskLoad(d + 6 * s, m, z);
                if (u > 7) a7 = Avx512F.MaskLoad(d + 7 * s, m, z);
                if (u > 8) a8 = Avx512F.MaskLoad(d + 8 * s, m, z);
                if (u > 9) a9 = Avx512F.MaskLoad(d + 9 * s, m, z);
                if (u > 10) a10 = Avx512F.MaskLoad(d + 10 * s, m, z);
                if (u > 11) a11 = Avx512F.MaskLoad(d + 11 * s, m, z);
                if (u > 12) a12 = Avx512F.MaskLoad(d + 12 * s, m, z);
                if (u > 13) a13 = Avx512F.MaskLoad(d + 13 * s, m, z);
                if (u > 14) a14 = Avx512F.MaskLoad(d + 14 * s, m, z);
                if (u > 15) a15 = Avx512F.MaskLoad(d + 15 * s, m, z);
            }
            float* xb = x + c;
            float* gb = g;
            for (int i = 0; i < batch; i++, xb += k, gb += u)
            {
                Vector512<float> v = Avx512F.MaskLoad(xb, m, z);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[0]), v, a0);
                if (u > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[1]), v, a1);
                if (u > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[2]), v, a2);
                if (u > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[3]), v, a3);
                if (u > 4) a4 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[4]), v, a4);
                if (u > 5) a5 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[5]), v, a5);
                if (u > 6) a6 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[6]), v, a6);
                if (u > 7) a7 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[7]), v, a7);
                if (u > 8) a8 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[8]), v, a8);
                if (u > 9) a9 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[9]), v, a9);
                if (u > 10) a10 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[10]), v, a10);
                if (u > 11) a11 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[11]), v, a11);
                if (u > 12) a12 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[12]), v, a12);
                if (u > 13) a13 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[13]), v, a13);
                if (u > 14) a14 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[14]), v, a14);
                if (u > 15) a15 = Vector512.FusedMultiplyAdd(Vector512.Create(gb[15]), v, a15);
            }
            Avx512F.MaskStore(d, m, a0);
            if (u > 1) Avx512F.MaskStore(d + s, m, a1);
            if (u > 2) Avx512F.MaskStore(d + 2 * s, m, a2);
            if (u > 3) Avx512F.MaskStore(d + 3 * s, m, a3);
            if (u > 4) Avx512F.MaskStore(d + 4 * s, m, a4);
            if (u > 5) Avx512F.MaskStore(d + 5 * s, m, a5);
            if (u > 6) Avx512F.MaskStore(d + 6 * s, m, a6);
            if (u > 7) Avx512F.MaskStore(d + 7 * s, m, a7);
            if (u > 8) Avx512F.MaskStore(d + 8 * s, m, a8);
            if (u > 9) Avx512F.MaskStore(d + 9 * s, m, a9);
            if (u > 10) Avx512F.MaskStore(d + 10 * s, m, a10);
            if (u > 11) Avx512F.MaskStore(d + 11 * s, m, a11);
            if (u > 12) Avx512F.MaskStore(d + 12 * s, m, a12);
            if (u > 13) Avx512F.MaskStore(d + 13 * s, m, a13);
            if (u > 14) Avx512F.MaskStore(d + 14 * s, m, a14);
            if (u > 15) Avx512F.MaskStore(d + 15 * s, m, a15);
        }
    }

    // db[:U] (+)= Σ_b g[b, :U]: each row of g is one masked vector.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasGradient<TShape>(float* g, float* db, int batch, bool accumulate) where TShape : struct, IDenseShape
    {
        int u = TShape.Units;
        Vector512<float> mask = UnitMask(u), z = Vector512<float>.Zero;
        Vector512<float> s0 = accumulate ? Avx512F.MaskLoad(db, mask, z) : z, s1 = z;
        int i = 0;
        for (; i + 2 <= batch; i += 2)
        {
            s0 += Avx512F.MaskLoad(g + (nint)i * u, mask, z);
            s1 += Avx512F.MaskLoad(g + (nint)(i + 1) * u, mask, z);
        }
        if (i < batch) s0 += Avx512F.MaskLoad(g + (nint)i * u, mask, z);
        Avx512F.MaskStore(db, mask, s0 + s1);
    }

    /// <summary>Lanes [0, count) set (all bits), the rest clear: the mask of a row of <paramref name="count"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> UnitMask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Activate(Vector512<float> v, Activation activation) => activation switch
    {
        Activation.ReLU => Vector512.Max(v, Vector512<float>.Zero),
        Activation.Sigmoid => Vector512<float>.One / (Vector512<float>.One + Exp(-v)),
        Activation.Tanh => Vector512<float>.One - Vector512.Create(2f) / (Exp(v + v) + Vector512<float>.One),
        _ => v,
    };

    // e^x, Cephes' expf on 16 lanes (RecurrentMath.Exp's polynomial): x clamped to the normal range, relative error ~1e-7.
    // Vector512.Exp is far slower here (RecurrentMath's remarks).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.33654f)), Vector512.Create(88.37626f));
        Vector512<float> n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504f), Vector512.Create(0.5f)));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        Vector512<int> exponent = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23);
        return p * exponent.AsSingle();
    }

    private static void CheckShape(int inputs, int units)
    {
        if (!Fits(inputs, units))
            throw new ArgumentOutOfRangeException(nameof(IDenseShape),
                $"A specialized dense layer has 1 to {MaxUnits} units and 1 to {MaxInputs} inputs; this shape has {units} units and {inputs} inputs.");
    }

    private static void CheckSpans(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> output,
        int batch, int inputs, int units, string inputName, string outputName, string biasName)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (input.Length < batch * inputs)
            throw new ArgumentException($"{inputName} holds {input.Length} floats; [{batch}, {inputs}] needs {batch * inputs}.", inputName);
        if (weight.Length < units * inputs)
            throw new ArgumentException($"weight holds {weight.Length} floats; [{units}, {inputs}] needs {units * inputs}.", nameof(weight));
        if (output.Length < batch * units)
            throw new ArgumentException($"{outputName} holds {output.Length} floats; [{batch}, {units}] needs {batch * units}.", outputName);
        if (!bias.IsEmpty && bias.Length < units)
            throw new ArgumentException($"{biasName} holds {bias.Length} floats; [{units}] needs {units} (or pass an empty span for no bias).", biasName);
    }
}
