using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Threading;

namespace NetGen.Kernels;

/// <summary>
/// The gate functions of the fused recurrent cell loops (<see cref="SimpleRnn"/>, <see cref="Lstm"/>, <see cref="Gru"/>),
/// on sixteen lanes (AVX-512), eight lanes and one float, the bias-gradient column sums, and the split of a pass across threads.
/// </summary>
/// <remarks>
/// sigmoid(x) = 1 / (1 + e^-x) and tanh(x) = 1 - 2 / (e^2x + 1) on <see cref="Exp(Vector256{float})"/>, Cephes' expf (range reduction by
/// ln 2 in two parts, a degree-6 polynomial, the exponent written into the bits; relative error ~1e-7): measured here,
/// <see cref="Vector256.Exp(Vector256{float})"/> costs ~3 ns per lane (about a scalar loop), which made the gate
/// activations the larger part of a step at hidden sizes of 32. Both functions saturate to 0, 1 or -1 at the extremes
/// (no NaN from inf / inf); their absolute error stays below 2e-7. The scalar forms serve the lanes past the last
/// whole vector.
/// </remarks>
internal static class RecurrentMath
{
    /// <summary>Lanes per vector of the fused loops.</summary>
    public const int Lanes = 8;

    /// <summary>Whether the fused loops run on vectors (else every lane is a scalar tail).</summary>
    public static bool Vectorized => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
        => Vector256<float>.One - Vector256.Create(2f) / (Exp(x + x) + Vector256<float>.One);

    // e^x for x clamped to [-87.34, 88.38] (the normal range; beyond it the gates have saturated anyway).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33654f)), Vector256.Create(88.37626f));
        Vector256<float> n = Vector256.Floor(Vector256.FusedMultiplyAdd(x, Vector256.Create(1.44269504f), Vector256.Create(0.5f)));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        Vector256<int> exponent = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23);
        return p * exponent.AsSingle();
    }

    /// <summary>Lanes per Vector512 of the fused loops (where <see cref="Vectorized512"/>).</summary>
    public const int Lanes512 = 16;

    /// <summary>Whether the fused loops run on Vector512 first (AVX-512, unless a test forced Vector256 on this thread).</summary>
    public static bool Vectorized512 => Gemm.UseVector512 && Avx512F.IsSupported;

    // sigmoid(x) = 1 / (1 + e^-x) on 16 lanes, the division replaced by a reciprocal estimate (14 bits) and one
    // Newton step (r + r (1 - d r), about 28 bits): a third of a division's cost. e^-x stays a normal float (Exp's
    // clamp), so d is finite and the estimate never meets an infinity.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Reciprocal(Vector512<float>.One + Exp(-x));

    // tanh(x) = 1 - 2 / (e^2x + 1) on 16 lanes, with Sigmoid's reciprocal.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
        => Vector512.FusedMultiplyAdd(Vector512.Create(-2f), Reciprocal(Exp(x + x) + Vector512<float>.One), Vector512<float>.One);

    // 1 / d for d in [1, 3e38]: VRCP14PS, then one Newton-Raphson step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reciprocal(Vector512<float> d)
    {
        Vector512<float> r = Avx512F.Reciprocal14(d);
        return Vector512.FusedMultiplyAdd(r, Avx512F.FusedMultiplyAddNegated(d, r, Vector512<float>.One), r);
    }

    // e^x, Exp's Cephes polynomial on 16 lanes, x clamped to [-87, 88.38] so that the result stays a normal float
    // (e^-87 = 1.6e-38: a denormal would cost a microcode assist, and no sigmoid, tanh or softmax term that small
    // matters); the exponent is applied by VSCALEFPS (p * 2^n) instead of building it in the bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-87f)), Vector512.Create(88.37626f));
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
        return Avx512F.Scale(p, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Passes with fewer multiply-adds in their step products than this run on one thread.</summary>
    internal const long ParallelThreshold = 1 << 20;

    // Batch rows are independent through the whole recurrence (h_t of row b depends on h_{t-1} of row b only), so a
    // forward or backward pass splits into row ranges that run every step without meeting: one pool round trip per
    // pass, not per step. Ranges are whole tiles of 8 rows (Gemm.SmallNN's tile); every row is computed the same way
    // in any range, so results do not depend on the split. Gemm.SequentialParts (tests) runs the split on this thread.
    public static unsafe void RunRows(delegate*<void*, int, int, void> work, void* context, int batch, long multiplyAdds)
    {
        int tiles = (batch + 7) / 8;
        if (Gemm.SequentialParts > 0)
        {
            int sequential = Math.Min(Gemm.SequentialParts, tiles);
            for (int part = 0; part < sequential; part++) work(context, part, sequential);
            return;
        }
        if (multiplyAdds >= ParallelThreshold && tiles > 1)
        {
            WorkerPool pool = WorkerPool.Shared;
            int parts = Math.Min(pool.Parallelism, tiles);
            if (parts > 1)
            {
                pool.Run(work, context, parts);
                return;
            }
        }
        work(context, 0, 1);
    }

    /// <summary>Rows [start, end) of part <paramref name="part"/> of <paramref name="parts"/>, in whole tiles of 8.</summary>
    public static (int Start, int End) Rows(int batch, int part, int parts)
    {
        int tiles = (batch + 7) / 8;
        return (tiles * part / parts * 8, Math.Min(batch, tiles * (part + 1) / parts * 8));
    }

    // stepNorms[t] = (sum over b of rowNorms[t, b]) / batch, b in order: the same sum whatever the split.
    public static void StepNorms(ReadOnlySpan<float> rowNorms, Span<float> stepNorms, int batch)
    {
        for (int t = 0; t < stepNorms.Length; t++)
        {
            float sum = 0f;
            for (int b = 0; b < batch; b++) sum += rowNorms[t * batch + b];
            stepNorms[t] = sum / batch;
        }
    }

    // sums[W] += sum over rows of matrix[rows, W]
    public static void AddColumnSums(ReadOnlySpan<float> matrix, int rows, int width, Span<float> sums)
    {
        for (int row = 0; row < rows; row++) TensorPrimitives.Add(sums, matrix.Slice(row * width, width), sums);
    }

    // first[W] += s and second[W] += s, s the sum over rows of matrix[rows, W] (rows in order from zero): one pass over
    // the matrix for two bias vectors that share a gradient (an LSTM's b_ih and b_hh).
    public static void AddColumnSums(ReadOnlySpan<float> matrix, int rows, int width, Span<float> first, Span<float> second)
    {
        const int StackFloats = 4096;
        float[]? rented = width > StackFloats ? System.Buffers.ArrayPool<float>.Shared.Rent(width) : null;
        Span<float> sums = rented is null ? stackalloc float[Math.Min(width, StackFloats)] : rented.AsSpan(0, width);
        sums.Clear();
        AddColumnSums(matrix, rows, width, sums);
        TensorPrimitives.Add(first, sums, first);
        TensorPrimitives.Add(second, sums, second);
        if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }
}
