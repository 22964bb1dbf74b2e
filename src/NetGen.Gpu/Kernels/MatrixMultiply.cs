using ILGPU;

namespace NetGen.Gpu.Kernels;

/// <summary>
/// The shape and memory layout of one product <c>C[M,N] (+)= A[M,K] · B[K,N]</c>, with the epilogue a dense layer
/// needs. A and B are read through strides, so one kernel serves the three products of a dense layer:
/// <code>
/// forward  output[B,U]  = input[B,I] · weight[U,I]^T   A row-major, B read transposed (NT)
/// backward dinput[B,I]  = doutput[B,U] · weight[U,I]    both row-major (NN)
/// backward dweight[U,I] += doutput[B,U]^T · input[B,I]  A read transposed (TN), accumulated
/// </code>
/// C is always row-major and dense: C(i, j) = c[i·N + j]. Passed by value to the kernels (plain ints).
/// </summary>
internal struct GemmShape
{
    /// <summary>Rows of A and C.</summary>
    public int M;

    /// <summary>Columns of B and C.</summary>
    public int N;

    /// <summary>Columns of A, rows of B: the summed dimension.</summary>
    public int K;

    /// <summary>A(i, k) = a[i·ARowStride + k·AColumnStride].</summary>
    public int ARowStride;

    /// <inheritdoc cref="ARowStride"/>
    public int AColumnStride;

    /// <summary>B(k, j) = b[k·BRowStride + j·BColumnStride].</summary>
    public int BRowStride;

    /// <inheritdoc cref="BRowStride"/>
    public int BColumnStride;

    /// <summary>1: C += A·B; 0: C = A·B.</summary>
    public int Accumulate;

    /// <summary>The <see cref="Activation"/> applied to each result (0: none).</summary>
    public int Activation;

    /// <summary>C[M,N] = A[M,K] · B[N,K]^T: a dense layer's forward product.</summary>
    public static GemmShape NT(int m, int n, int k, bool accumulate) =>
        new() { M = m, N = n, K = k, ARowStride = k, AColumnStride = 1, BRowStride = 1, BColumnStride = k, Accumulate = accumulate ? 1 : 0 };

    /// <summary>C[M,N] = A[M,K] · B[K,N]: a dense layer's input gradient.</summary>
    public static GemmShape NN(int m, int n, int k, bool accumulate) =>
        new() { M = m, N = n, K = k, ARowStride = k, AColumnStride = 1, BRowStride = n, BColumnStride = 1, Accumulate = accumulate ? 1 : 0 };

    /// <summary>C[M,N] = A[K,M]^T · B[K,N]: a dense layer's weight gradient.</summary>
    public static GemmShape TN(int m, int n, int k, bool accumulate) =>
        new() { M = m, N = n, K = k, ARowStride = 1, AColumnStride = m, BRowStride = n, BColumnStride = 1, Accumulate = accumulate ? 1 : 0 };
}

/// <summary>
/// Matrix product kernels. <see cref="Tiled"/> is the GPU kernel: 16 x 16 threads per group, each computing one
/// element of a 16 x 16 tile of C while the group stages 16 x 16 tiles of A and B in shared memory, so each value
/// read from global memory is used 16 times. <see cref="Blocked"/> is the same product for ILGPU's CPU
/// accelerator, where a group barrier is an OS-level barrier across threads: each thread computes 4 x 4 blocks
/// of C from registers, walking the blocks with a grid stride, with no shared memory and no barrier. Both end with the dense layer's epilogue:
/// <code>
/// z = (Accumulate ? C : 0) + Σ_k A(i,k)·B(k,j) + bias[j]      (bias skipped when empty)
/// C = activation(z); preActivation = z                        (preActivation written only with an activation)
/// </code>
/// The reference is <c>NetGen.Kernels.Gemm.Reference</c> / <c>Dense.ForwardReference</c> on the CPU.
/// </summary>
internal static class MatrixMultiply
{
    /// <summary>Rows and columns of the tile of C one group computes, and of the group itself.</summary>
    public const int Tile = 16;

    // Row pitch of a shared tile: one float of padding so a column walk (stride Tile + 1) hits distinct banks.
    private const int Pitch = Tile + 1;

    /// <summary>Outputs per thread along each dimension in <see cref="Blocked"/>.</summary>
    public const int Block = 4;

    // C[M,N] (+)= A[M,K] · B[K,N] (+ bias[N]), then activation; grid (ceil(N/16), ceil(M/16)), group (16, 16).
    /// <summary>The shared-memory tiled kernel (explicitly grouped: launch with <see cref="Tile"/> x <see cref="Tile"/> groups).</summary>
    internal static void Tiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> preActivation,
        ArrayView<float> c, GemmShape shape)
    {
        ArrayView<float> aTile = SharedMemory.Allocate<float>(Tile * Pitch); // aTile[r·Pitch + kk] = A(row0 + r, k0 + kk)
        ArrayView<float> bTile = SharedMemory.Allocate<float>(Tile * Pitch); // bTile[kk·Pitch + cc] = B(k0 + kk, column0 + cc)
        int tx = Group.IdxX, ty = Group.IdxY;
        int row0 = Grid.IdxY * Tile, column0 = Grid.IdxX * Tile;

        // Which thread loads which element: consecutive tx read consecutive addresses whichever stride is 1.
        bool aRowMajor = shape.AColumnStride == 1;
        int aRow = aRowMajor ? ty : tx, aK = aRowMajor ? tx : ty;
        bool bRowMajor = shape.BColumnStride == 1;
        int bK = bRowMajor ? ty : tx, bColumn = bRowMajor ? tx : ty;

        float sum = 0f;
        for (int k0 = 0; k0 < shape.K; k0 += Tile)
        {
            int globalRow = row0 + aRow, globalK = k0 + aK;
            aTile[aRow * Pitch + aK] = globalRow < shape.M && globalK < shape.K
                ? a[(long)globalRow * shape.ARowStride + (long)globalK * shape.AColumnStride]
                : 0f;
            int globalKb = k0 + bK, globalColumn = column0 + bColumn;
            bTile[bK * Pitch + bColumn] = globalKb < shape.K && globalColumn < shape.N
                ? b[(long)globalKb * shape.BRowStride + (long)globalColumn * shape.BColumnStride]
                : 0f;
            Group.Barrier();

            for (int kk = 0; kk < Tile; kk++) sum += aTile[ty * Pitch + kk] * bTile[kk * Pitch + tx];
            Group.Barrier();
        }

        int row = row0 + ty, column = column0 + tx;
        if (row < shape.M && column < shape.N) Store(bias, preActivation, c, shape, row, column, sum);
    }

    // C[M,N] (+)= A[M,K] · B[K,N] (+ bias[N]), then activation; 4 x 4 blocks of C, thread t computes blocks t, t + stride, ...
    /// <summary>
    /// The register-blocked kernel for ILGPU's CPU accelerator (no shared memory, no barrier). Each thread walks
    /// blocks with a stride, so a launch needs only a few threads: the CPU accelerator synchronizes its OS threads
    /// once per group, which one thread per block would pay thousands of times per product.
    /// </summary>
    internal static void Blocked(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias,
        ArrayView<float> preActivation, ArrayView<float> c, GemmShape shape, int stride)
    {
        int blockColumns = (shape.N + Block - 1) / Block;
        int blocks = blockColumns * ((shape.M + Block - 1) / Block);
        for (int block = index; block < blocks; block += stride)
        {
            MultiplyBlock(a, b, bias, preActivation, c, shape, block / blockColumns * Block, block % blockColumns * Block);
        }
    }

    // One 4 x 4 block of C with its top-left element at (row0, column0).
    private static void MultiplyBlock(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias,
        ArrayView<float> preActivation, ArrayView<float> c, GemmShape shape, int row0, int column0)
    {

        // Rows and columns past the edge read the last valid one (always in bounds) and are not stored.
        long a0 = (long)Clamp(row0, shape.M) * shape.ARowStride, a1 = (long)Clamp(row0 + 1, shape.M) * shape.ARowStride;
        long a2 = (long)Clamp(row0 + 2, shape.M) * shape.ARowStride, a3 = (long)Clamp(row0 + 3, shape.M) * shape.ARowStride;
        long b0 = (long)Clamp(column0, shape.N) * shape.BColumnStride, b1 = (long)Clamp(column0 + 1, shape.N) * shape.BColumnStride;
        long b2 = (long)Clamp(column0 + 2, shape.N) * shape.BColumnStride, b3 = (long)Clamp(column0 + 3, shape.N) * shape.BColumnStride;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int k = 0; k < shape.K; k++)
        {
            long ak = (long)k * shape.AColumnStride, bk = (long)k * shape.BRowStride;
            float x0 = a[a0 + ak], x1 = a[a1 + ak], x2 = a[a2 + ak], x3 = a[a3 + ak];
            float y0 = b[bk + b0], y1 = b[bk + b1], y2 = b[bk + b2], y3 = b[bk + b3];
            c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
            c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
            c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
            c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        }

        StoreRow(bias, preActivation, c, shape, row0, column0, c00, c01, c02, c03);
        StoreRow(bias, preActivation, c, shape, row0 + 1, column0, c10, c11, c12, c13);
        StoreRow(bias, preActivation, c, shape, row0 + 2, column0, c20, c21, c22, c23);
        StoreRow(bias, preActivation, c, shape, row0 + 3, column0, c30, c31, c32, c33);
    }

    private static int Clamp(int index, int length) => index < length ? index : length - 1;

    private static void StoreRow(ArrayView<float> bias, ArrayView<float> preActivation, ArrayView<float> c, GemmShape shape,
        int row, int column0, float v0, float v1, float v2, float v3)
    {
        if (row >= shape.M) return;
        if (column0 < shape.N) Store(bias, preActivation, c, shape, row, column0, v0);
        if (column0 + 1 < shape.N) Store(bias, preActivation, c, shape, row, column0 + 1, v1);
        if (column0 + 2 < shape.N) Store(bias, preActivation, c, shape, row, column0 + 2, v2);
        if (column0 + 3 < shape.N) Store(bias, preActivation, c, shape, row, column0 + 3, v3);
    }

    // The epilogue: z = (C +) product (+ bias[j]); C = activation(z), preActivation = z.
    private static void Store(ArrayView<float> bias, ArrayView<float> preActivation, ArrayView<float> c, GemmShape shape,
        int row, int column, float product)
    {
        long index = (long)row * shape.N + column;
        float z = shape.Accumulate != 0 ? c[index] + product : product;
        if (bias.Length > 0) z += bias[column];
        if (shape.Activation == 0)
        {
            c[index] = z;
            return;
        }

        preActivation[index] = z;
        c[index] = ActivationKernels.Apply(shape.Activation, z);
    }
}
