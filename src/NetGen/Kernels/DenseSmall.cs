using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Dense layers with at most <see cref="MaxUnits"/> units (a classifier's outputs, a narrow hidden layer), specialized
/// to the layer's constant shape: the generator calls these with a per-layer <see cref="IDenseShape"/> struct, so the
/// JIT compiles one copy per layer with constant trip counts and constant masks, and keeps every unit's accumulator of
/// the weight gradient in a register. Sixteen units of an output row are one Vector512 (masked loads and stores for
/// the lanes past <c>Units</c> and the inputs past the last whole vector), so the bias and the activation cost one
/// vector operation per row and block; a layer of 17 to 32 units runs its forward and weight gradient as two blocks. Everything runs on the calling thread: no dispatch, no packing, no worker pool. Where Vector512
/// is not accelerated (or a test forced Vector256) the calls go to <see cref="Dense"/>'s general kernels on one thread.
/// Results are those of <see cref="Dense"/> up to float rounding (the sums run in a different order).
/// </summary>
public static unsafe class DenseSmall
{
    /// <summary>Most units a specialized layer may have: two blocks of <see cref="BlockUnits"/>.</summary>
    public const int MaxUnits = 32;

    /// <summary>Units computed together, one Vector512 of a row's outputs: a wider layer runs as units [0, 16) and [16, Units).</summary>
    public const int BlockUnits = 16;

    /// <summary>Most inputs a specialized layer may have (64 KiB of weight at 16 units; a wider layer is a large product).</summary>
    public const int MaxInputs = 1024;

    /// <summary>Most units whose forward runs two rows at a time: 2 x 12 accumulators and 3 more vectors fit the 32 registers.</summary>
    internal const int PairedRowsMaxUnits = 12;

    /// <summary>Whether the specialized Vector512 code runs (else the general kernels do).</summary>
    public static bool Vectorized => Gemm.UseVector512 && Avx512F.IsSupported;

    /// <summary>Whether a layer of this shape may use these kernels.</summary>
    public static bool Fits(int inputs, int units) => units is >= 1 and <= MaxUnits && inputs is >= 1 and <= MaxInputs;

    // output[B,U] = activation(input[B,K] · weight[U,K]^T + bias[U]),   U = TShape.Units <= 32, K = TShape.Inputs
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
        Dense.CheckShapes(input, weight, bias, output, batch, inputs, units, nameof(input), nameof(output), nameof(bias));
        Dense.CheckFusedActivation(activation);
        if (batch == 0) return;
        if (!Vectorized)
        {
            Dense.Forward(input, weight, bias, output, batch, inputs, units, activation, parallel: false);
            return;
        }
        fixed (float* x = input, w = weight, b = bias, y = output)
        {
            ForwardRows<TShape, FirstUnits<TShape>>(x, w, b, y, batch, activation);
            if (TShape.Units > BlockUnits) ForwardRows<TShape, LastUnits<TShape>>(x, w, b, y, batch, activation);
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
        Dense.CheckShapes(input, weight, dbias, doutput, batch, inputs, units, nameof(input), nameof(doutput), nameof(dbias));
        if (dweight.Length < (long)units * inputs)
            throw new ArgumentException($"dweight holds {dweight.Length} floats; [{units}, {inputs}] needs {(long)units * inputs}.", nameof(dweight));
        if (!dinput.IsEmpty && dinput.Length < (long)batch * inputs)
            throw new ArgumentException($"dinput holds {dinput.Length} floats; [{batch}, {inputs}] needs {(long)batch * inputs}.", nameof(dinput));
        if (!Vectorized)
        {
            Dense.Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients, parallel: false);
            return;
        }
        fixed (float* g = doutput, x = input, w = weight, dx = dinput, dw = dweight, db = dbias)
        {
            if (dx != null && batch > 0) InputGradient<TShape>(g, w, dx, batch);
            WeightGradient<TShape, FirstUnits<TShape>>(g, x, dw, batch, accumulateParameterGradients);
            if (TShape.Units > BlockUnits) WeightGradient<TShape, LastUnits<TShape>>(g, x, dw, batch, accumulateParameterGradients);
            if (db != null)
            {
                BiasGradient<TShape, FirstUnits<TShape>>(g, db, batch, accumulateParameterGradients);
                if (TShape.Units > BlockUnits) BiasGradient<TShape, LastUnits<TShape>>(g, db, batch, accumulateParameterGradients);
            }
        }
    }

    // y[b,n] = act(bias[n] + x[b,:] · w[n,:]): per row, one accumulator per unit (the ones past U compiled away), each
    // 16 inputs of x loaded once for every unit, the inputs past the last whole vector read through a mask; then one
    // reduction tree turns the U accumulators into the row's U outputs, one vector.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows<TShape, TBlock>(float* x, float* w, float* b, float* y, int batch, Activation activation)
        where TShape : struct, IDenseShape where TBlock : struct, IUnitBlock
    {
        // This block's u units of the row's `stride`: their weight rows, bias and outputs start at unit u0.
        int k = TShape.Inputs, stride = TShape.Units, u = TBlock.Count, u0 = TBlock.Start, whole = k & ~15;
        w += (nint)u0 * k;
        y += u0;
        if (b != null) b += u0;
        Vector512<float> z = Vector512<float>.Zero, mask = UnitMask(u), tail = UnitMask(k & 15);
        Vector512<float> bias = b == null ? z : Avx512F.MaskLoad(b, mask, z);
        nint s = k;
        int i = 0;
        if (u <= PairedRowsMaxUnits)
        {
            // Two rows at a time: each load of a weight vector serves both rows' multiply-adds, which halves the
            // weight traffic (from L2 once the weight outgrows L1, as at 1024 inputs).
            for (; i + 2 <= batch; i += 2)
            {
                float* xi = x + (nint)i * k, xj = xi + k;
                Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z;
                Vector512<float> c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z, c8 = z, c9 = z, c10 = z, c11 = z;
                Vector512<float> q;
                float* wp = w;
                for (int p = 0; p < whole; p += 16, wp += 16)
                {
                    Vector512<float> v = Vector512.Load(xi + p), r = Vector512.Load(xj + p);
                    q = Vector512.Load(wp); a0 = Vector512.FusedMultiplyAdd(v, q, a0); c0 = Vector512.FusedMultiplyAdd(r, q, c0);
                    if (u > 1) { q = Vector512.Load(wp + s); a1 = Vector512.FusedMultiplyAdd(v, q, a1); c1 = Vector512.FusedMultiplyAdd(r, q, c1); }
                    if (u > 2) { q = Vector512.Load(wp + 2 * s); a2 = Vector512.FusedMultiplyAdd(v, q, a2); c2 = Vector512.FusedMultiplyAdd(r, q, c2); }
                    if (u > 3) { q = Vector512.Load(wp + 3 * s); a3 = Vector512.FusedMultiplyAdd(v, q, a3); c3 = Vector512.FusedMultiplyAdd(r, q, c3); }
                    if (u > 4) { q = Vector512.Load(wp + 4 * s); a4 = Vector512.FusedMultiplyAdd(v, q, a4); c4 = Vector512.FusedMultiplyAdd(r, q, c4); }
                    if (u > 5) { q = Vector512.Load(wp + 5 * s); a5 = Vector512.FusedMultiplyAdd(v, q, a5); c5 = Vector512.FusedMultiplyAdd(r, q, c5); }
                    if (u > 6) { q = Vector512.Load(wp + 6 * s); a6 = Vector512.FusedMultiplyAdd(v, q, a6); c6 = Vector512.FusedMultiplyAdd(r, q, c6); }
                    if (u > 7) { q = Vector512.Load(wp + 7 * s); a7 = Vector512.FusedMultiplyAdd(v, q, a7); c7 = Vector512.FusedMultiplyAdd(r, q, c7); }
                    if (u > 8) { q = Vector512.Load(wp + 8 * s); a8 = Vector512.FusedMultiplyAdd(v, q, a8); c8 = Vector512.FusedMultiplyAdd(r, q, c8); }
                    if (u > 9) { q = Vector512.Load(wp + 9 * s); a9 = Vector512.FusedMultiplyAdd(v, q, a9); c9 = Vector512.FusedMultiplyAdd(r, q, c9); }
                    if (u > 10) { q = Vector512.Load(wp + 10 * s); a10 = Vector512.FusedMultiplyAdd(v, q, a10); c10 = Vector512.FusedMultiplyAdd(r, q, c10); }
                    if (u > 11) { q = Vector512.Load(wp + 11 * s); a11 = Vector512.FusedMultiplyAdd(v, q, a11); c11 = Vector512.FusedMultiplyAdd(r, q, c11); }
                }
                if (whole < k)
                {
                    Vector512<float> v = Avx512F.MaskLoad(xi + whole, tail, z), r = Avx512F.MaskLoad(xj + whole, tail, z);
                    q = Avx512F.MaskLoad(wp, tail, z); a0 = Vector512.FusedMultiplyAdd(v, q, a0); c0 = Vector512.FusedMultiplyAdd(r, q, c0);
                    if (u > 1) { q = Avx512F.MaskLoad(wp + s, tail, z); a1 = Vector512.FusedMultiplyAdd(v, q, a1); c1 = Vector512.FusedMultiplyAdd(r, q, c1); }
                    if (u > 2) { q = Avx512F.MaskLoad(wp + 2 * s, tail, z); a2 = Vector512.FusedMultiplyAdd(v, q, a2); c2 = Vector512.FusedMultiplyAdd(r, q, c2); }
                    if (u > 3) { q = Avx512F.MaskLoad(wp + 3 * s, tail, z); a3 = Vector512.FusedMultiplyAdd(v, q, a3); c3 = Vector512.FusedMultiplyAdd(r, q, c3); }
                    if (u > 4) { q = Avx512F.MaskLoad(wp + 4 * s, tail, z); a4 = Vector512.FusedMultiplyAdd(v, q, a4); c4 = Vector512.FusedMultiplyAdd(r, q, c4); }
                    if (u > 5) { q = Avx512F.MaskLoad(wp + 5 * s, tail, z); a5 = Vector512.FusedMultiplyAdd(v, q, a5); c5 = Vector512.FusedMultiplyAdd(r, q, c5); }
                    if (u > 6) { q = Avx512F.MaskLoad(wp + 6 * s, tail, z); a6 = Vector512.FusedMultiplyAdd(v, q, a6); c6 = Vector512.FusedMultiplyAdd(r, q, c6); }
                    if (u > 7) { q = Avx512F.MaskLoad(wp + 7 * s, tail, z); a7 = Vector512.FusedMultiplyAdd(v, q, a7); c7 = Vector512.FusedMultiplyAdd(r, q, c7); }
                    if (u > 8) { q = Avx512F.MaskLoad(wp + 8 * s, tail, z); a8 = Vector512.FusedMultiplyAdd(v, q, a8); c8 = Vector512.FusedMultiplyAdd(r, q, c8); }
                    if (u > 9) { q = Avx512F.MaskLoad(wp + 9 * s, tail, z); a9 = Vector512.FusedMultiplyAdd(v, q, a9); c9 = Vector512.FusedMultiplyAdd(r, q, c9); }
                    if (u > 10) { q = Avx512F.MaskLoad(wp + 10 * s, tail, z); a10 = Vector512.FusedMultiplyAdd(v, q, a10); c10 = Vector512.FusedMultiplyAdd(r, q, c10); }
                    if (u > 11) { q = Avx512F.MaskLoad(wp + 11 * s, tail, z); a11 = Vector512.FusedMultiplyAdd(v, q, a11); c11 = Vector512.FusedMultiplyAdd(r, q, c11); }
                }
                float* yi = y + (nint)i * stride;
                Avx512F.MaskStore(yi, mask, Activate(SumEach(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, z, z, z, z) + bias, activation));
                Avx512F.MaskStore(yi + stride, mask, Activate(SumEach(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, z, z, z, z) + bias, activation));
            }
        }
        for (; i < batch; i++)
        {
            float* xi = x + (nint)i * k;
            Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
            float* wp = w;
            for (int p = 0; p < whole; p += 16, wp += 16)
            {
                Vector512<float> v = Vector512.Load(xi + p);
                a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp), a0);
                if (u > 1) a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + s), a1);
                if (u > 2) a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 2 * s), a2);
                if (u > 3) a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 3 * s), a3);
                if (u > 4) a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 4 * s), a4);
                if (u > 5) a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 5 * s), a5);
                if (u > 6) a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 6 * s), a6);
                if (u > 7) a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 7 * s), a7);
                if (u > 8) a8 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 8 * s), a8);
                if (u > 9) a9 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 9 * s), a9);
                if (u > 10) a10 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 10 * s), a10);
                if (u > 11) a11 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 11 * s), a11);
                if (u > 12) a12 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 12 * s), a12);
                if (u > 13) a13 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 13 * s), a13);
                if (u > 14) a14 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 14 * s), a14);
                if (u > 15) a15 = Vector512.FusedMultiplyAdd(v, Vector512.Load(wp + 15 * s), a15);
            }
            if (whole < k)
            {
                Vector512<float> v = Avx512F.MaskLoad(xi + whole, tail, z);
                a0 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp, tail, z), a0);
                if (u > 1) a1 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + s, tail, z), a1);
                if (u > 2) a2 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 2 * s, tail, z), a2);
                if (u > 3) a3 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 3 * s, tail, z), a3);
                if (u > 4) a4 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 4 * s, tail, z), a4);
                if (u > 5) a5 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 5 * s, tail, z), a5);
                if (u > 6) a6 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 6 * s, tail, z), a6);
                if (u > 7) a7 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 7 * s, tail, z), a7);
                if (u > 8) a8 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 8 * s, tail, z), a8);
                if (u > 9) a9 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 9 * s, tail, z), a9);
                if (u > 10) a10 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 10 * s, tail, z), a10);
                if (u > 11) a11 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 11 * s, tail, z), a11);
                if (u > 12) a12 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 12 * s, tail, z), a12);
                if (u > 13) a13 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 13 * s, tail, z), a13);
                if (u > 14) a14 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 14 * s, tail, z), a14);
                if (u > 15) a15 = Vector512.FusedMultiplyAdd(v, Avx512F.MaskLoad(wp + 15 * s, tail, z), a15);
            }
            Vector512<float> row = SumEach(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
            Avx512F.MaskStore(y + (nint)i * stride, mask, Activate(row + bias, activation));
        }
    }

    // Lane n = the sum of v_n's 16 lanes: 512 -> 256 -> 128 -> 64 -> 32-bit folds, each pairing two vectors with two
    // shuffles and one add (30 shuffles for 16 sums), then one permute into unit order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SumEach(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> v4, Vector512<float> v5, Vector512<float> v6, Vector512<float> v7, Vector512<float> v8, Vector512<float> v9,
        Vector512<float> v10, Vector512<float> v11, Vector512<float> v12, Vector512<float> v13, Vector512<float> v14, Vector512<float> v15)
    {
        // t_n 128-bit quarters: [v_n, v_n, v_n+8, v_n+8], each half of its source's 16 lanes.
        Vector512<float> t0 = Fold256(v0, v8), t1 = Fold256(v1, v9), t2 = Fold256(v2, v10), t3 = Fold256(v3, v11);
        Vector512<float> t4 = Fold256(v4, v12), t5 = Fold256(v5, v13), t6 = Fold256(v6, v14), t7 = Fold256(v7, v15);
        // u_n quarters: [v_n, v_n+8, v_n+4, v_n+12], four partial lanes each.
        Vector512<float> u0 = Fold128(t0, t4), u1 = Fold128(t1, t5), u2 = Fold128(t2, t6), u3 = Fold128(t3, t7);
        // w_n, per quarter: two partial lanes of u_n's source, two of u_n+2's.
        Vector512<float> w0 = Avx512F.Shuffle(u0, u2, 0x44) + Avx512F.Shuffle(u0, u2, 0xEE);
        Vector512<float> w1 = Avx512F.Shuffle(u1, u3, 0x44) + Avx512F.Shuffle(u1, u3, 0xEE);
        // r, quarter j with o = 0, 8, 4, 12: the sums of v_o, v_o+2, v_o+1, v_o+3.
        Vector512<float> r = Avx512F.Shuffle(w0, w1, 0x88) + Avx512F.Shuffle(w0, w1, 0xDD);
        return Vector512.Shuffle(r, Vector512.Create(0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold256(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x44) + Avx512F.Shuffle4x128(a, b, 0xEE);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold128(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0x88) + Avx512F.Shuffle4x128(a, b, 0xDD);

    // dx[b, :] = Σ_n g[b,n] · w[n, :]: blocks of four rows x 64 columns (16 accumulators, plain loads and stores),
    // then the columns past the last whole block and the rows past the last four in single vectors, the last one masked.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient<TShape>(float* g, float* w, float* dx, int batch) where TShape : struct, IDenseShape
    {
        int k = TShape.Inputs, u = TShape.Units, wide = k & ~63;
        int i = 0;
        for (; i + 4 <= batch; i += 4)
        {
            float* g0 = g + (nint)i * u;
            for (int c = 0; c < wide; c += 64)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
                float* wn = w + c;
                for (int n = 0; n < u; n++, wn += k)
                {
                    Vector512<float> w0 = Vector512.Load(wn), w1 = Vector512.Load(wn + 16), w2 = Vector512.Load(wn + 32), w3 = Vector512.Load(wn + 48), e;
                    e = Vector512.Create(g0[n]); a00 = Vector512.FusedMultiplyAdd(e, w0, a00); a01 = Vector512.FusedMultiplyAdd(e, w1, a01); a02 = Vector512.FusedMultiplyAdd(e, w2, a02); a03 = Vector512.FusedMultiplyAdd(e, w3, a03);
                    e = Vector512.Create(g0[u + n]); a10 = Vector512.FusedMultiplyAdd(e, w0, a10); a11 = Vector512.FusedMultiplyAdd(e, w1, a11); a12 = Vector512.FusedMultiplyAdd(e, w2, a12); a13 = Vector512.FusedMultiplyAdd(e, w3, a13);
                    e = Vector512.Create(g0[2 * u + n]); a20 = Vector512.FusedMultiplyAdd(e, w0, a20); a21 = Vector512.FusedMultiplyAdd(e, w1, a21); a22 = Vector512.FusedMultiplyAdd(e, w2, a22); a23 = Vector512.FusedMultiplyAdd(e, w3, a23);
                    e = Vector512.Create(g0[3 * u + n]); a30 = Vector512.FusedMultiplyAdd(e, w0, a30); a31 = Vector512.FusedMultiplyAdd(e, w1, a31); a32 = Vector512.FusedMultiplyAdd(e, w2, a32); a33 = Vector512.FusedMultiplyAdd(e, w3, a33);
                }
                float* d;
                d = dx + (nint)i * k + c; Vector512.Store(a00, d); Vector512.Store(a01, d + 16); Vector512.Store(a02, d + 32); Vector512.Store(a03, d + 48);
                d = dx + (nint)(i + 1) * k + c; Vector512.Store(a10, d); Vector512.Store(a11, d + 16); Vector512.Store(a12, d + 32); Vector512.Store(a13, d + 48);
                d = dx + (nint)(i + 2) * k + c; Vector512.Store(a20, d); Vector512.Store(a21, d + 16); Vector512.Store(a22, d + 32); Vector512.Store(a23, d + 48);
                d = dx + (nint)(i + 3) * k + c; Vector512.Store(a30, d); Vector512.Store(a31, d + 16); Vector512.Store(a32, d + 32); Vector512.Store(a33, d + 48);
            }
            for (int c = wide; c < k; c += 16)
            {
                Vector512<float> m = UnitMask(Math.Min(16, k - c));
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                float* wn = w + c;
                for (int n = 0; n < u; n++, wn += k)
                {
                    Vector512<float> v = Avx512F.MaskLoad(wn, m, Vector512<float>.Zero);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(g0[n]), v, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(g0[u + n]), v, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(g0[2 * u + n]), v, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(g0[3 * u + n]), v, a3);
                }
                float* d = dx + (nint)i * k + c;
                Avx512F.MaskStore(d, m, a0);
                Avx512F.MaskStore(d + k, m, a1);
                Avx512F.MaskStore(d + 2 * k, m, a2);
                Avx512F.MaskStore(d + 3 * k, m, a3);
            }
        }
        for (; i < batch; i++)
        {
            float* gi = g + (nint)i * u;
            for (int c = 0; c < k; c += 16)
            {
                Vector512<float> m = UnitMask(Math.Min(16, k - c));
                Vector512<float> a0 = default;
                float* wn = w + c;
                for (int n = 0; n < u; n++, wn += k) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(gi[n]), Avx512F.MaskLoad(wn, m, Vector512<float>.Zero), a0);
                Avx512F.MaskStore(dx + (nint)i * k + c, m, a0);
            }
        }
    }

    // dw[n, c..c+16) (+)= Σ_b g[b,n] · x[b, c..c+16): one register per unit (the ones past U compiled away), each row of
    // x loaded once per column block.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient<TShape, TBlock>(float* g, float* x, float* dw, int batch, bool accumulate)
        where TShape : struct, IDenseShape where TBlock : struct, IUnitBlock
    {
        // This block's u units: columns u0.. of g (rows `stride` apart), rows u0.. of dw.
        int k = TShape.Inputs, stride = TShape.Units, u = TBlock.Count, u0 = TBlock.Start;
        g += u0;
        dw += (nint)u0 * k;
        Vector512<float> z = Vector512<float>.Zero;
        int c = 0;
        if (u <= PairedRowsMaxUnits)
        {
            // Two vectors of columns per pass: each broadcast of g[b, n] serves two multiply-adds.
            nint s = k;
            for (; c + 16 < k; c += 32)
            {
                Vector512<float> m0 = UnitMask(16), m1 = UnitMask(Math.Min(16, k - c - 16));
                float* d = dw + c;
                Vector512<float> a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z;
                Vector512<float> c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z, c8 = z, c9 = z, c10 = z, c11 = z;
                if (accumulate)
                {
                    { a0 = Avx512F.MaskLoad(d + 0, m0, z); c0 = Avx512F.MaskLoad(d + 16, m1, z); }
                    if (u > 1) { a1 = Avx512F.MaskLoad(d + s, m0, z); c1 = Avx512F.MaskLoad(d + s + 16, m1, z); }
                    if (u > 2) { a2 = Avx512F.MaskLoad(d + 2 * s, m0, z); c2 = Avx512F.MaskLoad(d + 2 * s + 16, m1, z); }
                    if (u > 3) { a3 = Avx512F.MaskLoad(d + 3 * s, m0, z); c3 = Avx512F.MaskLoad(d + 3 * s + 16, m1, z); }
                    if (u > 4) { a4 = Avx512F.MaskLoad(d + 4 * s, m0, z); c4 = Avx512F.MaskLoad(d + 4 * s + 16, m1, z); }
                    if (u > 5) { a5 = Avx512F.MaskLoad(d + 5 * s, m0, z); c5 = Avx512F.MaskLoad(d + 5 * s + 16, m1, z); }
                    if (u > 6) { a6 = Avx512F.MaskLoad(d + 6 * s, m0, z); c6 = Avx512F.MaskLoad(d + 6 * s + 16, m1, z); }
                    if (u > 7) { a7 = Avx512F.MaskLoad(d + 7 * s, m0, z); c7 = Avx512F.MaskLoad(d + 7 * s + 16, m1, z); }
                    if (u > 8) { a8 = Avx512F.MaskLoad(d + 8 * s, m0, z); c8 = Avx512F.MaskLoad(d + 8 * s + 16, m1, z); }
                    if (u > 9) { a9 = Avx512F.MaskLoad(d + 9 * s, m0, z); c9 = Avx512F.MaskLoad(d + 9 * s + 16, m1, z); }
                    if (u > 10) { a10 = Avx512F.MaskLoad(d + 10 * s, m0, z); c10 = Avx512F.MaskLoad(d + 10 * s + 16, m1, z); }
                    if (u > 11) { a11 = Avx512F.MaskLoad(d + 11 * s, m0, z); c11 = Avx512F.MaskLoad(d + 11 * s + 16, m1, z); }
                }
                float* xb = x + c;
                float* gb = g;
                for (int i = 0; i < batch; i++, xb += k, gb += stride)
                {
                    Vector512<float> v0 = Vector512.Load(xb), v1 = Avx512F.MaskLoad(xb + 16, m1, z), e;
                    { e = Vector512.Create(gb[0]); a0 = Vector512.FusedMultiplyAdd(e, v0, a0); c0 = Vector512.FusedMultiplyAdd(e, v1, c0); }
                    if (u > 1) { e = Vector512.Create(gb[1]); a1 = Vector512.FusedMultiplyAdd(e, v0, a1); c1 = Vector512.FusedMultiplyAdd(e, v1, c1); }
                    if (u > 2) { e = Vector512.Create(gb[2]); a2 = Vector512.FusedMultiplyAdd(e, v0, a2); c2 = Vector512.FusedMultiplyAdd(e, v1, c2); }
                    if (u > 3) { e = Vector512.Create(gb[3]); a3 = Vector512.FusedMultiplyAdd(e, v0, a3); c3 = Vector512.FusedMultiplyAdd(e, v1, c3); }
                    if (u > 4) { e = Vector512.Create(gb[4]); a4 = Vector512.FusedMultiplyAdd(e, v0, a4); c4 = Vector512.FusedMultiplyAdd(e, v1, c4); }
                    if (u > 5) { e = Vector512.Create(gb[5]); a5 = Vector512.FusedMultiplyAdd(e, v0, a5); c5 = Vector512.FusedMultiplyAdd(e, v1, c5); }
                    if (u > 6) { e = Vector512.Create(gb[6]); a6 = Vector512.FusedMultiplyAdd(e, v0, a6); c6 = Vector512.FusedMultiplyAdd(e, v1, c6); }
                    if (u > 7) { e = Vector512.Create(gb[7]); a7 = Vector512.FusedMultiplyAdd(e, v0, a7); c7 = Vector512.FusedMultiplyAdd(e, v1, c7); }
                    if (u > 8) { e = Vector512.Create(gb[8]); a8 = Vector512.FusedMultiplyAdd(e, v0, a8); c8 = Vector512.FusedMultiplyAdd(e, v1, c8); }
                    if (u > 9) { e = Vector512.Create(gb[9]); a9 = Vector512.FusedMultiplyAdd(e, v0, a9); c9 = Vector512.FusedMultiplyAdd(e, v1, c9); }
                    if (u > 10) { e = Vector512.Create(gb[10]); a10 = Vector512.FusedMultiplyAdd(e, v0, a10); c10 = Vector512.FusedMultiplyAdd(e, v1, c10); }
                    if (u > 11) { e = Vector512.Create(gb[11]); a11 = Vector512.FusedMultiplyAdd(e, v0, a11); c11 = Vector512.FusedMultiplyAdd(e, v1, c11); }
                }
                { Avx512F.MaskStore(d + 0, m0, a0); Avx512F.MaskStore(d + 16, m1, c0); }
                if (u > 1) { Avx512F.MaskStore(d + s, m0, a1); Avx512F.MaskStore(d + s + 16, m1, c1); }
                if (u > 2) { Avx512F.MaskStore(d + 2 * s, m0, a2); Avx512F.MaskStore(d + 2 * s + 16, m1, c2); }
                if (u > 3) { Avx512F.MaskStore(d + 3 * s, m0, a3); Avx512F.MaskStore(d + 3 * s + 16, m1, c3); }
                if (u > 4) { Avx512F.MaskStore(d + 4 * s, m0, a4); Avx512F.MaskStore(d + 4 * s + 16, m1, c4); }
                if (u > 5) { Avx512F.MaskStore(d + 5 * s, m0, a5); Avx512F.MaskStore(d + 5 * s + 16, m1, c5); }
                if (u > 6) { Avx512F.MaskStore(d + 6 * s, m0, a6); Avx512F.MaskStore(d + 6 * s + 16, m1, c6); }
                if (u > 7) { Avx512F.MaskStore(d + 7 * s, m0, a7); Avx512F.MaskStore(d + 7 * s + 16, m1, c7); }
                if (u > 8) { Avx512F.MaskStore(d + 8 * s, m0, a8); Avx512F.MaskStore(d + 8 * s + 16, m1, c8); }
                if (u > 9) { Avx512F.MaskStore(d + 9 * s, m0, a9); Avx512F.MaskStore(d + 9 * s + 16, m1, c9); }
                if (u > 10) { Avx512F.MaskStore(d + 10 * s, m0, a10); Avx512F.MaskStore(d + 10 * s + 16, m1, c10); }
                if (u > 11) { Avx512F.MaskStore(d + 11 * s, m0, a11); Avx512F.MaskStore(d + 11 * s + 16, m1, c11); }
            }
        }
        for (; c < k; c += 16)
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
            for (int i = 0; i < batch; i++, xb += k, gb += stride)
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
    private static void BiasGradient<TShape, TBlock>(float* g, float* db, int batch, bool accumulate)
        where TShape : struct, IDenseShape where TBlock : struct, IUnitBlock
    {
        int u = TBlock.Count, stride = TShape.Units;
        g += TBlock.Start;
        db += TBlock.Start;
        Vector512<float> mask = UnitMask(u), z = Vector512<float>.Zero;
        Vector512<float> s0 = accumulate ? Avx512F.MaskLoad(db, mask, z) : z, s1 = z;
        int i = 0;
        for (; i + 2 <= batch; i += 2)
        {
            s0 += Avx512F.MaskLoad(g + (nint)i * stride, mask, z);
            s1 += Avx512F.MaskLoad(g + (nint)(i + 1) * stride, mask, z);
        }
        if (i < batch) s0 += Avx512F.MaskLoad(g + (nint)i * stride, mask, z);
        Avx512F.MaskStore(db, mask, s0 + s1);
    }

    /// <summary>A block of at most 16 of a layer's units, [Start, Start + Count), as constants for the JIT.</summary>
    internal interface IUnitBlock
    {
        static abstract int Start { get; }

        static abstract int Count { get; }
    }

    /// <summary>Units [0, min(Units, 16)).</summary>
    internal readonly struct FirstUnits<TShape> : IUnitBlock where TShape : struct, IDenseShape
    {
        public static int Start => 0;

        public static int Count => Math.Min(TShape.Units, BlockUnits);
    }

    /// <summary>Units [16, Units) of a layer of 17 to 32 units.</summary>
    internal readonly struct LastUnits<TShape> : IUnitBlock where TShape : struct, IDenseShape
    {
        public static int Start => BlockUnits;

        public static int Count => TShape.Units - BlockUnits;
    }

    /// <summary>Lanes [0, count) set (all bits), the rest clear: the mask of a row of <paramref name="count"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> UnitMask(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Activate(Vector512<float> v, Activation activation) => activation switch
    {
        Activation.ReLU => Vector512.Max(v, Vector512<float>.Zero),
        Activation.Sigmoid => Vector512<float>.One / (Vector512<float>.One + RecurrentMath.Exp(-v)),
        Activation.Tanh => Vector512<float>.One - Vector512.Create(2f) / (RecurrentMath.Exp(v + v) + Vector512<float>.One),
        _ => v,
    };

    private static void CheckShape(int inputs, int units)
    {
        if (!Fits(inputs, units))
            throw new ArgumentOutOfRangeException(nameof(IDenseShape),
                $"A specialized dense layer has 1 to {MaxUnits} units and 1 to {MaxInputs} inputs; this shape has {units} units and {inputs} inputs.");
    }
}
