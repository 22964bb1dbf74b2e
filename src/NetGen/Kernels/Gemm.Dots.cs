using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Threading;

namespace NetGen.Kernels;

// The NT product for few rows of A (inference on one sample is the case that matters: a matrix-vector product) or few
// columns of C (a classifier's outputs): every element is a dot product of two contiguous rows, A[i, :] and B[j, :].
// Nothing is packed. With few rows, the rows of B (the weights) are split across threads, so with two cores each core
// streams half of them, from its own L2 once they have been read there; with few columns, the rows of A are split and
// every thread reads all of B, which stays in its L1.
public static unsafe partial class Gemm
{
    /// <summary>Row-dot products with fewer multiply-adds than this run on one thread.</summary>
    internal const long DotParallelThreshold = 1 << 16;

    private static void RowDots(float* a, float* b, float* c, int m, int n, int k, bool accumulate, float* bias,
        Activation activation, bool hasEpilogue, bool parallel)
    {
        var product = new Product
        {
            A = a, B = b, C = c, M = m, N = n, K = k, Accumulate = accumulate, Bias = bias, Activation = activation,
            HasEpilogue = hasEpilogue,
            // Many rows of a narrow C (the classifier of a batch): threads split the rows, each doing every column.
            SplitRows = m >= TileRows,
        };
        int splittable = product.SplitRows ? m : n / 4;
        if (t_sequentialParts > 0)
        {
            int parts = Math.Max(1, Math.Min(t_sequentialParts, product.SplitRows ? m : (n + 3) / 4));
            for (int part = 0; part < parts; part++) RowDotsPart(&product, part, parts);
            return;
        }
        if (parallel && (long)m * n * k >= DotParallelThreshold && splittable >= 2)
        {
            WorkerPool pool = WorkerPool.Shared;
            int parts = Math.Min(pool.Parallelism, splittable);
            if (parts > 1)
            {
                pool.Run(&RowDotsPart, &product, parts);
                return;
            }
        }
        RowDotsPart(&product, 0, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowDotsPart(void* context, int part, int parts)
    {
        ref Product p = ref *(Product*)context;
        int rowStart = 0, rowEnd = p.M, columnStart = 0, columnEnd = p.N;
        if (p.SplitRows)
        {
            rowStart = (int)((long)p.M * part / parts);
            rowEnd = (int)((long)p.M * (part + 1) / parts);
        }
        else
        {
            int groups = (p.N + 3) / 4;
            columnStart = groups * part / parts * 4;
            columnEnd = Math.Min(p.N, groups * (part + 1) / parts * 4);
        }
        if (rowStart >= rowEnd || columnStart >= columnEnd) return;
        float* sums = stackalloc float[4];
        bool wide = UseVector512;   // read once: a thread-static read per dot product costs a __tls_get_addr call
        for (int i = rowStart; i < rowEnd; i++)
        {
            float* x = p.A + (nint)i * p.K;
            float* c = p.C + (nint)i * p.N;
            int j = columnStart;
            for (; j + 4 <= columnEnd; j += 4)
            {
                Dot4(x, p.B + (nint)j * p.K, p.K, p.K, sums, wide);
                for (int t = 0; t < 4; t++) c[j + t] = p.Accumulate ? c[j + t] + sums[t] : sums[t];
            }
            for (; j < columnEnd; j++)
            {
                float dot = Dot1(x, p.B + (nint)j * p.K, p.K, wide);
                c[j] = p.Accumulate ? c[j] + dot : dot;
            }
        }
        if (p.HasEpilogue) Epilogue(ref p, rowStart, rowEnd, columnStart, columnEnd);
    }

    // y[j] = x · w[j, :] for the rows j in [start, end) of w (stride ldw): four rows at a time, as RowDotsPart forms them.
    internal static void DotRows(float* x, float* w, nint ldw, int k, int start, int end, float* y)
    {
        int j = start;
        bool wide = UseVector512;
        for (; j + 4 <= end; j += 4) Dot4(x, w + j * ldw, ldw, k, y + j, wide);
        for (; j < end; j++) y[j] = Dot1(x, w + j * ldw, k, wide);
    }

    // sums[t] = x · w[t, :] for four rows of w, t in 0..4, in Vector512 when wide (Gemm.UseVector512). Each row's sum is formed exactly as Dot1 forms it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(float* x, float* w, nint ldw, int k, float* sums, bool wide)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        int q = 0;
        if (wide)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            for (; q + 32 <= k; q += 32)
            {
                Vector512<float> x0 = Vector512.Load(x + q), x1 = Vector512.Load(x + q + 16);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + q), x0, s0); t0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + q + 16), x1, t0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + q), x0, s1); t1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + q + 16), x1, t1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + q), x0, s2); t2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + q + 16), x1, t2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + q), x0, s3); t3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + q + 16), x1, t3);
            }
            if (q + 16 <= k)
            {
                Vector512<float> x0 = Vector512.Load(x + q);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + q), x0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + q), x0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + q), x0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + q), x0, s3);
                q += 16;
            }
            if (q < k && Avx512F.IsSupported)
            {
                // The last 1-15 inputs as one masked vector (lanes past k read as 0), not 4 serial chains of scalar multiply-adds.
                Vector512<float> z = Vector512<float>.Zero, tail = DenseSmall.UnitMask(k - q), x0 = Avx512F.MaskLoad(x + q, tail, z);
                t0 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(w0 + q, tail, z), x0, t0);
                t1 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(w1 + q, tail, z), x0, t1);
                t2 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(w2 + q, tail, z), x0, t2);
                t3 = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(w3 + q, tail, z), x0, t3);
                q = k;
            }
            sums[0] = Vector512.Sum(s0 + t0);
            sums[1] = Vector512.Sum(s1 + t1);
            sums[2] = Vector512.Sum(s2 + t2);
            sums[3] = Vector512.Sum(s3 + t3);
        }
        else
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default;
            for (; q + 16 <= k; q += 16)
            {
                Vector256<float> x0 = Vector256.Load(x + q), x1 = Vector256.Load(x + q + 8);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + q), x0, s0); t0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + q + 8), x1, t0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + q), x0, s1); t1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + q + 8), x1, t1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + q), x0, s2); t2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + q + 8), x1, t2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + q), x0, s3); t3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + q + 8), x1, t3);
            }
            if (q + 8 <= k)
            {
                Vector256<float> x0 = Vector256.Load(x + q);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + q), x0, s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + q), x0, s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + q), x0, s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + q), x0, s3);
                q += 8;
            }
            sums[0] = Vector256.Sum(s0 + t0);
            sums[1] = Vector256.Sum(s1 + t1);
            sums[2] = Vector256.Sum(s2 + t2);
            sums[3] = Vector256.Sum(s3 + t3);
        }
        for (; q < k; q++)
        {
            float xq = x[q];
            sums[0] = MathF.FusedMultiplyAdd(w0[q], xq, sums[0]);
            sums[1] = MathF.FusedMultiplyAdd(w1[q], xq, sums[1]);
            sums[2] = MathF.FusedMultiplyAdd(w2[q], xq, sums[2]);
            sums[3] = MathF.FusedMultiplyAdd(w3[q], xq, sums[3]);
        }
    }

    // x · w[0, :], formed exactly as one row of Dot4.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot1(float* x, float* w, int k, bool wide)
    {
        int q = 0;
        float sum;
        if (wide)
        {
            Vector512<float> s = default, t = default;
            for (; q + 32 <= k; q += 32)
            {
                s = Vector512.FusedMultiplyAdd(Vector512.Load(w + q), Vector512.Load(x + q), s);
                t = Vector512.FusedMultiplyAdd(Vector512.Load(w + q + 16), Vector512.Load(x + q + 16), t);
            }
            if (q + 16 <= k)
            {
                s = Vector512.FusedMultiplyAdd(Vector512.Load(w + q), Vector512.Load(x + q), s);
                q += 16;
            }
            if (q < k && Avx512F.IsSupported)
            {
                Vector512<float> z = Vector512<float>.Zero, tail = DenseSmall.UnitMask(k - q);
                t = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(w + q, tail, z), Avx512F.MaskLoad(x + q, tail, z), t);
                q = k;
            }
            sum = Vector512.Sum(s + t);
        }
        else
        {
            Vector256<float> s = default, t = default;
            for (; q + 16 <= k; q += 16)
            {
                s = Vector256.FusedMultiplyAdd(Vector256.Load(w + q), Vector256.Load(x + q), s);
                t = Vector256.FusedMultiplyAdd(Vector256.Load(w + q + 8), Vector256.Load(x + q + 8), t);
            }
            if (q + 8 <= k)
            {
                s = Vector256.FusedMultiplyAdd(Vector256.Load(w + q), Vector256.Load(x + q), s);
                q += 8;
            }
            sum = Vector256.Sum(s + t);
        }
        for (; q < k; q++) sum = MathF.FusedMultiplyAdd(w[q], x[q], sum);
        return sum;
    }
}
