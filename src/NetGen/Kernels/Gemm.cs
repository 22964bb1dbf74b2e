using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Row-major single-precision matrix products in the three layouts that forward and backward
/// passes need. <c>accumulate</c> adds into C (BLAS beta = 1) instead of overwriting it (beta = 0).
/// </summary>
/// <remarks>
/// Large NT products (a dense layer's forward) read B, the weights, in place and pack only A (Gemm.InPlace.cs);
/// other large products run on packed, register-blocked kernels (Gemm.Packed.cs); both split across the
/// <see cref="Threading.WorkerPool"/>; NT products with fewer than 8 rows (one-sample inference) or fewer than 16
/// columns (a classifier's outputs) run as row dot products split across the pool (Gemm.Dots.cs); small ones run on the simple row kernels below. Results do not depend on the thread count: the threads split C, never a sum. The spans must not overlap C.
/// </remarks>
public static unsafe partial class Gemm
{
    /// <summary>C[M,N] (+)= A[M,K] * B[K,N].</summary>
    public static void NN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
        NNCore(a, b, c, m, n, k, accumulate, parallel: true);
    }

    /// <summary>C[M,N] (+)= A[M,K] * B[N,K]^T.</summary>
    public static void NT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
        NTCore(a, b, c, m, n, k, accumulate, default, Activation.Identity, hasEpilogue: false, parallel: true);
    }

    /// <summary>C[M,N] (+)= A[K,M]^T * B[K,N].</summary>
    public static void TN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
        TNCore(a, b, c, m, n, k, accumulate, parallel: true);
    }

    // C[M,N] (+)= A[M,K]·B[K,N]; parallel false keeps it on the calling thread (the caller knows the product is small). Sizes checked.
    internal static void NNCore(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate, bool parallel)
    {
        if (UseBlocked(m, n, k))
        {
            fixed (float* pa = a, pb = b, pc = c)
                Blocked(pa, k, 1, pb, n, bTransposed: false, pc, m, n, k, accumulate, null, Activation.Identity, hasEpilogue: false, parallel);
            return;
        }
        SimpleNN(a, b, c, m, n, k, accumulate);
    }

    // C[M,N] (+)= A[K,M]^T·B[K,N]; parallel as in NNCore. Sizes checked.
    internal static void TNCore(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate, bool parallel)
    {
        if (UseBlocked(m, n, k))
        {
            fixed (float* pa = a, pb = b, pc = c)
                Blocked(pa, 1, m, pb, n, bTransposed: false, pc, m, n, k, accumulate, null, Activation.Identity, hasEpilogue: false, parallel);
            return;
        }
        SimpleTN(a, b, c, m, n, k, accumulate);
    }

    // C[M,N] (+)= A[M,K]·B[N,K]^T, then, with hasEpilogue, C = activation(C + bias) (bias empty: none). Sizes checked.
    // parallel false keeps the product on the calling thread; true lets it split across the pool when its size pays.
    internal static void NTCore(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate,
        ReadOnlySpan<float> bias, Activation activation, bool hasEpilogue, bool parallel)
    {
        if (BlockedSupported && m > 0 && n > 0 && k > 0 && (m < TileRows || UseRowDotsForNarrow(m, n, k)))
        {
            fixed (float* pa = a, pb = b, pc = c, pbias = bias)
                RowDots(pa, pb, pc, m, n, k, accumulate, pbias, activation, hasEpilogue, parallel);
            return;
        }
        if (UseInPlace(m, n, k))
        {
            fixed (float* pa = a, pb = b, pc = c, pbias = bias)
                InPlace(pa, pb, pc, m, n, k, accumulate, hasEpilogue ? pbias : null, hasEpilogue ? activation : Activation.Identity, parallel);
            return;
        }
        if (UseBlocked(m, n, k))
        {
            fixed (float* pa = a, pb = b, pc = c, pbias = bias)
                Blocked(pa, k, 1, pb, k, bTransposed: true, pc, m, n, k, accumulate, pbias, activation, hasEpilogue, parallel);
            return;
        }
        SimpleNT(a, b, c, m, n, k, accumulate);
        if (!hasEpilogue) return;
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * n, n);
            if (!bias.IsEmpty) TensorPrimitives.Add(row, bias.Slice(0, n), row);
            if (activation != Activation.Identity) Activations.Forward(activation, row, row);
        }
    }

    // A narrow C (a classifier's 10 outputs) fills under half of a register tile's 32 columns, so the packed kernel
    // would waste most of its multiply-adds on padding: dot products of A's rows with B's rows do only useful ones,
    // and B (n rows of k) stays in L1 while every row of A streams past it once.
    internal static bool UseRowDotsForNarrow(int m, int n, int k) => n < TileColumns / 2 && (long)m * n * k >= PackedThreshold;

    private static bool UseBlocked(int m, int n, int k) =>
        BlockedSupported && m > 0 && n > 0 && k > 0 && (long)m * n * k >= PackedThreshold;

    // The simple row kernels: small products, and machines without AVX2 and FMA.
    private static void SimpleNN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
        for (int i = 0; i < m; i++)
        {
            Span<float> cRow = c.Slice(i * n, n);
            if (!accumulate) cRow.Clear();
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                float aip = aRow[p];
                if (aip != 0f) TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aip, cRow, cRow);
            }
        }
    }

    private static void SimpleNT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            Span<float> cRow = c.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                float dot = TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                cRow[j] = accumulate ? cRow[j] + dot : dot;
            }
        }
    }

    private static void SimpleTN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        if (!accumulate) c.Slice(0, m * n).Clear();
        for (int p = 0; p < k; p++)
        {
            ReadOnlySpan<float> aRow = a.Slice(p * m, m);
            ReadOnlySpan<float> bRow = b.Slice(p * n, n);
            for (int i = 0; i < m; i++)
            {
                float api = aRow[i];
                if (api == 0f) continue;
                Span<float> cRow = c.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(bRow, api, cRow, cRow);
            }
        }
    }

    /// <summary>Plain triple loop in double precision: the reference the fast kernels are tested against.</summary>
    public static void Reference(ReadOnlySpan<float> a, bool transposeA, ReadOnlySpan<float> b, bool transposeB,
        Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float av = transposeA ? a[p * m + i] : a[i * k + p];
                    float bv = transposeB ? b[j * k + p] : b[p * n + j];
                    sum += (double)av * bv;
                }
                c[i * n + j] = (float)sum;
            }
        }
    }

    private static void CheckSizes(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be >= 0.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be >= 0.");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be >= 0.");
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} floats; {m}x{k} needs {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} floats; {k}x{n} needs {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} floats; {m}x{n} needs {(long)m * n}.", nameof(c));
    }
}
