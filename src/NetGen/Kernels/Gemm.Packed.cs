using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Threading;

namespace NetGen.Kernels;

// The blocked path of Gemm (after BLIS, Van Zee and van de Geijn 2015): C is computed in tiles of TileRows x
// TileColumns held in registers. B is packed, KC rows deep and NC columns wide, into a per-thread buffer laid out as
// [strip][depth][TileColumns], which the micro-kernel reads with vector loads from L1; A is packed, MC rows by KC,
// as [strip][depth][TileRows], which it broadcasts one element at a time. Packing turns every layout into the same
// two contiguous streams: A[M,K] (NN, NT) and B[N,K] (NT) are transposed on the way, 8x8 at a time in AVX
// registers. Threads split C into disjoint column (or row) ranges; every element is the same chain of fused
// multiply-adds in the same order whatever the split, so results are identical for any thread count.
// With a column split every thread needs all of A: it is packed once per call into one buffer of the calling
// thread, each MC x KC block by whichever thread needs it first, and read by all (SharedPackedA), instead of once
// per part and per column block (that repacking cost 12-20% of a 256x1024x784 product on two threads), where a block
// is read more than once and A fits 1 MB (ShareA).
public static unsafe partial class Gemm
{
    /// <summary>Rows of C per register tile (MR).</summary>
    internal const int TileRows = 8;

    /// <summary>Columns of C per register tile (NR): two Vector512 or four Vector256.</summary>
    internal const int TileColumns = 32;

    /// <summary>Depth of one packed block of B (KC).</summary>
    internal const int DepthBlock = 256;

    /// <summary>Rows of A swept per packed block of B (MC); MC x KC floats of A stay in L2.</summary>
    internal const int RowBlock = 128;

    /// <summary>Columns of one packed block of B (NC, a multiple of <see cref="TileColumns"/>).</summary>
    internal const int ColumnBlock = 512;

    /// <summary>Products with fewer multiply-adds than this run on one thread.</summary>
    internal const long ParallelThreshold = 1 << 18;

    /// <summary>Products with at least this many multiply-adds are cut into two parts per thread (load balance).</summary>
    internal const long LargeProduct = 1 << 24;

    /// <summary>Products with fewer multiply-adds than this skip packing (the simple row kernels).</summary>
    internal const long PackedThreshold = 1 << 16;

    /// <summary>Largest packed A (floats, 1 MB: half of one core's L2) packed once per call and shared by the threads; larger ones are packed per block and thread.</summary>
    internal const int SharedPackedAFloats = 1 << 18;

    /// <summary>True where the register-blocked kernels run (AVX2 + FMA); elsewhere every product takes the simple path.</summary>
    internal static bool BlockedSupported => Fma.IsSupported && Avx2.IsSupported;

    [ThreadStatic] private static int t_sequentialParts;

    /// <summary>
    /// Tests only: when above 0, products on this thread split C into this many parts as the pool would, but compute
    /// them one after another on this thread, so a test can compare partitions without changing the shared pool.
    /// </summary>
    internal static int SequentialParts
    {
        get => t_sequentialParts;
        set => t_sequentialParts = value;
    }

    [ThreadStatic] private static bool t_forceVector256;

    /// <summary>Whether the kernels use Vector512: where AVX-512 is accelerated, unless a test forced Vector256 on this thread.</summary>
    internal static bool UseVector512 => Vector512.IsHardwareAccelerated && !t_forceVector256;

    /// <summary>Tests only: run this thread's kernels on Vector256 (with <see cref="SequentialParts"/>, so no pool thread is involved).</summary>
    internal static bool ForceVector256
    {
        get => t_forceVector256;
        set => t_forceVector256 = value;
    }

    // What one call computes, shared by its threads through a pointer to the caller's stack.
    private struct Product
    {
        public float* A;
        public nint ARowStride;
        public nint ADepthStride;
        public float* B;
        public int Ldb;
        public bool BTransposed;   // B stored [N,K] (NT) instead of [K,N]
        public float* C;
        public int M, N, K;
        public bool Accumulate;
        public bool SplitRows;      // threads split M instead of N
        public float* Bias;         // epilogue: C[i, j] = activation(C[i, j] + bias[j]); null for none
        public Activation Activation;
        public bool HasEpilogue;
        public float* PackedA;      // all of A packed, [K/KC][M/TileRows][KC][TileRows] (see SharedPackedA); null: packed per block and thread
        public int* PackedAState;   // per KC x TileRows strip start: Unpacked, Packing or Packed
        public int RowTiles;        // M / TileRows, rounded up
    }

    internal const int Unpacked = 0, Packing = 1, Packed = 2;

    /// <summary>C[M,N] (+)= op(A)·op(B) through the blocked kernels, on as many threads as the size warrants.</summary>
    private static void Blocked(float* a, nint aRowStride, nint aDepthStride, float* b, int ldb, bool bTransposed,
        float* c, int m, int n, int k, bool accumulate, float* bias, Activation activation, bool hasEpilogue, bool parallel)
    {
        var product = new Product
        {
            A = a, ARowStride = aRowStride, ADepthStride = aDepthStride, B = b, Ldb = ldb, BTransposed = bTransposed,
            C = c, M = m, N = n, K = k, Accumulate = accumulate, Bias = bias, Activation = activation, HasEpilogue = hasEpilogue,
        };
        int columnTiles = (n + TileColumns - 1) / TileColumns;
        int rowTiles = (m + TileRows - 1) / TileRows;
        product.RowTiles = rowTiles;
        int parts = 1;
        if (t_sequentialParts > 0)
        {
            product.SplitRows = columnTiles < 2 * t_sequentialParts && rowTiles > columnTiles;
            parts = Math.Min(t_sequentialParts, product.SplitRows ? rowTiles : columnTiles);
            ShareA(ref product, parts);
            for (int part = 0; part < parts; part++) BlockedPart(&product, part, parts);
            return;
        }
        if (parallel && (long)m * n * k >= ParallelThreshold)
        {
            WorkerPool pool = WorkerPool.Shared;
            // Large products are cut into two parts per thread: each thread starts on its own share, and when a core
            // is taken by another process halfway through, the other thread takes over the parts not yet started
            // instead of waiting for it. Each extra part repacks A once (under 2% of a product this size).
            int partsPerThread = (long)m * n * k >= LargeProduct ? 2 : 1;
            product.SplitRows = columnTiles < 2 * pool.Parallelism * partsPerThread && rowTiles > columnTiles;
            parts = Math.Min(pool.Parallelism * partsPerThread, product.SplitRows ? rowTiles : columnTiles);
            if (parts > 1)
            {
                ShareA(ref product, parts);
                pool.Run(&BlockedPart, &product, parts);
                return;
            }
        }
        ShareA(ref product, 1);
        BlockedPart(&product, 0, 1);
    }

    // Points the product at the calling thread's shared packed A where a packed block is read more than once: by
    // several parts splitting the columns, or by several column blocks. Otherwise every block is used once, right
    // after packing, and the per-thread block buffer, hot in cache, does better (a 4 MB shared A packed for a single
    // use made TN 512x32x2048 and NN 2048x32x512 15-20% slower); so does an A too large for L2.
    private static void ShareA(ref Product p, int parts)
    {
        bool reused = (parts > 1 && !p.SplitRows) || p.N > ColumnBlock;
        long packedAFloats = (long)p.RowTiles * TileRows * p.K;
        if (!reused || packedAFloats > SharedPackedAFloats) return;
        ThreadBuffers buffers = ThreadBuffers.Current;
        int states = (p.K + DepthBlock - 1) / DepthBlock * p.RowTiles;
        buffers.EnsureSharedCapacity((int)packedAFloats, states);
        p.PackedA = buffers.SharedA;
        p.PackedAState = buffers.SharedAState;
        new Span<int>(p.PackedAState, states).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockedPart(void* context, int part, int parts)
    {
        ref Product p = ref *(Product*)context;
        int rowStart = 0, rowEnd = p.M, columnStart = 0, columnEnd = p.N;
        if (p.SplitRows)
        {
            int tiles = (p.M + TileRows - 1) / TileRows;
            rowStart = tiles * part / parts * TileRows;
            rowEnd = Math.Min(p.M, tiles * (part + 1) / parts * TileRows);
        }
        else
        {
            int tiles = (p.N + TileColumns - 1) / TileColumns;
            columnStart = tiles * part / parts * TileColumns;
            columnEnd = Math.Min(p.N, tiles * (part + 1) / parts * TileColumns);
        }
        if (rowStart >= rowEnd || columnStart >= columnEnd) return;
        BlockedRange(ref p, part, rowStart, rowEnd, columnStart, columnEnd);
        if (p.HasEpilogue) Epilogue(ref p, rowStart, rowEnd, columnStart, columnEnd);
    }

    // C[rowStart..rowEnd, columnStart..columnEnd] of the product, block by block. Each part starts its sweep over the
    // row blocks at a different block (part mod blocks), so that threads sharing a packed A pack different blocks first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockedRange(ref Product p, int part, int rowStart, int rowEnd, int columnStart, int columnEnd)
    {
        int rowBlocks = (rowEnd - rowStart + RowBlock - 1) / RowBlock;
        int firstBlock = part % rowBlocks;
        ThreadBuffers buffers = ThreadBuffers.Current;
        float* packedB = buffers.PackedB, packedA = buffers.PackedA;
        for (int jc = columnStart; jc < columnEnd; jc += ColumnBlock)
        {
            int nc = Math.Min(ColumnBlock, columnEnd - jc);
            for (int pc = 0; pc < p.K; pc += DepthBlock)
            {
                int kc = Math.Min(DepthBlock, p.K - pc);
                bool add = pc > 0 || p.Accumulate;
                if (p.BTransposed) PackTransposed(p.B, p.Ldb, pc, kc, jc, nc, packedB);
                else PackRows(p.B, p.Ldb, pc, kc, jc, nc, packedB);
                for (int step = 0; step < rowBlocks; step++)
                {
                    int block = firstBlock + step < rowBlocks ? firstBlock + step : firstBlock + step - rowBlocks;
                    int ic = rowStart + block * RowBlock;
                    int mc = Math.Min(RowBlock, rowEnd - ic);
                    float* stripsA = packedA;
                    if (p.PackedA != null) stripsA = SharedPackedA(ref p, ic, mc, pc, kc);
                    else PackA(ref p, ic, mc, pc, kc, packedA);
                    for (int jr = 0; jr < nc; jr += TileColumns)
                    {
                        int nr = Math.Min(TileColumns, nc - jr);
                        float* stripB = packedB + (nint)(jr / TileColumns) * kc * TileColumns;
                        for (int ir = 0; ir < mc; ir += TileRows)
                        {
                            int mr = Math.Min(TileRows, mc - ir);
                            float* stripA = stripsA + (nint)(ir / TileRows) * kc * TileRows;
                            float* c = p.C + (nint)(ic + ir) * p.N + jc + jr;
                            if (mr == TileRows && nr == TileColumns) Tile(kc, stripA, stripB, c, p.N, add);
                            else EdgeTile(kc, stripA, stripB, c, p.N, add, mr, nr, buffers.Tile);
                        }
                    }
                }
            }
        }
    }

    // Rows ic..ic+mc of A at depth pc..pc+kc, packed as PackA packs them, in the call's shared buffer at
    // [pc][ic / TileRows][kc][TileRows], unless another thread already did (see MustPack).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* SharedPackedA(ref Product p, int ic, int mc, int pc, int kc)
    {
        float* target = p.PackedA + (nint)pc * p.RowTiles * TileRows + (nint)ic * kc;
        ref int state = ref p.PackedAState[pc / DepthBlock * p.RowTiles + ic / TileRows];
        if (MustPack(ref state))
        {
            PackA(ref p, ic, mc, pc, kc, target);
            Volatile.Write(ref state, Packed);
        }
        return target;
    }

    // Whether this thread must pack the shared block whose state this is: true when it claims the block; false when
    // another thread has packed it, waiting while that thread packs it; true again after 100 us of waiting (that thread
    // has lost its core), and this one packs the same values over it. After packing, the caller marks it Packed.
    internal static bool MustPack(ref int state)
    {
        if (Volatile.Read(ref state) == Packed) return false;
        if (Interlocked.CompareExchange(ref state, Packing, Unpacked) == Unpacked) return true;
        long giveUp = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 10_000;
        while (Volatile.Read(ref state) != Packed)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() > giveUp) return true;
            Thread.SpinWait(4);
        }
        return false;
    }

    // A partial tile: the full tile is computed into a scratch tile (the packed strips are zero-padded), and its valid
    // part is stored. The same multiply-adds in the same order as a full tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile(int kc, float* stripA, float* stripB, float* c, int ldc, bool add, int mr, int nr, float* tile)
    {
        Tile(kc, stripA, stripB, tile, TileColumns, add: false);
        for (int i = 0; i < mr; i++)
        {
            float* target = c + (nint)i * ldc;
            float* source = tile + i * TileColumns;
            if (add) for (int j = 0; j < nr; j++) target[j] += source[j];
            else for (int j = 0; j < nr; j++) target[j] = source[j];
        }
    }

    // packed[strip][q][i] = A(ic + strip*8 + i, pc + q) for i < 8; zero past row ic + mc. A(i, p) is A[i*K + p] in the
    // NN and NT layouts (8x8 transposes) and A[p*M + i] in the TN layout (8 contiguous floats per step).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(ref Product p, int ic, int mc, int pc, int kc, float* packed)
    {
        for (int ir = 0; ir < mc; ir += TileRows)
        {
            int mr = Math.Min(TileRows, mc - ir);
            float* target = packed + (nint)(ir / TileRows) * kc * TileRows;
            if (p.ADepthStride == 1)
            {
                float* source = p.A + (nint)(ic + ir) * p.ARowStride + pc;
                int q = 0;
                if (mr == TileRows)
                {
                    for (; q + 8 <= kc; q += 8) Transpose8x8(source + q, p.ARowStride, target + (nint)q * TileRows, TileRows);
                }
                for (; q < kc; q++)
                {
                    for (int i = 0; i < TileRows; i++) target[(nint)q * TileRows + i] = i < mr ? source[i * p.ARowStride + q] : 0f;
                }
            }
            else
            {
                float* source = p.A + (nint)pc * p.ADepthStride + ic + ir;
                if (mr == TileRows)
                {
                    for (int q = 0; q < kc; q++) Vector256.Store(Vector256.Load(source + q * p.ADepthStride), target + (nint)q * TileRows);
                }
                else
                {
                    for (int q = 0; q < kc; q++)
                    {
                        for (int i = 0; i < TileRows; i++) target[(nint)q * TileRows + i] = i < mr ? source[q * p.ADepthStride + i] : 0f;
                    }
                }
            }
        }
    }

    private static void Tile(int kc, float* stripA, float* stripB, float* c, int ldc, bool add)
    {
        if (UseVector512) Tile512(kc, stripA, stripB, c, ldc, add);
        else
        {
            for (int half = 0; half < TileColumns; half += 16)
            {
                Tile256(kc, stripA, stripB + half, c + half, ldc, add);
                Tile256(kc, stripA + 4, stripB + half, c + 4 * (nint)ldc + half, ldc, add);
            }
        }
    }

    // C[8, 32] (+)= stripA[kc][8]^T · stripB[kc][32]: 16 Vector512 accumulators, two vector loads and eight broadcasts per step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile512(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int q = 0; q < kc; q++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += TileRows;
            b += TileColumns;
        }
        Store512(c, c00, c01, add); c += ldc;
        Store512(c, c10, c11, add); c += ldc;
        Store512(c, c20, c21, add); c += ldc;
        Store512(c, c30, c31, add); c += ldc;
        Store512(c, c40, c41, add); c += ldc;
        Store512(c, c50, c51, add); c += ldc;
        Store512(c, c60, c61, add); c += ldc;
        Store512(c, c70, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> left, Vector512<float> right, bool add)
    {
        if (add)
        {
            left += Vector512.Load(c);
            right += Vector512.Load(c + 16);
        }
        Vector512.Store(left, c);
        Vector512.Store(right, c + 16);
    }

    // C[4, 16] (+)= 4 rows of stripA · 16 columns of stripB: the Vector256 kernel (8 accumulators fit AVX2's 16 registers).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile256(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int q = 0; q < kc; q++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            a += TileRows;
            b += TileColumns;
        }
        Store256(c, c00, c01, add); c += ldc;
        Store256(c, c10, c11, add); c += ldc;
        Store256(c, c20, c21, add); c += ldc;
        Store256(c, c30, c31, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store256(float* c, Vector256<float> left, Vector256<float> right, bool add)
    {
        if (add)
        {
            left += Vector256.Load(c);
            right += Vector256.Load(c + 8);
        }
        Vector256.Store(left, c);
        Vector256.Store(right, c + 8);
    }

    // packed[strip][q][0..32) = B[pc + q, jc + strip*32 + 0..32) for B stored [K,N] row-major; zero past column nc.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackRows(float* b, int ldb, int pc, int kc, int jc, int nc, float* packed)
    {
        for (int jr = 0; jr < nc; jr += TileColumns)
        {
            int nr = Math.Min(TileColumns, nc - jr);
            float* target = packed + (nint)(jr / TileColumns) * kc * TileColumns;
            float* source = b + (nint)pc * ldb + jc + jr;
            if (nr == TileColumns)
            {
                for (int q = 0; q < kc; q++, source += ldb, target += TileColumns)
                {
                    Vector256.Store(Vector256.Load(source), target);
                    Vector256.Store(Vector256.Load(source + 8), target + 8);
                    Vector256.Store(Vector256.Load(source + 16), target + 16);
                    Vector256.Store(Vector256.Load(source + 24), target + 24);
                }
            }
            else
            {
                for (int q = 0; q < kc; q++, source += ldb, target += TileColumns)
                {
                    int j = 0;
                    for (; j < nr; j++) target[j] = source[j];
                    for (; j < TileColumns; j++) target[j] = 0f;
                }
            }
        }
    }

    // packed[strip][q][j] = B[jc + strip*32 + j, pc + q] for B stored [N,K] (the NT layout): 8x8 transposes in AVX
    // registers, scalar at the edges; zero past column nc.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* b, int ldb, int pc, int kc, int jc, int nc, float* packed)
    {
        for (int jr = 0; jr < nc; jr += TileColumns)
        {
            int nr = Math.Min(TileColumns, nc - jr);
            float* target = packed + (nint)(jr / TileColumns) * kc * TileColumns;
            float* source = b + (nint)(jc + jr) * ldb + pc;
            int fullRows = nr & ~7, fullDepth = kc & ~7;
            for (int j = 0; j < fullRows; j += 8)
            {
                float* rows = source + (nint)j * ldb;
                for (int q = 0; q < fullDepth; q += 8) Transpose8x8(rows + q, ldb, target + (nint)q * TileColumns + j, TileColumns);
                for (int q = fullDepth; q < kc; q++)
                {
                    for (int jj = 0; jj < 8; jj++) target[(nint)q * TileColumns + j + jj] = rows[(nint)jj * ldb + q];
                }
            }
            for (int j = fullRows; j < TileColumns; j++)
            {
                float* row = source + (nint)j * ldb;
                if (j < nr) for (int q = 0; q < kc; q++) target[(nint)q * TileColumns + j] = row[q];
                else for (int q = 0; q < kc; q++) target[(nint)q * TileColumns + j] = 0f;
            }
        }
    }

    // target[r * targetStride + 0..8) = source[0..8, r]: the classic unpack / shuffle / permute 8x8 transpose.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* source, nint sourceStride, float* target, nint targetStride)
    {
        Vector256<float> r0 = Vector256.Load(source), r1 = Vector256.Load(source + sourceStride);
        Vector256<float> r2 = Vector256.Load(source + 2 * sourceStride), r3 = Vector256.Load(source + 3 * sourceStride);
        Vector256<float> r4 = Vector256.Load(source + 4 * sourceStride), r5 = Vector256.Load(source + 5 * sourceStride);
        Vector256<float> r6 = Vector256.Load(source + 6 * sourceStride), r7 = Vector256.Load(source + 7 * sourceStride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x20), target);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x20), target + targetStride);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x20), target + 2 * targetStride);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x20), target + 3 * targetStride);
        Vector256.Store(Avx.Permute2x128(s0, s4, 0x31), target + 4 * targetStride);
        Vector256.Store(Avx.Permute2x128(s1, s5, 0x31), target + 5 * targetStride);
        Vector256.Store(Avx.Permute2x128(s2, s6, 0x31), target + 6 * targetStride);
        Vector256.Store(Avx.Permute2x128(s3, s7, 0x31), target + 7 * targetStride);
    }

    // C[i, j] = activation(C[i, j] + bias[j]) over one thread's range, while it is still in that core's cache.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Epilogue(ref Product p, int rowStart, int rowEnd, int columnStart, int columnEnd)
    {
        int width = columnEnd - columnStart;
        for (int i = rowStart; i < rowEnd; i++)
        {
            var row = new Span<float>(p.C + (nint)i * p.N + columnStart, width);
            if (p.Bias != null) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(p.Bias + columnStart, width), row);
            if (p.Activation != Activation.Identity) Activations.Forward(p.Activation, row, row);
        }
    }

    /// <summary>Allocates this thread's packing buffers now (pool workers call it when they start), not inside a timed step.</summary>
    internal static void PrepareThread() => _ = ThreadBuffers.Current;

    /// <summary>Per-thread packing buffers, allocated once per thread (pinned, 64-byte aligned) and reused by every call.</summary>
    private sealed class ThreadBuffers
    {
        [ThreadStatic] private static ThreadBuffers? t_current;

        private readonly float[] _storage;

        private ThreadBuffers()
        {
            const int Floats = DepthBlock * ColumnBlock + RowBlock * DepthBlock + TileRows * TileColumns + 64 + 16;
            _storage = GC.AllocateUninitializedArray<float>(Floats, pinned: true);
            float* start = (float*)Unsafe.AsPointer(ref _storage[0]);
            float* aligned = (float*)(((nint)start + 63) & ~(nint)63);
            PackedB = aligned;
            PackedA = PackedB + DepthBlock * ColumnBlock;
            Tile = PackedA + RowBlock * DepthBlock;
        }

        public static ThreadBuffers Current => t_current ??= new ThreadBuffers();

        private float[]? _sharedStorage;
        private int[]? _stateStorage;

        /// <summary>All of one call's A, packed (see <see cref="SharedPackedA"/>); grown by <see cref="EnsureSharedCapacity"/>.</summary>
        public float* SharedA { get; private set; }

        /// <summary>One state per strip of <see cref="SharedA"/>.</summary>
        public int* SharedAState { get; private set; }

        /// <summary>Grows the shared buffers to hold a packed A of this many floats and states (a larger product's first call allocates; later calls reuse).</summary>
        public void EnsureSharedCapacity(int floats, int states)
        {
            if (_sharedStorage is null || _sharedStorage.Length < floats + 16)
            {
                _sharedStorage = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
                SharedA = (float*)(((nint)Unsafe.AsPointer(ref _sharedStorage[0]) + 63) & ~(nint)63);
            }
            if (_stateStorage is null || _stateStorage.Length < states)
            {
                _stateStorage = GC.AllocateArray<int>(states, pinned: true);
                SharedAState = (int*)Unsafe.AsPointer(ref _stateStorage[0]);
            }
        }

        /// <summary>[ColumnBlock / TileColumns][DepthBlock][TileColumns] floats.</summary>
        public float* PackedB { get; }

        /// <summary>[RowBlock / TileRows][DepthBlock][TileRows] floats.</summary>
        public float* PackedA { get; }

        /// <summary>[TileRows][TileColumns] floats: a partial tile of C; then 8 x 8 floats for a transposed piece of one (Gemm.InPlace.cs).</summary>
        public float* Tile { get; }
    }
}
