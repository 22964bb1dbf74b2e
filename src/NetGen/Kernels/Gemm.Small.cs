using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

// The products of one recurrent time step: h_{t-1}[B,H] times a weight matrix of a few hundred columns, called T
// times per pass on the same weights. At these sizes (B = 32, K = 32..512) packing A and B on every call costs as
// much as the multiply-adds, and splitting across threads costs a pool round trip per step; so this kernel reads
// A in place (rows lda apart), B already in [K, N] layout (the recurrent kernels transpose W_hh once per pass), and
// keeps an 8-row x 2-vector tile of C in registers, on the calling thread. Column tails narrower than one vector
// and machines without 256-bit vectors take a plain row loop.
public static unsafe partial class Gemm
{
    // C[M,N] (+)= A[M,K] · B[K,N]; rows of A, B and C start lda, ldb and ldc floats apart. One thread, no packing.
    internal static void SmallNN(float* a, int lda, float* b, int ldb, float* c, int ldc, int m, int n, int k, bool accumulate)
    {
        int done = 0;
        if (UseVector512) done = SmallNN512(a, lda, b, ldb, c, ldc, m, n, k, accumulate);
        else if (Vector256.IsHardwareAccelerated) done = SmallNN256(a, lda, b, ldb, c, ldc, m, n, k, accumulate);
        if (done < n) SmallNNColumns(a, lda, b, ldb, c, ldc, m, done, n, k, accumulate);
    }

    /// <summary>Tests only: the pointer SmallNN on spans, for the kernel-versus-reference checks.</summary>
    internal static void SmallNN(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (a.Length < (m - 1) * (long)lda + k || b.Length < (k - 1) * (long)ldb + n || c.Length < (m - 1) * (long)ldc + n)
            throw new ArgumentException("A span is too short for the given sizes and strides.");
        fixed (float* pa = a, pb = b, pc = c) SmallNN(pa, lda, pb, ldb, pc, ldc, m, n, k, accumulate);
    }

    // Columns [0, returned) of C, in blocks of 32 and then 16 columns.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SmallNN512(float* a, int lda, float* b, int ldb, float* c, int ldc, int m, int n, int k, bool accumulate)
    {
        int j = 0;
        for (; j + 32 <= n; j += 32)
        {
            int i = 0;
            for (; i + 8 <= m; i += 8)
            {
                float* a0 = a + (nint)i * lda, cc = c + (nint)i * ldc + j;
                Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
                if (accumulate)
                {
                    c00 = Vector512.Load(cc); c01 = Vector512.Load(cc + 16); cc += ldc;
                    c10 = Vector512.Load(cc); c11 = Vector512.Load(cc + 16); cc += ldc;
                    c20 = Vector512.Load(cc); c21 = Vector512.Load(cc + 16); cc += ldc;
                    c30 = Vector512.Load(cc); c31 = Vector512.Load(cc + 16); cc += ldc;
                    c40 = Vector512.Load(cc); c41 = Vector512.Load(cc + 16); cc += ldc;
                    c50 = Vector512.Load(cc); c51 = Vector512.Load(cc + 16); cc += ldc;
                    c60 = Vector512.Load(cc); c61 = Vector512.Load(cc + 16); cc += ldc;
                    c70 = Vector512.Load(cc); c71 = Vector512.Load(cc + 16);
                }
                else
                {
                    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = default;
                    c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = default;
                }
                float* bp = b + j;
                float* ap = a0;
                nint s = lda;
                for (int p = 0; p < k; p++, bp += ldb, ap++)
                {
                    Vector512<float> b0 = Vector512.Load(bp), b1 = Vector512.Load(bp + 16), x;
                    x = Vector512.Create(ap[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(ap[s]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(ap[2 * s]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(ap[3 * s]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                    x = Vector512.Create(ap[4 * s]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                    x = Vector512.Create(ap[5 * s]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                    x = Vector512.Create(ap[6 * s]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                    x = Vector512.Create(ap[7 * s]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
                }
                cc = c + (nint)i * ldc + j;
                c00.Store(cc); c01.Store(cc + 16); cc += ldc;
                c10.Store(cc); c11.Store(cc + 16); cc += ldc;
                c20.Store(cc); c21.Store(cc + 16); cc += ldc;
                c30.Store(cc); c31.Store(cc + 16); cc += ldc;
                c40.Store(cc); c41.Store(cc + 16); cc += ldc;
                c50.Store(cc); c51.Store(cc + 16); cc += ldc;
                c60.Store(cc); c61.Store(cc + 16); cc += ldc;
                c70.Store(cc); c71.Store(cc + 16);
            }
            for (; i < m; i++)
            {
                float* ap = a + (nint)i * lda, cc = c + (nint)i * ldc + j;
                Vector512<float> c0 = accumulate ? Vector512.Load(cc) : default, c1 = accumulate ? Vector512.Load(cc + 16) : default;
                float* bp = b + j;
                for (int p = 0; p < k; p++, bp += ldb)
                {
                    Vector512<float> x = Vector512.Create(ap[p]);
                    c0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bp), c0);
                    c1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bp + 16), c1);
                }
                c0.Store(cc);
                c1.Store(cc + 16);
            }
        }
        for (; j + 16 <= n; j += 16)
        {
            for (int i = 0; i < m; i++)
            {
                float* ap = a + (nint)i * lda, cc = c + (nint)i * ldc + j;
                Vector512<float> c0 = accumulate ? Vector512.Load(cc) : default;
                float* bp = b + j;
                for (int p = 0; p < k; p++, bp += ldb) c0 = Vector512.FusedMultiplyAdd(Vector512.Create(ap[p]), Vector512.Load(bp), c0);
                c0.Store(cc);
            }
        }
        return j;
    }

    // The Vector256 twin of SmallNN512: blocks of 16 and then 8 columns. AVX2 has 16 registers, so a tile is 6 rows
    // (12 accumulators, two loads of B and a broadcast) or 4 rows; 8 rows (16 accumulators, as SmallNN512 keeps in
    // AVX-512's 32) spilled on every step. Every element is the same chain of multiply-adds over p in any tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SmallNN256(float* a, int lda, float* b, int ldb, float* c, int ldc, int m, int n, int k, bool accumulate)
    {
        int j = 0;
        for (; j + 16 <= n; j += 16)
        {
            int i = 0;
            while (m - i >= 4)
            {
                // Six rows unless that would leave two or fewer for 1-row loops (8 rows: two tiles of 4).
                if (m - i >= 6 && m - i != 8) { Tile6x16(a + (nint)i * lda, lda, b + j, ldb, c + (nint)i * ldc + j, ldc, k, accumulate); i += 6; }
                else { Tile4x16(a + (nint)i * lda, lda, b + j, ldb, c + (nint)i * ldc + j, ldc, k, accumulate); i += 4; }
            }
            for (; i < m; i++)
            {
                float* ap = a + (nint)i * lda, cc = c + (nint)i * ldc + j;
                Vector256<float> c0 = accumulate ? Vector256.Load(cc) : default, c1 = accumulate ? Vector256.Load(cc + 8) : default;
                float* bp = b + j;
                for (int p = 0; p < k; p++, bp += ldb)
                {
                    Vector256<float> x = Vector256.Create(ap[p]);
                    c0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp), c0);
                    c1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(bp + 8), c1);
                }
                c0.Store(cc);
                c1.Store(cc + 8);
            }
        }
        for (; j + 8 <= n; j += 8)
        {
            for (int i = 0; i < m; i++)
            {
                float* ap = a + (nint)i * lda, cc = c + (nint)i * ldc + j;
                Vector256<float> c0 = accumulate ? Vector256.Load(cc) : default;
                float* bp = b + j;
                for (int p = 0; p < k; p++, bp += ldb) c0 = Vector256.FusedMultiplyAdd(Vector256.Create(ap[p]), Vector256.Load(bp), c0);
                c0.Store(cc);
            }
        }
        return j;
    }

    // C[6, 16] (+)= A[6, K] · B[K, 16], rows lda, ldb and ldc apart.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile6x16(float* a, nint lda, float* b, int ldb, float* c, int ldc, int k, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        float* cc = c;
        if (accumulate)
        {
            c00 = Vector256.Load(cc); c01 = Vector256.Load(cc + 8); cc += ldc;
            c10 = Vector256.Load(cc); c11 = Vector256.Load(cc + 8); cc += ldc;
            c20 = Vector256.Load(cc); c21 = Vector256.Load(cc + 8); cc += ldc;
            c30 = Vector256.Load(cc); c31 = Vector256.Load(cc + 8); cc += ldc;
            c40 = Vector256.Load(cc); c41 = Vector256.Load(cc + 8); cc += ldc;
            c50 = Vector256.Load(cc); c51 = Vector256.Load(cc + 8);
        }
        else c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = default;
        for (int p = 0; p < k; p++, b += ldb, a++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8), x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[lda]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2 * lda]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3 * lda]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4 * lda]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5 * lda]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        cc = c;
        c00.Store(cc); c01.Store(cc + 8); cc += ldc;
        c10.Store(cc); c11.Store(cc + 8); cc += ldc;
        c20.Store(cc); c21.Store(cc + 8); cc += ldc;
        c30.Store(cc); c31.Store(cc + 8); cc += ldc;
        c40.Store(cc); c41.Store(cc + 8); cc += ldc;
        c50.Store(cc); c51.Store(cc + 8);
    }

    // C[4, 16] (+)= A[4, K] · B[K, 16], rows lda, ldb and ldc apart.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x16(float* a, nint lda, float* b, int ldb, float* c, int ldc, int k, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        float* cc = c;
        if (accumulate)
        {
            c00 = Vector256.Load(cc); c01 = Vector256.Load(cc + 8); cc += ldc;
            c10 = Vector256.Load(cc); c11 = Vector256.Load(cc + 8); cc += ldc;
            c20 = Vector256.Load(cc); c21 = Vector256.Load(cc + 8); cc += ldc;
            c30 = Vector256.Load(cc); c31 = Vector256.Load(cc + 8);
        }
        else c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = default;
        for (int p = 0; p < k; p++, b += ldb, a++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8), x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[lda]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2 * lda]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3 * lda]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
        }
        cc = c;
        c00.Store(cc); c01.Store(cc + 8); cc += ldc;
        c10.Store(cc); c11.Store(cc + 8); cc += ldc;
        c20.Store(cc); c21.Store(cc + 8); cc += ldc;
        c30.Store(cc); c31.Store(cc + 8);
    }

    // Columns [start, n) of C, one element at a time (tails narrower than a vector; machines without 256-bit vectors).
    private static void SmallNNColumns(float* a, int lda, float* b, int ldb, float* c, int ldc, int m, int start, int n, int k, bool accumulate)
    {
        for (int i = 0; i < m; i++)
        {
            float* ap = a + (nint)i * lda, cc = c + (nint)i * ldc;
            for (int j = start; j < n; j++)
            {
                float sum = accumulate ? cc[j] : 0f;
                float* bp = b + j;
                for (int p = 0; p < k; p++, bp += ldb) sum = MathF.FusedMultiplyAdd(ap[p], *bp, sum);
                cc[j] = sum;
            }
        }
    }

    // packed[p, r] = w[r, p]: W[R, P] row-major into its transpose [P, R], so a step's h W^T is SmallNN(h, W^T).
    // 8x8 blocks in AVX registers where both sides have them (the element loop cost ~60 us per LSTM pass at H = 128),
    // the edges element by element.
    internal static void Transpose(ReadOnlySpan<float> w, Span<float> packed, int rows, int columns)
    {
        if (w.Length < (long)rows * columns || packed.Length < (long)rows * columns)
            throw new ArgumentException("A span is too short for the given sizes.");
        int blockRows = BlockedSupported ? rows / 8 * 8 : 0, blockColumns = BlockedSupported ? columns / 8 * 8 : 0;
        fixed (float* source = w, target = packed)
        {
            for (int r = 0; r < blockRows; r += 8)
                for (int p = 0; p < blockColumns; p += 8)
                    Transpose8x8(source + (nint)r * columns + p, columns, target + (nint)p * rows + r, rows);
        }
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = w.Slice(r * columns, columns);
            for (int p = r < blockRows ? blockColumns : 0; p < columns; p++) packed[p * rows + r] = row[p];
        }
    }
}
