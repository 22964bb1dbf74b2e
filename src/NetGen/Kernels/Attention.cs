using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Multi-head scaled dot-product self-attention on a fused q|k|v buffer (nanoGPT's <c>c_attn</c> output), one fused
/// kernel per pass: the scores, the softmax, dropout on the attention weights and the weighted sum of the values run
/// together on blocks of four query rows, so no T x T matrix is ever written to memory. Forward keeps one float per
/// query row (the log-sum-exp of its scaled scores); backward recomputes the probabilities from it, as FlashAttention
/// does (the choice was measured against keeping the probabilities; see <see cref="SavedSize"/>).
/// </summary>
/// <remarks>
/// <para>Layout: qkv[B, T, 3·D] with D = heads·headSize; position t of sample b holds q (features 0..D), k (D..2D) and
/// v (2D..3D), each the heads' blocks of headSize features side by side. y[B, T, D] holds the heads' outputs
/// concatenated, ready for the output projection.</para>
/// <para>The causal mask is applied by skipping: a block of four query rows computes scores only up to the block's last
/// row (rounded up to 16 columns, the vector width), so about half the work of the unmasked product is done; the few
/// entries above the diagonal inside that block are set to probability 0 before they are used.</para>
/// <para>Work is split across the <see cref="Threading.WorkerPool"/> by (sample, head): each pair is computed alone, in
/// the same order whatever the thread count, so results are bit-identical for every thread count. Each thread keeps a
/// scratch buffer (about 7·T·headSize + 9·T floats, 64-byte aligned) allocated on its first call at a shape that
/// needs more; later calls allocate nothing.</para>
/// <para>The kernels use <see cref="Vector512{T}"/>; a machine without AVX-512 runs them correctly but slowly (the
/// JIT emulates 512-bit vectors): a Vector256 path is not written yet.</para>
/// </remarks>
public static unsafe class Attention
{
    private const int Width = 16;        // floats per Vector512
    private const int BlockRows = 4;     // query rows per block

    /// <summary>
    /// Floats that <see cref="Forward"/> keeps for <see cref="Backward"/>: batch·heads·steps log-sum-exps (one per query
    /// row: log Σ_j exp(scale·q·k_j)) and 2 more that hold the dropout mask's seed.
    /// </summary>
    /// <remarks>
    /// Measured at the GPT benchmark shape (B 32, T 64, heads 4, headSize 32, causal; `--attention`, best of many runs,
    /// Xeon with AVX-512 shared with other builds, 2026-12-08): keeping the B·H·T·T probabilities instead (2 MB per
    /// layer) saved backward 0.16-0.21 ms (1.44 against 1.60-1.64) but cost forward 0.44-0.51 ms (1.44-1.53 against
    /// 1.00-1.02) to write them, so forward and backward together took 3.09-3.25 ms against 2.74-2.82 with this
    /// log-sum-exp, besides the memory.
    /// </remarks>
    public static int SavedSize(int batch, int heads, int steps) => checked(batch * heads * steps + 2);

    // s[b,h,i,j] = scale·q[b,i,h,:]·k[b,j,h,:] (j <= i when causal);  p = softmax_j(s);  a = p·mask / (1 - rate) (dropout)
    // y[b,i,h·hs..] = Σ_j a[i,j]·v[b,j,h,:];   saved[(b·H + h)·T + i] = log Σ_j exp(s[i,j]);  scale = 1/sqrt(hs)
    /// <summary>
    /// Forward pass: writes <paramref name="y"/>[B, T, heads·headSize] (OVERWRITTEN) from
    /// <paramref name="qkv"/>[B, T, 3·heads·headSize], and <paramref name="saved"/> [<see cref="SavedSize"/>] for
    /// <see cref="Backward"/>, which also reads qkv (the generator keeps it: it is the qkv projection's output).
    /// <paramref name="dropout"/> is the probability of dropping an attention weight (inverted dropout, training only:
    /// pass 0 for inference, which draws no random numbers); the mask comes from a seed taken from
    /// <paramref name="rng"/> (two <see cref="Rng.NextUInt"/>) by a counter-based hash of (seed, row, key position),
    /// and is recomputed by backward, so it is never stored. y must not overlap qkv.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> qkv, Span<float> y, Span<float> saved, int batch, int steps, int heads, int headSize,
        bool causal, float dropout, ref Rng rng)
    {
        CheckShape(batch, steps, heads, headSize, dropout);
        int width = heads * headSize;
        CheckLength(qkv.Length, (long)batch * steps * 3 * width, nameof(qkv), "B·T·3·heads·headSize");
        CheckLength(y.Length, (long)batch * steps * width, nameof(y), "B·T·heads·headSize");
        CheckLength(saved.Length, SavedSize(batch, heads, steps), nameof(saved), "B·heads·T + 2");
        ulong seed = dropout > 0f ? DrawSeed(ref rng) : 0;
        MemoryMarshal.Cast<float, ulong>(saved.Slice(batch * heads * steps, 2))[0] = seed;
        fixed (float* pq = qkv, py = y, ps = saved)
        {
            var job = new Job(batch, steps, heads, headSize, causal, dropout, seed) { Qkv = pq, Y = py, Saved = ps };
            Run(&ForwardPart, ref job);
        }
    }

    // With a = p·mask/(1-rate) as in Forward and g = dy:
    // dv[j] = Σ_i a[i,j]·g[i];  da[i,j] = g[i]·v[j];  dp = da·mask/(1-rate);  ds[i,j] = p[i,j]·(dp[i,j] - Σ_j' a[i,j']·da[i,j'])
    // dq[i] = scale·Σ_j ds[i,j]·k[j];  dk[j] = scale·Σ_i ds[i,j]·q[i]
    /// <summary>
    /// Backward pass: <paramref name="dqkv"/>[B, T, 3·heads·headSize] (OVERWRITTEN, q|k|v blocks as in qkv) from
    /// <paramref name="dy"/>[B, T, heads·headSize], the forward's <paramref name="qkv"/> and <paramref name="saved"/>,
    /// and the same shape, mask option and dropout rate. dqkv must not overlap the inputs.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> qkv, ReadOnlySpan<float> saved, Span<float> dqkv,
        int batch, int steps, int heads, int headSize, bool causal, float dropout)
    {
        CheckShape(batch, steps, heads, headSize, dropout);
        int width = heads * headSize;
        CheckLength(dy.Length, (long)batch * steps * width, nameof(dy), "B·T·heads·headSize");
        CheckLength(qkv.Length, (long)batch * steps * 3 * width, nameof(qkv), "B·T·3·heads·headSize");
        CheckLength(dqkv.Length, (long)batch * steps * 3 * width, nameof(dqkv), "B·T·3·heads·headSize");
        CheckLength(saved.Length, SavedSize(batch, heads, steps), nameof(saved), "B·heads·T + 2");
        ulong seed = MemoryMarshal.Cast<float, ulong>(saved.Slice(batch * heads * steps, 2))[0];
        fixed (float* pdy = dy, pq = qkv, ps = saved, pd = dqkv)
        {
            var job = new Job(batch, steps, heads, headSize, causal, dropout, seed) { Qkv = pq, Dy = pdy, Saved = ps, Dqkv = pd };
            Run(&BackwardPart, ref job);
        }
    }

    /// <summary>
    /// Benchmarks and tests only: as <see cref="Forward"/>, and also writes the probabilities (before dropout) to
    /// <paramref name="probabilities"/>[B, H, T, T] (0 above the diagonal when causal), for <see cref="BackwardStored"/>.
    /// Kept to measure the choice that <see cref="SavedSize"/> records.
    /// </summary>
    internal static void ForwardStored(ReadOnlySpan<float> qkv, Span<float> y, Span<float> saved, Span<float> probabilities,
        int batch, int steps, int heads, int headSize, bool causal, float dropout, ref Rng rng)
    {
        CheckLength(probabilities.Length, (long)batch * heads * steps * steps, nameof(probabilities), "B·heads·T·T");
        CheckShape(batch, steps, heads, headSize, dropout);
        ulong seed = dropout > 0f ? DrawSeed(ref rng) : 0;
        MemoryMarshal.Cast<float, ulong>(saved.Slice(batch * heads * steps, 2))[0] = seed;
        fixed (float* pq = qkv, py = y, ps = saved, pp = probabilities)
        {
            var job = new Job(batch, steps, heads, headSize, causal, dropout, seed) { Qkv = pq, Y = py, Saved = ps, Probabilities = pp };
            Run(&ForwardPart, ref job);
        }
    }

    /// <summary>Benchmarks and tests only: <see cref="Backward"/> reading the probabilities that <see cref="ForwardStored"/> kept.</summary>
    internal static void BackwardStored(ReadOnlySpan<float> dy, ReadOnlySpan<float> qkv, ReadOnlySpan<float> saved, ReadOnlySpan<float> probabilities,
        Span<float> dqkv, int batch, int steps, int heads, int headSize, bool causal, float dropout)
    {
        CheckLength(probabilities.Length, (long)batch * heads * steps * steps, nameof(probabilities), "B·heads·T·T");
        CheckShape(batch, steps, heads, headSize, dropout);
        ulong seed = MemoryMarshal.Cast<float, ulong>(saved.Slice(batch * heads * steps, 2))[0];
        fixed (float* pdy = dy, pq = qkv, ps = saved, pd = dqkv, pp = probabilities)
        {
            var job = new Job(batch, steps, heads, headSize, causal, dropout, seed) { Qkv = pq, Dy = pdy, Saved = ps, Dqkv = pd, Probabilities = pp };
            Run(&BackwardPart, ref job);
        }
    }

    // Generation with a key/value cache: position t = `position` of each sample, attending to 0..t (causal).
    // keyCache[b,h,t,:] = k;  valueCache[b,h,t,:] = v;  y[b,h·hs..] = Σ_{j<=t} softmax_j(scale·q·keyCache[b,h,j,:])·valueCache[b,h,j,:]
    /// <summary>
    /// One position of causal attention for generation: appends this position's k and v (from
    /// <paramref name="qkv"/>[B, 3·heads·headSize], one position per sample) at row <paramref name="position"/> of
    /// <paramref name="keyCache"/> and <paramref name="valueCache"/> [B, heads, capacity, headSize], then writes the
    /// position's output <paramref name="y"/>[B, heads·headSize] from the cached positions 0..position. The same as
    /// row <paramref name="position"/> of <see cref="Forward"/> (causal, no dropout) over the whole prefix, in
    /// O(position·headSize) per head rather than O(position²·headSize). Runs on the calling thread; allocates nothing
    /// after a thread's first call at a capacity.
    /// </summary>
    public static void Step(ReadOnlySpan<float> qkv, Span<float> keyCache, Span<float> valueCache, Span<float> y,
        int batch, int heads, int headSize, int capacity, int position)
    {
        CheckShape(batch, 1, heads, headSize, 0f);
        if ((uint)position >= (uint)capacity)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"attention step: position must be in [0, capacity {capacity}).");
        int width = heads * headSize;
        CheckLength(qkv.Length, (long)batch * 3 * width, nameof(qkv), "B·3·heads·headSize");
        CheckLength(keyCache.Length, (long)batch * heads * capacity * headSize, nameof(keyCache), "B·heads·capacity·headSize");
        CheckLength(valueCache.Length, (long)batch * heads * capacity * headSize, nameof(valueCache), "B·heads·capacity·headSize");
        CheckLength(y.Length, (long)batch * width, nameof(y), "B·heads·headSize");
        int length = position + 1, vectors = (length + Width - 1) / Width, hsp = RoundUp(headSize, Width);
        float scale = 1f / MathF.Sqrt(headSize);
        float* scores = Scratch(vectors * Width + hsp);
        float* sum = scores + vectors * Width;
        fixed (float* pq = qkv, pk = keyCache, pv = valueCache, py = y)
        {
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < heads; h++)
                {
                    float* q = pq + (long)b * 3 * width + h * headSize;
                    float* keys = pk + ((long)b * heads + h) * capacity * headSize, values = pv + ((long)b * heads + h) * capacity * headSize;
                    CopyRow(q + width, keys + (long)position * headSize, headSize);
                    CopyRow(q + 2 * width, values + (long)position * headSize, headSize);
                    for (int j = 0; j < length; j++) scores[j] = Dot(q, keys + (long)j * headSize, headSize);
                    SoftmaxRow(scores, length, vectors, scale, out float inverse);
                    new Span<float>(sum, hsp).Clear();
                    for (int j = 0; j < length; j++) AddScaled(scores[j], values + (long)j * headSize, sum, headSize);
                    CopyRow(sum, py + (long)b * width + h * headSize, headSize, inverse);
                }
        }
    }

    // Σ_d a[d]·b[d]: 16 lanes, then the rest.
    private static float Dot(float* a, float* b, int count)
    {
        Vector512<float> lanes = Vector512<float>.Zero;
        int d = 0;
        for (; d + Width <= count; d += Width) lanes = Vector512.FusedMultiplyAdd(Vector512.Load(a + d), Vector512.Load(b + d), lanes);
        float sum = Vector512.Sum(lanes);
        for (; d < count; d++) sum += a[d] * b[d];
        return sum;
    }

    // target[0..count) += weight·source[0..count)
    private static void AddScaled(float weight, float* source, float* target, int count)
    {
        Vector512<float> w = Vector512.Create(weight);
        int d = 0;
        for (; d + Width <= count; d += Width) Vector512.FusedMultiplyAdd(w, Vector512.Load(source + d), Vector512.Load(target + d)).Store(target + d);
        for (; d < count; d++) target[d] += weight * source[d];
    }

    /// <summary>The dropout seed that <see cref="Forward"/> takes from <paramref name="rng"/>: two draws, high word first.</summary>
    internal static ulong DrawSeed(ref Rng rng)
    {
        ulong high = rng.NextUInt();
        return high << 32 | rng.NextUInt();
    }

    /// <summary>
    /// The dropout scales of one query row (0, or 1/(1 - rate) for a kept weight) for key positions 0..length-1, as
    /// the kernels draw them: counter-based, as FlashAttention's Philox, so that any lane can be recomputed alone
    /// (backward recomputes the mask rather than storing it, and 16 lanes are drawn at once). Key position j of row
    /// (b·H + h)·T + i draws <c>Mix(key + j·0x9E3779B9)</c> with key = the SplitMix64 finalizer of seed ^ (row + 1)·φ
    /// and Mix Wellons' lowbias32; the weight is kept when the draw is at least rate·2^32 (as <see cref="Dropout.Forward"/>).
    /// </summary>
    internal static void DropoutRow(ulong seed, long row, float rate, Span<float> scales)
    {
        uint key = RowKey(seed, row), threshold = Threshold(rate);
        float keep = 1f / (1f - rate);
        for (int j = 0; j < scales.Length; j++) scales[j] = Mix(key + (uint)j * 0x9E3779B9u) >= threshold ? keep : 0f;
    }

    private static uint RowKey(ulong seed, long row)
    {
        ulong z = seed ^ (ulong)(row + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x21F0AAADu;
        x ^= x >> 15;
        x *= 0x735A2D97u;
        return x ^ (x >> 15);
    }

    // DropoutRow's scales for key positions 16·vector .. 16·vector + 15, bit for bit.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> DropoutScales(uint key, int vector, uint threshold, float keep)
    {
        Vector512<uint> x = Vector512.Create(key) + (Vector512<uint>.Indices + Vector512.Create((uint)(vector * Width))) * Vector512.Create(0x9E3779B9u);
        x ^= Vector512.ShiftRightLogical(x, 16);
        x *= Vector512.Create(0x21F0AAADu);
        x ^= Vector512.ShiftRightLogical(x, 15);
        x *= Vector512.Create(0x735A2D97u);
        x ^= Vector512.ShiftRightLogical(x, 15);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512.Create(threshold)).AsSingle(), Vector512.Create(keep), Vector512<float>.Zero);
    }

    private static uint Threshold(float rate) => (uint)Math.Min(Math.Round(rate * 4294967296.0), uint.MaxValue);

    private struct Job
    {
        public float* Qkv, Y, Dy, Dqkv, Saved, Probabilities;
        public int Batch, Steps, Heads, HeadSize, Padded, PaddedHead;
        public bool Causal;
        public float Scale, Dropout;
        public ulong Seed;

        public Job(int batch, int steps, int heads, int headSize, bool causal, float dropout, ulong seed)
        {
            Batch = batch;
            Steps = steps;
            Heads = heads;
            HeadSize = headSize;
            Padded = RoundUp(steps, Width);
            PaddedHead = RoundUp(headSize, Width);
            Causal = causal;
            Scale = 1f / MathF.Sqrt(headSize);
            Dropout = dropout;
            Seed = seed;
        }

        // Per-thread scratch floats, backward's (forward needs less): q, k, dy, dk, dv [Tp, hsP], kᵀ and vᵀ [hs, Tp], two
        // block tiles [4, Tp], a mask row [Tp] and an output tile [4, hsP].
        public readonly int ScratchFloats => 5 * Padded * PaddedHead + 2 * HeadSize * Padded + (2 * BlockRows + 1) * Padded + BlockRows * PaddedHead;
    }

    private static void Run(delegate*<void*, int, int, void> part, ref Job job)
    {
        int pairs = job.Batch * job.Heads;
        Threading.WorkerPool pool = Threading.WorkerPool.Shared;
        fixed (Job* context = &job)
        {
            if (pairs > 1 && pool.Parallelism > 1) pool.Run(part, context, pairs);
            else for (int pair = 0; pair < pairs; pair++) part(context, pair, pairs);
        }
    }

    private static void ForwardPart(void* context, int pair, int pairs) => ForwardHead(ref *(Job*)context, pair);

    private static void BackwardPart(void* context, int pair, int pairs) => BackwardHead(ref *(Job*)context, pair);

    // One (sample, head): blocks of 4 query rows, each scores -> softmax (-> dropout) -> weighted values -> y.
    private static void ForwardHead(ref Job job, int pair)
    {
        int steps = job.Steps, hs = job.HeadSize, tp = job.Padded, hsp = job.PaddedHead, heads = job.Heads;
        int b = pair / heads, h = pair % heads, width = heads * hs, stride = 3 * width;
        float* scratch = Scratch(job.ScratchFloats);
        float* q = scratch, v = q + tp * hsp, kt = v + tp * hsp, tile = kt + hs * tp, outTile = tile + BlockRows * tp;
        float* source = job.Qkv + (long)b * steps * stride + h * hs;
        GatherRows(source, stride, q, hsp, steps, tp, hs);
        GatherRows(source + 2 * width, stride, v, hsp, steps, tp, hs);
        GatherTransposed(source + width, stride, kt, tp, steps, hs);
        float* lse = job.Saved + (long)pair * steps;
        bool dropout = job.Dropout > 0f;
        uint threshold = Threshold(job.Dropout);
        float keep = 1f / (1f - job.Dropout);
        float* inverses = stackalloc float[BlockRows];   // 1/Σe of the block's rows
        for (int i0 = 0; i0 < steps; i0 += BlockRows)
        {
            int rows = Math.Min(BlockRows, steps - i0);
            int end = job.Causal ? Math.Min(steps, i0 + BlockRows) : steps;   // keys this block reads
            int vectors = (end + Width - 1) / Width;
            Scores(q + i0 * hsp, hsp, hs, kt, tp, vectors, tile, tp);
            for (int r = 0; r < BlockRows; r++)
            {
                float* row = tile + r * tp;
                if (r >= rows)
                {
                    new Span<float>(row, vectors * Width).Clear();
                    continue;
                }
                int i = i0 + r, length = job.Causal ? i + 1 : steps;
                lse[i] = SoftmaxRow(row, length, vectors, job.Scale, out inverses[r]);
                if (job.Probabilities != null)
                {
                    var stored = new Span<float>(job.Probabilities + ((long)pair * steps + i) * steps, steps);
                    for (int j = 0; j < length; j++) stored[j] = row[j] * inverses[r];
                    stored.Slice(length).Clear();
                }
                if (dropout)
                {
                    uint key = RowKey(job.Seed, (long)pair * steps + i);
                    for (int c = 0; c < vectors; c++)
                        (Vector512.Load(row + c * Width) * DropoutScales(key, c, threshold, keep)).Store(row + c * Width);
                }
            }
            Mix(tile, tp, end, v, hsp, outTile);
            for (int r = 0; r < rows; r++)
                CopyRow(outTile + r * hsp, job.Y + ((long)b * steps + i0 + r) * width + h * hs, hs, inverses[r]);
        }
    }

    // One (sample, head): per block of 4 query rows, recompute p from the saved log-sum-exp, then dq for the block and
    // the block's share of dk and dv (accumulated over blocks in scratch, written at the end).
    private static void BackwardHead(ref Job job, int pair)
    {
        int steps = job.Steps, hs = job.HeadSize, tp = job.Padded, hsp = job.PaddedHead, heads = job.Heads;
        int b = pair / heads, h = pair % heads, width = heads * hs, stride = 3 * width;
        float* scratch = Scratch(job.ScratchFloats);
        float* q = scratch, k = q + tp * hsp, g = k + tp * hsp, dk = g + tp * hsp, dv = dk + tp * hsp;
        float* kt = dv + tp * hsp, vt = kt + hs * tp;
        float* probabilities = vt + hs * tp, gradients = probabilities + BlockRows * tp, mask = gradients + BlockRows * tp;
        float* outTile = mask + tp;
        float* source = job.Qkv + (long)b * steps * stride + h * hs;
        float* dySource = job.Dy + (long)b * steps * width + h * hs;
        GatherRows(source, stride, q, hsp, steps, tp, hs);
        GatherRows(source + width, stride, k, hsp, steps, tp, hs);
        GatherRows(dySource, width, g, hsp, steps, tp, hs);
        GatherTransposed(source + width, stride, kt, tp, steps, hs);
        GatherTransposed(source + 2 * width, stride, vt, tp, steps, hs);
        new Span<float>(dk, 2 * tp * hsp).Clear();   // dk and dv
        float* lse = job.Saved + (long)pair * steps;
        float* dqTarget = job.Dqkv + (long)b * steps * stride + h * hs;
        bool dropout = job.Dropout > 0f, stored = job.Probabilities != null;
        uint threshold = Threshold(job.Dropout);
        float keep = 1f / (1f - job.Dropout);
        float scale = job.Scale;
        for (int i0 = 0; i0 < steps; i0 += BlockRows)
        {
            int rows = Math.Min(BlockRows, steps - i0);
            int end = job.Causal ? Math.Min(steps, i0 + BlockRows) : steps;
            int vectors = (end + Width - 1) / Width;
            if (!stored) Scores(q + i0 * hsp, hsp, hs, kt, tp, vectors, probabilities, tp);
            Scores(g + i0 * hsp, hsp, hs, vt, tp, vectors, gradients, tp);   // da = g·vᵀ
            for (int r = 0; r < BlockRows; r++)
            {
                float* p = probabilities + r * tp, d = gradients + r * tp;
                if (r >= rows)
                {
                    new Span<float>(p, vectors * Width).Clear();
                    new Span<float>(d, vectors * Width).Clear();
                    continue;
                }
                int i = i0 + r, length = job.Causal ? i + 1 : steps;
                if (stored)
                {
                    new ReadOnlySpan<float>(job.Probabilities + ((long)pair * steps + i) * steps, length).CopyTo(new Span<float>(p, length));
                    new Span<float>(p + length, vectors * Width - length).Clear();
                }
                else RecomputeRow(p, length, vectors, scale, lse[i]);
                float* m = null;
                if (dropout)
                {
                    m = mask;
                    uint key = RowKey(job.Seed, (long)pair * steps + i);
                    for (int c = 0; c < vectors; c++) DropoutScales(key, c, threshold, keep).Store(m + c * Width);
                }
                GradientRow(p, d, m, vectors, scale);   // p <- a (dropped p), d <- scale·ds
            }
            Mix(gradients, tp, end, k, hsp, outTile);   // dq rows (scale inside ds)
            for (int r = 0; r < rows; r++)
                CopyRow(outTile + r * hsp, dqTarget + (long)(i0 + r) * stride, hs);
            RankUpdate(dk, hsp, gradients, tp, end, q + i0 * hsp);         // dk[j] += Σ_r scale·ds[r,j]·q[i0+r]
            RankUpdate(dv, hsp, probabilities, tp, end, g + i0 * hsp);     // dv[j] += Σ_r a[r,j]·g[i0+r]
        }
        for (int j = 0; j < steps; j++)
        {
            CopyRow(dk + j * hsp, dqTarget + (long)j * stride + width, hs);
            CopyRow(dv + j * hsp, dqTarget + (long)j * stride + 2 * width, hs);
        }
    }

    // Row i of the softmax, in place over its raw scores q·k (vectors·16 of them, `length` valid), left unnormalized:
    // e = exp(scale·s - max), 0 past length; the caller scales by `inverse` = 1/Σe (once per output row, not per
    // score). Returns the log-sum-exp of the scaled scores.
    private static float SoftmaxRow(float* row, int length, int vectors, float scale, out float inverse)
    {
        Vector512<float> max = Vector512.Create(float.NegativeInfinity);
        for (int c = 0; c < vectors; c++)
            max = Vector512.Max(max, Vector512.ConditionalSelect(Valid(c, length), Vector512.Load(row + c * Width), Vector512.Create(float.NegativeInfinity)));
        float top = HorizontalMax(max);
        Vector512<float> scales = Vector512.Create(scale), shift = Vector512.Create(-scale * top), sum = Vector512<float>.Zero;
        for (int c = 0; c < vectors; c++)
        {
            Vector512<float> e = Exp(Vector512.FusedMultiplyAdd(Vector512.Load(row + c * Width), scales, shift));
            e = Vector512.ConditionalSelect(Valid(c, length), e, Vector512<float>.Zero);
            sum += e;
            e.Store(row + c * Width);
        }
        float total = Vector512.Sum(sum);
        inverse = 1f / total;
        return scale * top + MathF.Log(total);
    }

    // The largest lane, by halving (a lane-by-lane loop measured 23-55 ns).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector512<float> lanes)
    {
        Vector256<float> eight = Vector256.Max(lanes.GetLower(), lanes.GetUpper());
        Vector128<float> four = Vector128.Max(eight.GetLower(), eight.GetUpper());
        four = Vector128.Max(four, Vector128.Shuffle(four, Vector128.Create(2, 3, 0, 1)));
        four = Vector128.Max(four, Vector128.Shuffle(four, Vector128.Create(1, 0, 3, 2)));
        return four.ToScalar();
    }

    // p = exp(scale·s - lse) over the raw scores in place, 0 past length.
    private static void RecomputeRow(float* row, int length, int vectors, float scale, float lse)
    {
        Vector512<float> scales = Vector512.Create(scale), shift = Vector512.Create(-lse);
        for (int c = 0; c < vectors; c++)
        {
            Vector512<float> e = Exp(Vector512.FusedMultiplyAdd(Vector512.Load(row + c * Width), scales, shift));
            Vector512.ConditionalSelect(Valid(c, length), e, Vector512<float>.Zero).Store(row + c * Width);
        }
    }

    // In place: p -> a = p·m, d (= da) -> scale·p·(da·m - Σ a·da). m null means no dropout (m = 1).
    private static void GradientRow(float* p, float* d, float* m, int vectors, float scale)
    {
        Vector512<float> dot = Vector512<float>.Zero;
        for (int c = 0; c < vectors; c++)
        {
            Vector512<float> a = Vector512.Load(p + c * Width);
            if (m != null) a *= Vector512.Load(m + c * Width);
            dot = Vector512.FusedMultiplyAdd(a, Vector512.Load(d + c * Width), dot);
        }
        Vector512<float> rowDot = Vector512.Create(Vector512.Sum(dot)), scales = Vector512.Create(scale);
        for (int c = 0; c < vectors; c++)
        {
            Vector512<float> pc = Vector512.Load(p + c * Width), dc = Vector512.Load(d + c * Width);
            if (m != null)
            {
                Vector512<float> mc = Vector512.Load(m + c * Width);
                dc *= mc;
                (pc * mc).Store(p + c * Width);
            }
            (pc * (dc - rowDot) * scales).Store(d + c * Width);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Valid(int vector, int length) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(length - vector * Width)).AsSingle();

    // e^x for x in [-87.3, 88.3] (clamped there), within 2 ulp: x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two for
    // an exact reduction), e^r = 1 + r + r²·P(r) with Cephes' degree-5 minimax P (expf), times 2^n built in the
    // exponent bits. Vector512.Exp measured 58 ns per vector here (.NET 10, Xeon with AVX-512), this 3-8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.3f)), Vector512.Create(88.3f));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(1.44269504f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693145752f), x);    // ln2 high part: 16 bits, n·it exact
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.42860682e-6f), r);                  // ln2 - high part
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

    // out[r, 0..16·vectors) = Σ_d a[r, d]·xt[d, ·] for the 4 rows r of a (row stride lda, `depth` columns read), xt row
    // stride ldx. Columns in groups of 64 (16 accumulators), then 32, then 16.
    private static void Scores(float* a, int lda, int depth, float* xt, int ldx, int vectors, float* output, int ldo)
    {
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        int c = 0;
        for (; c + 4 <= vectors; c += 4)
        {
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
            Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
            float* x = xt + c * Width;
            for (int d = 0; d < depth; d++, x += ldx)
            {
                Vector512<float> x0 = Vector512.Load(x), x1 = Vector512.Load(x + 16), x2 = Vector512.Load(x + 32), x3 = Vector512.Load(x + 48);
                Vector512<float> w = Vector512.Create(a0[d]);
                s00 = Vector512.FusedMultiplyAdd(w, x0, s00); s01 = Vector512.FusedMultiplyAdd(w, x1, s01);
                s02 = Vector512.FusedMultiplyAdd(w, x2, s02); s03 = Vector512.FusedMultiplyAdd(w, x3, s03);
                w = Vector512.Create(a1[d]);
                s10 = Vector512.FusedMultiplyAdd(w, x0, s10); s11 = Vector512.FusedMultiplyAdd(w, x1, s11);
                s12 = Vector512.FusedMultiplyAdd(w, x2, s12); s13 = Vector512.FusedMultiplyAdd(w, x3, s13);
                w = Vector512.Create(a2[d]);
                s20 = Vector512.FusedMultiplyAdd(w, x0, s20); s21 = Vector512.FusedMultiplyAdd(w, x1, s21);
                s22 = Vector512.FusedMultiplyAdd(w, x2, s22); s23 = Vector512.FusedMultiplyAdd(w, x3, s23);
                w = Vector512.Create(a3[d]);
                s30 = Vector512.FusedMultiplyAdd(w, x0, s30); s31 = Vector512.FusedMultiplyAdd(w, x1, s31);
                s32 = Vector512.FusedMultiplyAdd(w, x2, s32); s33 = Vector512.FusedMultiplyAdd(w, x3, s33);
            }
            float* o = output + c * Width;
            s00.Store(o); s01.Store(o + 16); s02.Store(o + 32); s03.Store(o + 48); o += ldo;
            s10.Store(o); s11.Store(o + 16); s12.Store(o + 32); s13.Store(o + 48); o += ldo;
            s20.Store(o); s21.Store(o + 16); s22.Store(o + 32); s23.Store(o + 48); o += ldo;
            s30.Store(o); s31.Store(o + 16); s32.Store(o + 32); s33.Store(o + 48);
        }
        for (; c + 2 <= vectors; c += 2)
        {
            Vector512<float> s00 = default, s01 = default, s10 = default, s11 = default;
            Vector512<float> s20 = default, s21 = default, s30 = default, s31 = default;
            float* x = xt + c * Width;
            for (int d = 0; d < depth; d++, x += ldx)
            {
                Vector512<float> x0 = Vector512.Load(x), x1 = Vector512.Load(x + 16);
                Vector512<float> w = Vector512.Create(a0[d]);
                s00 = Vector512.FusedMultiplyAdd(w, x0, s00); s01 = Vector512.FusedMultiplyAdd(w, x1, s01);
                w = Vector512.Create(a1[d]);
                s10 = Vector512.FusedMultiplyAdd(w, x0, s10); s11 = Vector512.FusedMultiplyAdd(w, x1, s11);
                w = Vector512.Create(a2[d]);
                s20 = Vector512.FusedMultiplyAdd(w, x0, s20); s21 = Vector512.FusedMultiplyAdd(w, x1, s21);
                w = Vector512.Create(a3[d]);
                s30 = Vector512.FusedMultiplyAdd(w, x0, s30); s31 = Vector512.FusedMultiplyAdd(w, x1, s31);
            }
            float* o = output + c * Width;
            s00.Store(o); s01.Store(o + 16); o += ldo;
            s10.Store(o); s11.Store(o + 16); o += ldo;
            s20.Store(o); s21.Store(o + 16); o += ldo;
            s30.Store(o); s31.Store(o + 16);
        }
        for (; c < vectors; c++)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* x = xt + c * Width;
            for (int d = 0; d < depth; d++, x += ldx)
            {
                Vector512<float> x0 = Vector512.Load(x);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[d]), x0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[d]), x0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[d]), x0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[d]), x0, s3);
            }
            float* o = output + c * Width;
            s0.Store(o); s1.Store(o + ldo); s2.Store(o + 2 * ldo); s3.Store(o + 3 * ldo);
        }
    }

    // out[r, 0..hsp) = Σ_{j < count} w[r, j]·x[j, ·] for the 4 rows of w (row stride ldw); x rows of hsp floats (a
    // multiple of 16), out rows of hsp floats. Column chunks in pairs (8 accumulators), then one.
    private static void Mix(float* w, int ldw, int count, float* x, int hsp, float* output)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        int c = 0;
        for (; c + 2 * Width <= hsp; c += 2 * Width)
        {
            Vector512<float> o00 = default, o01 = default, o10 = default, o11 = default, o20 = default, o21 = default, o30 = default, o31 = default;
            float* xj = x + c;
            for (int j = 0; j < count; j++, xj += hsp)
            {
                Vector512<float> x0 = Vector512.Load(xj), x1 = Vector512.Load(xj + 16);
                Vector512<float> s = Vector512.Create(w0[j]);
                o00 = Vector512.FusedMultiplyAdd(s, x0, o00); o01 = Vector512.FusedMultiplyAdd(s, x1, o01);
                s = Vector512.Create(w1[j]);
                o10 = Vector512.FusedMultiplyAdd(s, x0, o10); o11 = Vector512.FusedMultiplyAdd(s, x1, o11);
                s = Vector512.Create(w2[j]);
                o20 = Vector512.FusedMultiplyAdd(s, x0, o20); o21 = Vector512.FusedMultiplyAdd(s, x1, o21);
                s = Vector512.Create(w3[j]);
                o30 = Vector512.FusedMultiplyAdd(s, x0, o30); o31 = Vector512.FusedMultiplyAdd(s, x1, o31);
            }
            float* o = output + c;
            o00.Store(o); o01.Store(o + 16); o += hsp;
            o10.Store(o); o11.Store(o + 16); o += hsp;
            o20.Store(o); o21.Store(o + 16); o += hsp;
            o30.Store(o); o31.Store(o + 16);
        }
        for (; c < hsp; c += Width)
        {
            Vector512<float> o0 = default, o1 = default, o2 = default, o3 = default;
            float* xj = x + c;
            for (int j = 0; j < count; j++, xj += hsp)
            {
                Vector512<float> x0 = Vector512.Load(xj);
                o0 = Vector512.FusedMultiplyAdd(Vector512.Create(w0[j]), x0, o0);
                o1 = Vector512.FusedMultiplyAdd(Vector512.Create(w1[j]), x0, o1);
                o2 = Vector512.FusedMultiplyAdd(Vector512.Create(w2[j]), x0, o2);
                o3 = Vector512.FusedMultiplyAdd(Vector512.Create(w3[j]), x0, o3);
            }
            float* o = output + c;
            o0.Store(o); o1.Store(o + hsp); o2.Store(o + 2 * hsp); o3.Store(o + 3 * hsp);
        }
    }

    // target[j, ·] += Σ_r w[r, j]·y[r, ·] for j < count, the 4 rows r of w (stride ldw) and of y (rows of hsp floats).
    private static void RankUpdate(float* target, int hsp, float* w, int ldw, int count, float* y)
    {
        float* w0 = w, w1 = w + ldw, w2 = w + 2 * ldw, w3 = w + 3 * ldw;
        int c = 0;
        for (; c + 2 * Width <= hsp; c += 2 * Width)
        {
            Vector512<float> y00 = Vector512.Load(y + c), y01 = Vector512.Load(y + c + 16);
            Vector512<float> y10 = Vector512.Load(y + hsp + c), y11 = Vector512.Load(y + hsp + c + 16);
            Vector512<float> y20 = Vector512.Load(y + 2 * hsp + c), y21 = Vector512.Load(y + 2 * hsp + c + 16);
            Vector512<float> y30 = Vector512.Load(y + 3 * hsp + c), y31 = Vector512.Load(y + 3 * hsp + c + 16);
            float* t = target + c;
            for (int j = 0; j < count; j++, t += hsp)
            {
                Vector512<float> s = Vector512.Create(w0[j]);
                Vector512<float> t0 = Vector512.FusedMultiplyAdd(s, y00, Vector512.Load(t)), t1 = Vector512.FusedMultiplyAdd(s, y01, Vector512.Load(t + 16));
                s = Vector512.Create(w1[j]);
                t0 = Vector512.FusedMultiplyAdd(s, y10, t0); t1 = Vector512.FusedMultiplyAdd(s, y11, t1);
                s = Vector512.Create(w2[j]);
                t0 = Vector512.FusedMultiplyAdd(s, y20, t0); t1 = Vector512.FusedMultiplyAdd(s, y21, t1);
                s = Vector512.Create(w3[j]);
                t0 = Vector512.FusedMultiplyAdd(s, y30, t0); t1 = Vector512.FusedMultiplyAdd(s, y31, t1);
                t0.Store(t); t1.Store(t + 16);
            }
        }
        for (; c < hsp; c += Width)
        {
            Vector512<float> y0 = Vector512.Load(y + c), y1 = Vector512.Load(y + hsp + c), y2 = Vector512.Load(y + 2 * hsp + c), y3 = Vector512.Load(y + 3 * hsp + c);
            float* t = target + c;
            for (int j = 0; j < count; j++, t += hsp)
            {
                Vector512<float> t0 = Vector512.FusedMultiplyAdd(Vector512.Create(w0[j]), y0, Vector512.Load(t));
                t0 = Vector512.FusedMultiplyAdd(Vector512.Create(w1[j]), y1, t0);
                t0 = Vector512.FusedMultiplyAdd(Vector512.Create(w2[j]), y2, t0);
                Vector512.FusedMultiplyAdd(Vector512.Create(w3[j]), y3, t0).Store(t);
            }
        }
    }

    // target[t, 0..hs) = source[t·stride + ·] for t < steps; zeros in columns hs..hsp and rows steps..padded.
    private static void GatherRows(float* source, int stride, float* target, int hsp, int steps, int padded, int hs)
    {
        for (int t = 0; t < steps; t++)
        {
            CopyRow(source + (long)t * stride, target + t * hsp, hs);
            for (int d = hs; d < hsp; d++) target[t * hsp + d] = 0f;
        }
        new Span<float>(target + steps * hsp, (padded - steps) * hsp).Clear();
    }

    // target[0..count) = factor·source[0..count)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* source, float* target, int count, float factor)
    {
        Vector512<float> scale = Vector512.Create(factor);
        int d = 0;
        for (; d + Width <= count; d += Width) Vector512.Store(Vector512.Load(source + d) * scale, target + d);
        for (; d < count; d++) target[d] = source[d] * factor;
    }

    // target[0..count) = source[0..count): whole vectors, then floats (a span copy costs more at these sizes).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* source, float* target, int count)
    {
        int d = 0;
        for (; d + Width <= count; d += Width) Vector512.Store(Vector512.Load(source + d), target + d);
        for (; d < count; d++) target[d] = source[d];
    }

    // target[d, t] = source[t·stride + d] for d < hs, t < steps; zeros in columns steps..padded. 8 x 8 blocks transposed
    // in registers (a float at a time measured 1.2-2.8 us for 64 x 32, about a third of a head's backward).
    private static void GatherTransposed(float* source, int stride, float* target, int padded, int steps, int hs)
    {
        int t = 0;
        if (Avx.IsSupported)
        {
            for (; t + 8 <= steps; t += 8)
            {
                float* rows = source + (long)t * stride;
                int d = 0;
                for (; d + 8 <= hs; d += 8) Transpose8x8(rows + d, stride, target + d * padded + t, padded);
                for (; d < hs; d++)
                    for (int k = 0; k < 8; k++) target[d * padded + t + k] = rows[(long)k * stride + d];
            }
        }
        for (; t < steps; t++)
        {
            float* row = source + (long)t * stride;
            for (int d = 0; d < hs; d++) target[d * padded + t] = row[d];
        }
        if (padded > steps)
            for (int d = 0; d < hs; d++) new Span<float>(target + d * padded + steps, padded - steps).Clear();
    }

    // target[c, r] = source[r·stride + c] for r, c < 8: the unpack / shuffle / permute transpose.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, int stride, float* target, int ldt)
    {
        Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + stride);
        Vector256<float> r2 = Avx.LoadVector256(source + 2L * stride), r3 = Avx.LoadVector256(source + 3L * stride);
        Vector256<float> r4 = Avx.LoadVector256(source + 4L * stride), r5 = Avx.LoadVector256(source + 5L * stride);
        Vector256<float> r6 = Avx.LoadVector256(source + 6L * stride), r7 = Avx.LoadVector256(source + 7L * stride);
        Vector256<float> u0 = Avx.UnpackLow(r0, r1), u1 = Avx.UnpackHigh(r0, r1), u2 = Avx.UnpackLow(r2, r3), u3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> u4 = Avx.UnpackLow(r4, r5), u5 = Avx.UnpackHigh(r4, r5), u6 = Avx.UnpackLow(r6, r7), u7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(u0, u2, 0x44), s1 = Avx.Shuffle(u0, u2, 0xEE), s2 = Avx.Shuffle(u1, u3, 0x44), s3 = Avx.Shuffle(u1, u3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(u4, u6, 0x44), s5 = Avx.Shuffle(u4, u6, 0xEE), s6 = Avx.Shuffle(u5, u7, 0x44), s7 = Avx.Shuffle(u5, u7, 0xEE);
        Avx.Store(target, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(target + ldt, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(target + 2 * ldt, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(target + 3 * ldt, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(target + 4 * ldt, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(target + 5 * ldt, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(target + 6 * ldt, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(target + 7 * ldt, Avx.Permute2x128(s3, s7, 0x31));
    }

    [ThreadStatic] private static float[]? t_scratch;
    [ThreadStatic] private static nint t_aligned;

    // This thread's scratch of at least `floats` floats, 64-byte aligned and pinned; grown (allocating) only when a
    // larger shape asks.
    private static float* Scratch(int floats)
    {
        float[]? storage = t_scratch;
        if (storage is null || storage.Length < floats + Width)
        {
            storage = GC.AllocateUninitializedArray<float>(floats + Width, pinned: true);
            t_scratch = storage;
            t_aligned = ((nint)Unsafe.AsPointer(ref storage[0]) + 63) & ~(nint)63;
        }
        return (float*)t_aligned;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static void CheckShape(int batch, int steps, int heads, int headSize, float dropout)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "attention needs a batch of at least 1.");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "attention needs at least 1 position.");
        if (heads < 1) throw new ArgumentOutOfRangeException(nameof(heads), heads, "attention needs at least 1 head.");
        if (headSize < 1) throw new ArgumentOutOfRangeException(nameof(headSize), headSize, "attention needs a head size of at least 1.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "the attention dropout rate must be in [0, 1).");
    }

    private static void CheckLength(int length, long needed, string name, string formula)
    {
        if (length < needed) throw new ArgumentException($"attention: {name} holds {length} floats; {formula} needs {needed}.", name);
    }
}
