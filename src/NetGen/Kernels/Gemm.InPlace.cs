using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NetGen.Threading;

namespace NetGen.Kernels;

// NT products with B read where it lies: C[M,N] (+)= A[M,K]·B[N,K]^T for a dense layer's forward, B being the
// weights (N units by K inputs). The packed kernel (Gemm.Packed.cs) transposes all of B into strips on every call,
// about 0.23 ns a float, 7-10% of a 256x1024x784 product; here B is the broadcast operand instead, eight rows of it
// read in place, one float of each per step, and A (the smaller operand here) is what gets packed: transposed once
// per call into [M/32][K][32], shared by the threads as Gemm.Packed.cs shares its packed A. A register tile holds
// C^T[8 columns, 32 rows] over the whole depth (16 Vector512 accumulators, two loads of A^T and eight broadcasts of B
// per step), so each element of C is one chain of fused multiply-adds from k = 0 to K - 1, stored once, transposed on
// the way out, with the bias and activation applied in the same store. Threads split the columns of C (rows of B)
// into groups of 8; results are identical for any split.
public static unsafe partial class Gemm
{
    /// <summary>Columns of C (rows of B) per in-place tile.</summary>
    internal const int InPlaceColumns = 8;

    /// <summary>Rows of C (rows of A) per in-place tile: A^T is packed in strips this wide.</summary>
    internal const int InPlaceRows = 32;

    /// <summary>NT products with at least this many multiply-adds (and 64 rows and columns) read B in place.</summary>
    internal const long InPlaceThreshold = 1 << 19;

    // The NT products that take the in-place path (measured on one core against the packed kernel, alternated in one
    // process): Vector512 (the Vector256 machines keep the packed kernel); at least 64 rows and units and 2^19
    // multiply-adds; rows that fill their strips of 32 to within 1/8 (97 rows in four strips ran x0.89); a packed A^T
    // of at most 1 MB, which every group of 8 units sweeps again, so it must stay in L2 (1024x256x784 ran x0.25); and
    // a depth of at least the rows and 112, since each tile ends in a transposed store (256x128x64 ran x0.80,
    // 2048x512x128 x0.54, 256x256x128 x0.91; 64x84x120 ran x1.21, 256x1024x784 x1.07-1.09, 64x256x784 x1.17-1.19).
    internal static bool UseInPlace(int m, int n, int k)
    {
        long paddedRows = (long)(m + InPlaceRows - 1) / InPlaceRows * InPlaceRows;
        return BlockedSupported && UseVector512 && m >= 2 * InPlaceRows && n >= 8 * InPlaceColumns && (long)m * n * k >= InPlaceThreshold &&
            8 * paddedRows <= 9L * m && paddedRows * k <= InPlaceMaxPackedFloats && k >= Math.Max(112, m);
    }

    /// <summary>Largest packed A^T of the in-place path (1 MB, half of one core's L2).</summary>
    internal const int InPlaceMaxPackedFloats = 1 << 18;

    // What one in-place call computes, shared by its threads through a pointer to the caller's stack.
    private struct InPlaceProduct
    {
        public float* A, B, C;
        public int M, N, K;
        public bool Accumulate;
        public float* Bias;         // null for none
        public Activation Activation;
        public float* PackedA;      // A^T, [M/32][K][32], zero past row M
        public int* PackedAState;   // per strip of 32 rows
    }

    // C[M,N] (+)= A[M,K]·B[N,K]^T, then C = activation(C + bias) (bias null: none), on as many threads as the size warrants.
    private static void InPlace(float* a, float* b, float* c, int m, int n, int k, bool accumulate, float* bias, Activation activation, bool parallel)
    {
        int strips = (m + InPlaceRows - 1) / InPlaceRows;
        ThreadBuffers buffers = ThreadBuffers.Current;
        buffers.EnsureSharedCapacity(strips * InPlaceRows * k, strips);
        var product = new InPlaceProduct
        {
            A = a, B = b, C = c, M = m, N = n, K = k, Accumulate = accumulate, Bias = bias, Activation = activation,
            PackedA = buffers.SharedA, PackedAState = buffers.SharedAState,
        };
        new Span<int>(product.PackedAState, strips).Clear();
        int groups = (n + InPlaceColumns - 1) / InPlaceColumns;
        if (t_sequentialParts > 0)
        {
            int sequential = Math.Min(t_sequentialParts, groups);
            for (int part = 0; part < sequential; part++) InPlacePart(&product, part, sequential);
            return;
        }
        if (parallel && (long)m * n * k >= ParallelThreshold)
        {
            WorkerPool pool = WorkerPool.Shared;
            int partsPerThread = (long)m * n * k >= LargeProduct ? 2 : 1;   // claimed parts: see Blocked
            int parts = Math.Min(pool.Parallelism * partsPerThread, groups);
            if (parts > 1)
            {
                pool.Run(&InPlacePart, &product, parts);
                return;
            }
        }
        InPlacePart(&product, 0, 1);
    }

    // One part: a range of column groups, each swept over every strip of A^T (the eight rows of B stay in L1 meanwhile).
    // Parts start the sweep at different strips, so that threads pack different strips first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InPlacePart(void* context, int part, int parts)
    {
        ref InPlaceProduct p = ref *(InPlaceProduct*)context;
        int groups = (p.N + InPlaceColumns - 1) / InPlaceColumns;
        int strips = (p.M + InPlaceRows - 1) / InPlaceRows;
        int groupStart = groups * part / parts, groupEnd = groups * (part + 1) / parts;
        int firstStrip = strips * part / parts;
        float* tile = ThreadBuffers.Current.Tile;
        for (int group = groupStart; group < groupEnd; group++)
        {
            int j0 = group * InPlaceColumns;
            int columns = Math.Min(InPlaceColumns, p.N - j0);
            for (int step = 0; step < strips; step++)
            {
                int strip = firstStrip + step < strips ? firstStrip + step : firstStrip + step - strips;
                int i0 = strip * InPlaceRows;
                float* packed = p.PackedA + (nint)strip * InPlaceRows * p.K;
                if (MustPack(ref p.PackedAState[strip]))
                {
                    PackTransposed(p.A, p.K, 0, p.K, i0, Math.Min(InPlaceRows, p.M - i0), packed);
                    Volatile.Write(ref p.PackedAState[strip], Packed);
                }
                InPlaceTile512(p.K, p.B + (nint)j0 * p.K, p.K, columns, packed, tile);
                StoreTransposed(ref p, tile, i0, Math.Min(InPlaceRows, p.M - i0), j0, columns);
            }
        }
    }

    // tile[8][32] = B[8 rows, K] · A^T strip[K][32]: tile[r][i] = sum_q B[r, q] * A[i0 + i, q], one fused multiply-add
    // chain per element from q = 0. Rows of B past `rows` repeat the last one (computed, never stored).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InPlaceTile512(int k, float* b, nint ldb, int rows, float* strip, float* tile)
    {
        float* b0 = b, b1 = b + (rows > 1 ? ldb : 0), b2 = b + (rows > 2 ? 2 * ldb : 0), b3 = b + (rows > 3 ? 3 * ldb : 0);
        float* b4 = b + (rows > 4 ? 4 * ldb : 0), b5 = b + (rows > 5 ? 5 * ldb : 0), b6 = b + (rows > 6 ? 6 * ldb : 0), b7 = b + (rows > 7 ? 7 * ldb : 0);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (nint q = 0; q < k; q++)
        {
            Vector512<float> a0 = Vector512.Load(strip), a1 = Vector512.Load(strip + 16);
            Vector512<float> x = Vector512.Create(b0[q]);
            c00 = Vector512.FusedMultiplyAdd(x, a0, c00); c01 = Vector512.FusedMultiplyAdd(x, a1, c01);
            x = Vector512.Create(b1[q]);
            c10 = Vector512.FusedMultiplyAdd(x, a0, c10); c11 = Vector512.FusedMultiplyAdd(x, a1, c11);
            x = Vector512.Create(b2[q]);
            c20 = Vector512.FusedMultiplyAdd(x, a0, c20); c21 = Vector512.FusedMultiplyAdd(x, a1, c21);
            x = Vector512.Create(b3[q]);
            c30 = Vector512.FusedMultiplyAdd(x, a0, c30); c31 = Vector512.FusedMultiplyAdd(x, a1, c31);
            x = Vector512.Create(b4[q]);
            c40 = Vector512.FusedMultiplyAdd(x, a0, c40); c41 = Vector512.FusedMultiplyAdd(x, a1, c41);
            x = Vector512.Create(b5[q]);
            c50 = Vector512.FusedMultiplyAdd(x, a0, c50); c51 = Vector512.FusedMultiplyAdd(x, a1, c51);
            x = Vector512.Create(b6[q]);
            c60 = Vector512.FusedMultiplyAdd(x, a0, c60); c61 = Vector512.FusedMultiplyAdd(x, a1, c61);
            x = Vector512.Create(b7[q]);
            c70 = Vector512.FusedMultiplyAdd(x, a0, c70); c71 = Vector512.FusedMultiplyAdd(x, a1, c71);
            strip += InPlaceRows;
        }
        Vector512.Store(c00, tile); Vector512.Store(c01, tile + 16);
        Vector512.Store(c10, tile + 32); Vector512.Store(c11, tile + 48);
        Vector512.Store(c20, tile + 64); Vector512.Store(c21, tile + 80);
        Vector512.Store(c30, tile + 96); Vector512.Store(c31, tile + 112);
        Vector512.Store(c40, tile + 128); Vector512.Store(c41, tile + 144);
        Vector512.Store(c50, tile + 160); Vector512.Store(c51, tile + 176);
        Vector512.Store(c60, tile + 192); Vector512.Store(c61, tile + 208);
        Vector512.Store(c70, tile + 224); Vector512.Store(c71, tile + 240);
    }

    // C[i0 + i, j0 + r] (+)= tile[r][i] for i < rows, r < columns, then the bias and activation: 8x8 transposes for a
    // full tile, element by element at the edges.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StoreTransposed(ref InPlaceProduct p, float* tile, int i0, int rows, int j0, int columns)
    {
        float* c = p.C + (nint)i0 * p.N + j0;
        if (columns == InPlaceColumns)
        {
            float* piece = tile + InPlaceColumns * InPlaceRows;
            Vector256<float> bias = p.Bias != null ? Vector256.Load(p.Bias + j0) : Vector256<float>.Zero;
            for (int i = 0; i < rows; i += 8)
            {
                Transpose8x8(tile + i, InPlaceRows, piece, 8);
                int count = Math.Min(8, rows - i);
                for (int t = 0; t < count; t++)
                {
                    float* target = c + (nint)(i + t) * p.N;
                    Vector256<float> v = Vector256.Load(piece + 8 * t);
                    if (p.Accumulate) v += Vector256.Load(target);
                    if (p.Bias != null) v += bias;
                    if (p.Activation == Activation.ReLU) v = Vector256.Max(v, Vector256<float>.Zero);
                    Vector256.Store(v, target);
                }
            }
        }
        else
        {
            for (int i = 0; i < rows; i++)
            {
                float* target = c + (nint)i * p.N;
                for (int r = 0; r < columns; r++)
                {
                    float v = tile[r * InPlaceRows + i];
                    if (p.Accumulate) v += target[r];
                    if (p.Bias != null) v += p.Bias[j0 + r];
                    if (p.Activation == Activation.ReLU) v = Math.Max(v, 0f);
                    target[r] = v;
                }
            }
        }
        if (p.Activation is not (Activation.Identity or Activation.ReLU))
        {
            for (int i = 0; i < rows; i++)
            {
                var row = new Span<float>(c + (nint)i * p.N, columns);
                Activations.Forward(p.Activation, row, row);
            }
        }
    }
}
