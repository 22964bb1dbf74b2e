using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Row-major single-precision matrix products in the three layouts that forward and backward
/// passes need. <c>accumulate</c> adds into C (BLAS beta = 1) instead of overwriting it (beta = 0).
/// </summary>
public static class Gemm
{
    /// <summary>C[M,N] (+)= A[M,K] * B[K,N].</summary>
    public static void NN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
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

    /// <summary>C[M,N] (+)= A[M,K] * B[N,K]^T.</summary>
    public static void NT(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
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

    /// <summary>C[M,N] (+)= A[K,M]^T * B[K,N].</summary>
    public static void TN(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        CheckSizes(a, b, c, m, n, k);
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
        if (a.Length < m * k) throw new ArgumentException($"A holds {a.Length} floats; {m}x{k} needs {m * k}.", nameof(a));
        if (b.Length < k * n) throw new ArgumentException($"B holds {b.Length} floats; {k}x{n} needs {k * n}.", nameof(b));
        if (c.Length < m * n) throw new ArgumentException($"C holds {c.Length} floats; {m}x{n} needs {m * n}.", nameof(c));
    }
}
