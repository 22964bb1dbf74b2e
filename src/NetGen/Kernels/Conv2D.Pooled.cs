using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

// Inference's convolution + bias + ReLU + 2x2 stride-2 max pooling in one pass: the convolution's output is never
// written, only the pooled one (4x fewer floats), and no argmax is kept (nothing runs backward). Two ways to compute
// it, chosen by the generator from the layer's shape at build time (ConvolutionShapes.PooledKernelFor):
// - Channels: one Vector512 holds 16 output channels of one position; a register tile is 5 pooling windows x their
//   4 positions (20 accumulators), and each tap is one load of 16 arranged weights and 20 broadcast multiply-adds of
//   input values. No position is computed that the pooling drops, and no padding column, so this suits layers with
//   at least about 10 output channels and small planes (LeNet's 6->16 on 14x14).
// - Planes: the direct correlation of Conv2D.Direct.cs (16 grid positions per vector, 6 channels per tile, whole
//   zero-bordered rows), then the 2x2 maximum taken from the grid while it is in cache. Suits few output channels on
//   large planes (LeNet's 1->6 on 28x28), where a vector of channels would be mostly empty.
// max over a window commutes with adding the channel's bias and with ReLU (both monotone), so the bias and ReLU run
// once per pooled value. Every pooled value is the same chain of operations whatever the thread count.
public static unsafe partial class Conv2D
{
    /// <summary>Pooling windows per register tile of the channel-vector kernel.</summary>
    private const int PooledWindowBlock = 5;

    /// <summary>
    /// Floats of scratch that <c>ForwardMaxPoolChannels</c> or <c>ForwardMaxPoolPlanes</c> need (each
    /// its own layout; pass <paramref name="channelVectors"/> true for the first): arranged weights and one workspace
    /// per thread. Depends on the shapes only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the shape is not one the kernel supports, or the kernel does not fit.</exception>
    public static int MaxPoolScratchSize(bool channelVectors, int batch, int inChannels, int height, int width, int outChannels,
        int kernel, int stride, int padding, int dilation) =>
        new PooledShape(channelVectors, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation).ScratchLength;

    // pooled[B,OC,PH,PW] = activation(max_{i,j<2} conv(input, weight)[B,OC,2ph+i,2pw+j] + bias[OC]),  PH = OH/2, PW = OW/2
    // conv(input, weight)[b,oc,oh,ow] = sum_{ic,kh,kw} weight[oc,ic,kh,kw] * input[b,ic,oh*s-p+kh*d, ow*s-p+kw*d]
    /// <summary>
    /// Convolution (square kernel, the same stride, padding and dilation in both dimensions), bias, activation
    /// (<see cref="Activation.Identity"/> or <see cref="Activation.ReLU"/>) and a 2x2 stride-2 max pooling without
    /// padding, in one pass that writes only <paramref name="pooled"/>[B,OC,OH/2,OW/2]: inference's forward of a
    /// Conv2D followed by MaxPool2D(2). Vectorized over 16 output channels at a time (see the file's remarks);
    /// <paramref name="scratch"/> holds at least <see cref="MaxPoolScratchSize"/>(true, ...) floats. A NaN in a
    /// window gives NaN, as <see cref="Pooling.MaxForward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the kernel does not fit, the output is smaller than one window, or the activation is not Identity or ReLU.</exception>
    public static void ForwardMaxPoolChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation) =>
        ForwardMaxPool(true, input, weight, bias, pooled, default, default, scratch, activation, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);

    // pooled as above;  argmax[B,OC,PH,PW] = oh*OW + ow of the window's maximum of activation(conv + bias) (Pooling.MaxForward's rule)
    /// <summary>
    /// <see cref="ForwardMaxPoolChannels(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Activation, int, int, int, int, int, int, int, int, int)"/>
    /// that also writes <paramref name="argmax"/>[B,OC,OH/2,OW/2] (unless it is empty): the index <c>oh*OW + ow</c>, within
    /// its channel's OH x OW plane, of each window's maximum of the activated convolution, chosen as
    /// <see cref="Pooling.MaxForward"/> chooses it (row-major scan, a later value replaces the maximum when it is greater
    /// or NaN), so <see cref="Pooling.MaxBackward"/> takes it as is: training's forward of a Conv2D + MaxPool2D(2)
    /// whose convolution output nothing else reads.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the kernel does not fit, the output is smaller than one window, or the activation is not Identity or ReLU.</exception>
    public static void ForwardMaxPoolChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation) =>
        ForwardMaxPool(true, input, weight, bias, pooled, argmax, default, scratch, activation, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);

    // pooled[B,OC,PH,PW] = activation(max_{i,j<2} conv(input, weight)[B,OC,2ph+i,2pw+j] + bias[OC]), stride 1, dilation 1, padding <= K-1
    /// <summary>
    /// The same computation as <c>ForwardMaxPoolChannels</c> on the direct correlation's grid of 16 positions
    /// per vector (stride 1, dilation 1, padding at most kernel - 1 only); <paramref name="scratch"/> holds at least
    /// <see cref="MaxPoolScratchSize"/>(false, ...) floats.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the kernel does not fit, the stride or dilation is not 1, the padding is more than kernel - 1, the output is smaller than one window, or the activation is not Identity or ReLU.</exception>
    public static void ForwardMaxPoolPlanes(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation) =>
        ForwardMaxPool(false, input, weight, bias, pooled, default, default, scratch, activation, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);

    /// <summary>
    /// Floats of the <c>prepared</c> buffer that the overloads of <c>ForwardMaxPoolChannels</c> and
    /// <see cref="ForwardMaxPoolPlanes(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Activation, int, int, int, int, int, int, int, int, int)"/>
    /// that take one keep between calls (pass <paramref name="channelVectors"/> true for the first): the weights and
    /// bias arranged for the kernel, and a copy of the weights and bias they were arranged from. Depends on the shapes only.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the shape is not one the kernel supports, or the kernel does not fit.</exception>
    public static int MaxPoolPreparedSize(bool channelVectors, int inChannels, int height, int width, int outChannels,
        int kernel, int stride, int padding, int dilation) =>
        new PooledShape(channelVectors, 1, inChannels, height, width, outChannels, kernel, stride, padding, dilation).PreparedLength;

    /// <summary>
    /// <see cref="ForwardMaxPoolPlanes(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Activation, int, int, int, int, int, int, int, int, int)"/>
    /// that arranges the weights into <paramref name="prepared"/> (<see cref="MaxPoolPreparedSize"/> floats, this layer's
    /// alone) and keeps them there: a call whose weights and bias are, bit for bit, the ones the last call arranged
    /// uses them as they are. Inference calls after the first arrange nothing, and the arranged weights stay in every
    /// core's cache instead of being written again by the caller and fetched again by the workers. Results are the
    /// same bits as the overload without it.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As the overload without <paramref name="prepared"/>.</exception>
    public static void ForwardMaxPoolPlanes(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<float> prepared, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfZero(prepared.Length, nameof(prepared));
        ForwardMaxPool(false, input, weight, bias, pooled, default, prepared, scratch, activation, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);
    }

    /// <summary>
    /// The argmax overload of <c>ForwardMaxPoolChannels</c> (pass an empty <paramref name="argmax"/> for inference)
    /// that keeps the arranged weights in <paramref name="prepared"/> between calls, as
    /// <see cref="ForwardMaxPoolPlanes(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Activation, int, int, int, int, int, int, int, int, int)"/> does.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">As the overload without <paramref name="prepared"/>.</exception>
    public static void ForwardMaxPoolChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, Span<float> prepared, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfZero(prepared.Length, nameof(prepared));
        ForwardMaxPool(true, input, weight, bias, pooled, argmax, prepared, scratch, activation, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);
    }

    // prepared empty: the arranged weights go to the head of scratch, every call.
    private static void ForwardMaxPool(bool channelVectors, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> pooled, Span<int> argmax, Span<float> prepared, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels, int kernel, int stride, int padding, int dilation)
    {
        var shape = new PooledShape(channelVectors, batch, inChannels, height, width, outChannels, kernel, stride, padding, dilation);
        ref readonly Shape conv = ref shape.Conv;
        conv.CheckInput(input, nameof(input));
        conv.CheckWeight(weight, nameof(weight));
        conv.CheckBias(bias, nameof(bias), allowEmpty: true);
        if (pooled.Length != (long)batch * shape.PooledSampleLength)
            throw new ArgumentException($"pooled holds {pooled.Length} floats; [B,OC,OH/2,OW/2] = [{batch},{outChannels},{shape.PooledHeight},{shape.PooledWidth}] needs {(long)batch * shape.PooledSampleLength}.", nameof(pooled));
        if (!argmax.IsEmpty && argmax.Length != pooled.Length)
            throw new ArgumentException($"argmax holds {argmax.Length} indices; it needs one per pooled value ({pooled.Length}), or none.", nameof(argmax));
        if (scratch.Length < shape.ScratchLength)
            throw new ArgumentException($"scratch holds {scratch.Length} floats; this convolution and pooling need at least {shape.ScratchLength} (Conv2D.MaxPoolScratchSize).", nameof(scratch));
        if (!prepared.IsEmpty && prepared.Length != shape.PreparedLength)
            throw new ArgumentException($"prepared holds {prepared.Length} floats; this convolution and pooling keep {shape.PreparedLength} (Conv2D.MaxPoolPreparedSize).", nameof(prepared));
        if (activation is not (Activation.Identity or Activation.ReLU))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Only Identity and ReLU fuse with the max pooling (max commutes with them).");

        fixed (float* pInput = input, pWeight = weight, pBias = bias, pPooled = pooled, pScratch = scratch, pPrepared = prepared)
        fixed (int* pArgmax = argmax)
        {
            float* arranged = prepared.IsEmpty ? pScratch : pPrepared;
            var job = new PooledJob
            {
                Shape = shape, Input = pInput, Output = pPooled, Arranged = arranged, Relu = activation == Activation.ReLU,
                Workspaces = prepared.IsEmpty ? pScratch + shape.SharedLength : pScratch, Argmax = argmax.IsEmpty ? null : pArgmax,
            };
            if (prepared.IsEmpty || !StillArranged(prepared, weight, bias, in shape))
            {
                if (channelVectors) ArrangeChannelWeights(pWeight, bias.IsEmpty ? null : pBias, in shape, arranged);
                else
                {
                    ArrangeWeights(pWeight, outChannels, conv.PatchLength, arranged, conv.OutBlocks);
                    float* padded = arranged + shape.BiasOffset;
                    for (int o = 0; o < conv.OutBlocks * DirectChannelBlock; o++) padded[o] = o < outChannels && !bias.IsEmpty ? pBias[o] : 0f;
                }
                if (!prepared.IsEmpty) RememberArranged(prepared, weight, bias, in shape);
            }
            RunPooled(channelVectors ? &ChannelsPart : &PlanesPart, ref job);
        }
    }

    // The prepared buffer: [arranged weights, biases, offsets (SharedLength)] [mark, kind, taps, outChannels] [weight copy] [bias copy].
    // The mark is written last, after the arranged weights and the copies, so a buffer never filled (zeros) or left
    // by a call that threw never counts as arranged.
    private const int PreparedMark = 0x4E475057;   // "NGPW"

    private static bool StillArranged(ReadOnlySpan<float> prepared, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in PooledShape shape)
    {
        ReadOnlySpan<int> header = MemoryMarshal.Cast<float, int>(prepared.Slice(shape.SharedLength, PreparedHeader));
        if (header[0] != PreparedMark || header[1] != shape.Kind || header[2] != shape.Conv.PatchLength || header[3] != shape.Conv.OutChannels) return false;
        // Bit for bit: a weight that went from 0 to -0, or one NaN for another, is arranged again.
        int copy = shape.SharedLength + PreparedHeader;
        if (!MemoryMarshal.AsBytes(prepared.Slice(copy, weight.Length)).SequenceEqual(MemoryMarshal.AsBytes(weight))) return false;
        ReadOnlySpan<float> biasCopy = prepared.Slice(copy + weight.Length, shape.Conv.OutChannels);
        return bias.IsEmpty
            ? !MemoryMarshal.Cast<float, int>(biasCopy).ContainsAnyExcept(0)   // no bias: arranged as +0 biases
            : MemoryMarshal.AsBytes(biasCopy).SequenceEqual(MemoryMarshal.AsBytes(bias));
    }

    private static void RememberArranged(Span<float> prepared, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, in PooledShape shape)
    {
        Span<int> header = MemoryMarshal.Cast<float, int>(prepared.Slice(shape.SharedLength, PreparedHeader));
        header[0] = 0;
        int copy = shape.SharedLength + PreparedHeader;
        weight.CopyTo(prepared.Slice(copy, weight.Length));
        Span<float> biasCopy = prepared.Slice(copy + weight.Length, shape.Conv.OutChannels);
        if (bias.IsEmpty) biasCopy.Clear();
        else bias.CopyTo(biasCopy);
        header[1] = shape.Kind;
        header[2] = shape.Conv.PatchLength;
        header[3] = shape.Conv.OutChannels;
        header[0] = PreparedMark;
    }

    private const int PreparedHeader = 4;

    private struct PooledJob
    {
        public PooledShape Shape;
        public float* Input, Output;
        public float* Arranged;            // weights, biases, offsets (PooledShape.SharedLength floats)
        public float* Workspaces;          // one per part
        public bool Relu;
        public int Items, Splits;
        public int* Argmax;                // null: none (inference)
    }

    /// <summary>
    /// Multiply-adds from which a fused call splits across the pool (a lone sample by pooled rows or windows): 2^16, so
    /// LeNet-5's one-sample layers (118K and 240K multiply-adds) split. Measured in one process, alternating settings
    /// every 5,000 Predicts (2026-12-02, quiet 2-core machine, fastest / median of 24 blocks): both convolutions on the
    /// calling thread 7.4-8.6 / 8.9-9.6 us, conv2 split 6.9-7.7 / 8.2-8.4 us, both split 6.5-7.0 / 7.7-7.9 us. An earlier,
    /// loaded machine measured the split slower (5.0 against 4.6 us for conv2), before the dense layers also woke the
    /// pool at one sample.
    /// </summary>
    internal const long PooledParallelThreshold = 1 << 16;

    // Splits the call into items across the pool: item i is sample i / Splits, and its share i % Splits of the
    // pooled windows (Splits > 1 only when there are fewer samples than parts, as for one sample); part p takes
    // items p, p + parts, ... into workspace p. A pooled value is computed the same way whoever computes it.
    private static void RunPooled(delegate*<void*, int, int, void> part, ref PooledJob job)
    {
        int batch = job.Shape.Conv.Batch, parts = 1;
        if (t_sequentialParts > 0) parts = Math.Min(MaxThreads, t_sequentialParts);
        else if (job.Shape.Conv.MultiplyAdds >= PooledParallelThreshold) parts = Math.Min(MaxThreads, Threading.WorkerPool.Shared.Parallelism);
        job.Splits = batch >= parts ? 1 : (parts + batch - 1) / batch;
        job.Items = batch * job.Splits;
        parts = Math.Min(parts, job.Items);
        fixed (PooledJob* context = &job)
        {
            if (parts > 1 && t_sequentialParts == 0) Threading.WorkerPool.Shared.RunLatencyBound(part, context, parts, job.Shape.Conv.MultiplyAdds);
            else for (int p = 0; p < parts; p++) part(context, p, parts);
        }
    }

    // The share [first, end) of count things that split `split` of `splits` takes.
    private static void Share(int count, int split, int splits, out int first, out int end)
    {
        first = (int)((long)count * split / splits);
        end = (int)((long)count * (split + 1) / splits);
    }

    // arranged[block][t][i] = weight[block*16 + i][t], biases[block*16 + i] = bias[block*16 + i] (0 past outChannels);
    // offsets[t] = ic*planeLength + kh*d*Wp + kw*d for tap t = (ic, kh, kw).
    private static void ArrangeChannelWeights(float* weight, float* bias, in PooledShape shape, float* scratch)
    {
        int taps = shape.Conv.PatchLength, outChannels = shape.Conv.OutChannels, kernel = shape.Conv.KernelH;
        float* arranged = scratch;
        for (int block = 0; block < shape.ChannelBlocks; block++)
        {
            float* target = arranged + (nint)block * taps * 16;
            int count = Math.Min(16, outChannels - block * 16);
            float* rows = weight + (nint)block * 16 * taps;
            if (count == 16 && Avx512F.IsSupported)
            {
                // 16 taps at a time as one 16 x 16 transpose in registers; the last taps (fewer than 16) one by one.
                int t = 0;
                for (; t + 16 <= taps; t += 16) Transpose16x16(rows + t, taps, target + t * 16);
                for (; t < taps; t++)
                for (int i = 0; i < 16; i++)
                    target[t * 16 + i] = rows[(nint)i * taps + t];
                continue;
            }
            if (count == 16 && Avx2.IsSupported)
            {
                // Two gathers of the 16 rows' tap t per tap: contiguous stores, no scattered ones.
                Vector256<int> index = Vector256.CreateSequence(0, taps);
                nint half = (nint)8 * taps;
                for (int t = 0; t < taps; t++)
                {
                    Vector256.Store(Avx2.GatherVector256(rows + t, index, 4), target + t * 16);
                    Vector256.Store(Avx2.GatherVector256(rows + half + t, index, 4), target + t * 16 + 8);
                }
                continue;
            }
            if (count < 16) new Span<float>(target, taps * 16).Clear();
            for (int t = 0; t < taps; t++)
            for (int i = 0; i < count; i++)
                target[t * 16 + i] = rows[(nint)i * taps + t];
        }
        float* biases = scratch + shape.BiasOffset;
        for (int o = 0; o < shape.ChannelBlocks * 16; o++) biases[o] = o < outChannels && bias != null ? bias[o] : 0f;
        int* offsets = (int*)(scratch + shape.OffsetsOffset);
        int dilation = shape.Conv.DilationH, planeWidth = shape.PlaneWidth;
        for (int c = 0, t = 0; c < shape.Conv.InChannels; c++)
        for (int kh = 0; kh < kernel; kh++)
        for (int kw = 0; kw < kernel; kw++, t++)
            offsets[t] = c * shape.PlaneLength + kh * dilation * planeWidth + kw * dilation;
    }

    // target[j * 16 + i] = source[i * stride + j] for i, j in 0..16: unpacks of 32-bit then 64-bit pairs, then two
    // rounds of 128-bit lane shuffles (64 shuffles for 256 floats, against 32 gathers of 8).
    private static void Transpose16x16(float* source, nint stride, float* target)
    {
        Vector512<float> r0 = Vector512.Load(source), r1 = Vector512.Load(source + stride);
        Vector512<float> r2 = Vector512.Load(source + 2 * stride), r3 = Vector512.Load(source + 3 * stride);
        Vector512<float> r4 = Vector512.Load(source + 4 * stride), r5 = Vector512.Load(source + 5 * stride);
        Vector512<float> r6 = Vector512.Load(source + 6 * stride), r7 = Vector512.Load(source + 7 * stride);
        Vector512<float> r8 = Vector512.Load(source + 8 * stride), r9 = Vector512.Load(source + 9 * stride);
        Vector512<float> r10 = Vector512.Load(source + 10 * stride), r11 = Vector512.Load(source + 11 * stride);
        Vector512<float> r12 = Vector512.Load(source + 12 * stride), r13 = Vector512.Load(source + 13 * stride);
        Vector512<float> r14 = Vector512.Load(source + 14 * stride), r15 = Vector512.Load(source + 15 * stride);
        // Pairs of rows, interleaved 32 bits at a time within each 128-bit lane.
        Vector512<float> t0 = Avx512F.UnpackLow(r0, r1), t1 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> t2 = Avx512F.UnpackLow(r2, r3), t3 = Avx512F.UnpackHigh(r2, r3);
        Vector512<float> t4 = Avx512F.UnpackLow(r4, r5), t5 = Avx512F.UnpackHigh(r4, r5);
        Vector512<float> t6 = Avx512F.UnpackLow(r6, r7), t7 = Avx512F.UnpackHigh(r6, r7);
        Vector512<float> t8 = Avx512F.UnpackLow(r8, r9), t9 = Avx512F.UnpackHigh(r8, r9);
        Vector512<float> t10 = Avx512F.UnpackLow(r10, r11), t11 = Avx512F.UnpackHigh(r10, r11);
        Vector512<float> t12 = Avx512F.UnpackLow(r12, r13), t13 = Avx512F.UnpackHigh(r12, r13);
        Vector512<float> t14 = Avx512F.UnpackLow(r14, r15), t15 = Avx512F.UnpackHigh(r14, r15);
        // Then 64 bits at a time: each 128-bit lane holds one column of four rows.
        r0 = UnpackLow64(t0, t2); r1 = UnpackHigh64(t0, t2); r2 = UnpackLow64(t1, t3); r3 = UnpackHigh64(t1, t3);
        r4 = UnpackLow64(t4, t6); r5 = UnpackHigh64(t4, t6); r6 = UnpackLow64(t5, t7); r7 = UnpackHigh64(t5, t7);
        r8 = UnpackLow64(t8, t10); r9 = UnpackHigh64(t8, t10); r10 = UnpackLow64(t9, t11); r11 = UnpackHigh64(t9, t11);
        r12 = UnpackLow64(t12, t14); r13 = UnpackHigh64(t12, t14); r14 = UnpackLow64(t13, t15); r15 = UnpackHigh64(t13, t15);
        // Lanes: 0x88 takes lanes 0 and 2 of each operand, 0xDD lanes 1 and 3.
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88); t1 = Avx512F.Shuffle4x128(r1, r5, 0x88);
        t2 = Avx512F.Shuffle4x128(r2, r6, 0x88); t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xDD); t5 = Avx512F.Shuffle4x128(r1, r5, 0xDD);
        t6 = Avx512F.Shuffle4x128(r2, r6, 0xDD); t7 = Avx512F.Shuffle4x128(r3, r7, 0xDD);
        t8 = Avx512F.Shuffle4x128(r8, r12, 0x88); t9 = Avx512F.Shuffle4x128(r9, r13, 0x88);
        t10 = Avx512F.Shuffle4x128(r10, r14, 0x88); t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
        t12 = Avx512F.Shuffle4x128(r8, r12, 0xDD); t13 = Avx512F.Shuffle4x128(r9, r13, 0xDD);
        t14 = Avx512F.Shuffle4x128(r10, r14, 0xDD); t15 = Avx512F.Shuffle4x128(r11, r15, 0xDD);
        Vector512.Store(Avx512F.Shuffle4x128(t0, t8, 0x88), target);
        Vector512.Store(Avx512F.Shuffle4x128(t1, t9, 0x88), target + 16);
        Vector512.Store(Avx512F.Shuffle4x128(t2, t10, 0x88), target + 32);
        Vector512.Store(Avx512F.Shuffle4x128(t3, t11, 0x88), target + 48);
        Vector512.Store(Avx512F.Shuffle4x128(t4, t12, 0x88), target + 64);
        Vector512.Store(Avx512F.Shuffle4x128(t5, t13, 0x88), target + 80);
        Vector512.Store(Avx512F.Shuffle4x128(t6, t14, 0x88), target + 96);
        Vector512.Store(Avx512F.Shuffle4x128(t7, t15, 0x88), target + 112);
        Vector512.Store(Avx512F.Shuffle4x128(t0, t8, 0xDD), target + 128);
        Vector512.Store(Avx512F.Shuffle4x128(t1, t9, 0xDD), target + 144);
        Vector512.Store(Avx512F.Shuffle4x128(t2, t10, 0xDD), target + 160);
        Vector512.Store(Avx512F.Shuffle4x128(t3, t11, 0xDD), target + 176);
        Vector512.Store(Avx512F.Shuffle4x128(t4, t12, 0xDD), target + 192);
        Vector512.Store(Avx512F.Shuffle4x128(t5, t13, 0xDD), target + 208);
        Vector512.Store(Avx512F.Shuffle4x128(t6, t14, 0xDD), target + 224);
        Vector512.Store(Avx512F.Shuffle4x128(t7, t15, 0xDD), target + 240);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> UnpackLow64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> UnpackHigh64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChannelsPart(void* context, int part, int parts)
    {
        ref PooledJob job = ref *(PooledJob*)context;
        ref readonly PooledShape shape = ref job.Shape;
        ref readonly Shape conv = ref shape.Conv;
        float* workspace = job.Workspaces + (nint)part * shape.WorkspaceLength;
        float* planes = workspace, tile = workspace + shape.TileOffset;
        int* indices = job.Argmax == null ? null : (int*)(tile + shape.PooledHeight * shape.PooledWidth * 16);
        int* offsets = (int*)(job.Arranged + shape.OffsetsOffset);
        int windows = shape.PooledHeight * shape.PooledWidth, taps = conv.PatchLength, outChannels = conv.OutChannels;
        int stride = conv.StrideH, planeWidth = shape.PlaneWidth;
        // The four positions of a window relative to its first: (0, 0), (0, s), (s, 0), (s, s).
        nint right = stride, down = (nint)stride * planeWidth;
        int tiles = (windows + PooledWindowBlock - 1) / PooledWindowBlock, padded = -1;
        for (int item = part; item < job.Items; item += parts)
        {
            int sample = item / job.Splits;
            Share(tiles, item % job.Splits, job.Splits, out int firstTile, out int endTile);
            if (firstTile == endTile) continue;
            if (sample != padded)
                PadPlanes(job.Input + (nint)sample * conv.InputSampleLength, conv.InChannels, conv.Height, conv.Width, conv.PadH,
                    planeWidth, shape.PlaneLength, planes);
            padded = sample;
            int firstWindow = firstTile * PooledWindowBlock, endWindow = Math.Min(endTile * PooledWindowBlock, windows);
            float* y = job.Output + (nint)sample * shape.PooledSampleLength;
            for (int block = 0; block < shape.ChannelBlocks; block++)
            {
                float* weights = job.Arranged + (nint)block * taps * 16;
                Vector512<float> bias = Gemm.UseVector512 ? Vector512.Load(job.Arranged + shape.BiasOffset + block * 16) : default;
                for (int q = firstWindow; q < endWindow; q += PooledWindowBlock)
                {
                    // The last tile may overlap the one before it (the same values again); fewer windows than a tile repeat the last.
                    int first = Math.Max(0, Math.Min(q, windows - PooledWindowBlock));
                    int q0 = first, q1 = Math.Min(first + 1, windows - 1), q2 = Math.Min(first + 2, windows - 1);
                    int q3 = Math.Min(first + 3, windows - 1), q4 = Math.Min(first + 4, windows - 1);
                    var tileWindows = new TileWindows
                    {
                        X0 = planes + WindowStart(q0, in shape), X1 = planes + WindowStart(q1, in shape), X2 = planes + WindowStart(q2, in shape),
                        X3 = planes + WindowStart(q3, in shape), X4 = planes + WindowStart(q4, in shape),
                        Q0 = q0, Q1 = q1, Q2 = q2, Q3 = q3, Q4 = q4,
                    };
                    if (Gemm.UseVector512) ChannelTile(ref tileWindows, offsets, weights, taps, right, down, bias, job.Relu, tile, indices, in shape);
                    else ChannelTile256(ref tileWindows, offsets, weights, taps, right, down, job.Arranged + shape.BiasOffset + block * 16, job.Relu, tile, indices, in shape);
                }
                // tile[q][i] -> pooled[block*16 + i][q]
                int count = Math.Min(16, outChannels - block * 16);
                for (int i = 0; i < count; i++)
                {
                    float* target = y + (nint)(block * 16 + i) * windows;
                    for (int q = firstWindow; q < endWindow; q++) target[q] = tile[q * 16 + i];
                    if (indices == null) continue;
                    int* argmax = job.Argmax + (nint)sample * shape.PooledSampleLength + (nint)(block * 16 + i) * windows;
                    for (int q = firstWindow; q < endWindow; q++) argmax[q] = indices[q * 16 + i];
                }
            }
        }
    }

    // The windows of one register tile: where each starts in the padded planes, and its index among the pooled windows.
    private struct TileWindows
    {
        public float* X0, X1, X2, X3, X4;
        public int Q0, Q1, Q2, Q3, Q4;
    }

    // tile[q_k][i] = activation(max over window k's 4 positions p of sum_t weights[t][i] * x_k[offsets[t] + p] + bias[i]),
    // p in {0, right, down, down + right}: 5 windows x 4 positions x 16 channels in 20 accumulators (one weight load
    // per tap serves 20 multiply-adds). With indices: also indices[q_k][i] = the argmax of window k, as Pooling.MaxForward
    // picks it (the window's first position's index in the output plane, or + 1, + outWidth, + outWidth + 1).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChannelTile(ref TileWindows windows, int* offsets, float* weights, int taps, nint right, nint down,
        Vector512<float> bias, bool relu, float* tile, int* indices, in PooledShape shape)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        float* x0 = windows.X0, x1 = windows.X1, x2 = windows.X2, x3 = windows.X3, x4 = windows.X4;
        float* w = weights;
        for (int t = 0; t < taps; t++, w += 16)
        {
            Vector512<float> wt = Vector512.Load(w);
            nint o = offsets[t], d = o + down;
            a00 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x0[o]), a00);
            a01 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x0[o + right]), a01);
            a02 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x0[d]), a02);
            a03 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x0[d + right]), a03);
            a10 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x1[o]), a10);
            a11 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x1[o + right]), a11);
            a12 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x1[d]), a12);
            a13 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x1[d + right]), a13);
            a20 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x2[o]), a20);
            a21 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x2[o + right]), a21);
            a22 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x2[d]), a22);
            a23 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x2[d + right]), a23);
            a30 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x3[o]), a30);
            a31 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x3[o + right]), a31);
            a32 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x3[d]), a32);
            a33 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x3[d + right]), a33);
            a40 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x4[o]), a40);
            a41 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x4[o + right]), a41);
            a42 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x4[d]), a42);
            a43 = Vector512.FusedMultiplyAdd(wt, Vector512.Create(x4[d + right]), a43);
        }
        if (indices != null)
        {
            int outWidth = shape.Conv.OutWidth;
            PoolWindowArgmax(a00, a01, a02, a03, bias, relu, WindowIndex(windows.Q0, in shape), outWidth, tile + windows.Q0 * 16, indices + windows.Q0 * 16);
            PoolWindowArgmax(a10, a11, a12, a13, bias, relu, WindowIndex(windows.Q1, in shape), outWidth, tile + windows.Q1 * 16, indices + windows.Q1 * 16);
            PoolWindowArgmax(a20, a21, a22, a23, bias, relu, WindowIndex(windows.Q2, in shape), outWidth, tile + windows.Q2 * 16, indices + windows.Q2 * 16);
            PoolWindowArgmax(a30, a31, a32, a33, bias, relu, WindowIndex(windows.Q3, in shape), outWidth, tile + windows.Q3 * 16, indices + windows.Q3 * 16);
            PoolWindowArgmax(a40, a41, a42, a43, bias, relu, WindowIndex(windows.Q4, in shape), outWidth, tile + windows.Q4 * 16, indices + windows.Q4 * 16);
            return;
        }
        Vector512.Store(PoolWindow(a00, a01, a02, a03, bias, relu), tile + windows.Q0 * 16);
        Vector512.Store(PoolWindow(a10, a11, a12, a13, bias, relu), tile + windows.Q1 * 16);
        Vector512.Store(PoolWindow(a20, a21, a22, a23, bias, relu), tile + windows.Q2 * 16);
        Vector512.Store(PoolWindow(a30, a31, a32, a33, bias, relu), tile + windows.Q3 * 16);
        Vector512.Store(PoolWindow(a40, a41, a42, a43, bias, relu), tile + windows.Q4 * 16);
    }

    // ChannelTile on Vector256 (AVX2: 16 registers): one window at a time, its 4 positions x 16 channels as two halves of
    // 8 (8 accumulators, two weight loads and four broadcasts per tap). Each value is the same chain of multiply-adds
    // as in ChannelTile, so both give the same bits.
    private static void ChannelTile256(ref TileWindows windows, int* offsets, float* weights, int taps, nint right, nint down,
        float* bias, bool relu, float* tile, int* indices, in PooledShape shape)
    {
        Window256(windows.X0, windows.Q0, offsets, weights, taps, right, down, bias, relu, tile, indices, in shape);
        Window256(windows.X1, windows.Q1, offsets, weights, taps, right, down, bias, relu, tile, indices, in shape);
        Window256(windows.X2, windows.Q2, offsets, weights, taps, right, down, bias, relu, tile, indices, in shape);
        Window256(windows.X3, windows.Q3, offsets, weights, taps, right, down, bias, relu, tile, indices, in shape);
        Window256(windows.X4, windows.Q4, offsets, weights, taps, right, down, bias, relu, tile, indices, in shape);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window256(float* x, int q, int* offsets, float* weights, int taps, nint right, nint down,
        float* bias, bool relu, float* tile, int* indices, in PooledShape shape)
    {
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        float* w = weights;
        for (int t = 0; t < taps; t++, w += 16)
        {
            Vector256<float> low = Vector256.Load(w), high = Vector256.Load(w + 8);
            nint o = offsets[t], d = o + down;
            Vector256<float> v = Vector256.Create(x[o]);
            a0 = Vector256.FusedMultiplyAdd(low, v, a0); b0 = Vector256.FusedMultiplyAdd(high, v, b0);
            v = Vector256.Create(x[o + right]);
            a1 = Vector256.FusedMultiplyAdd(low, v, a1); b1 = Vector256.FusedMultiplyAdd(high, v, b1);
            v = Vector256.Create(x[d]);
            a2 = Vector256.FusedMultiplyAdd(low, v, a2); b2 = Vector256.FusedMultiplyAdd(high, v, b2);
            v = Vector256.Create(x[d + right]);
            a3 = Vector256.FusedMultiplyAdd(low, v, a3); b3 = Vector256.FusedMultiplyAdd(high, v, b3);
        }
        Vector256<float> lowBias = Vector256.Load(bias), highBias = Vector256.Load(bias + 8);
        float* target = tile + q * 16;
        if (indices == null)
        {
            Vector256.Store(PoolWindow256(a0, a1, a2, a3, lowBias, relu), target);
            Vector256.Store(PoolWindow256(b0, b1, b2, b3, highBias, relu), target + 8);
            return;
        }
        int index = WindowIndex(q, in shape), outWidth = shape.Conv.OutWidth;
        PoolWindowArgmax256(a0, a1, a2, a3, lowBias, relu, index, outWidth, target, indices + q * 16);
        PoolWindowArgmax256(b0, b1, b2, b3, highBias, relu, index, outWidth, target + 8, indices + q * 16 + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PoolWindow256(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        Vector256<float> bias, bool relu)
    {
        Vector256<float> value = Vector256.Max(Vector256.Max(a, b), Vector256.Max(c, d)) + bias;
        return relu ? Vector256.Max(value, Vector256<float>.Zero) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolWindowArgmax256(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d,
        Vector256<float> bias, bool relu, int index, int outWidth, float* target, int* argmax)
    {
        Vector256<float> max = Activate256(a + bias, relu);
        Vector256<int> at = Vector256.Create(index);
        Replace256(ref max, ref at, Activate256(b + bias, relu), index + 1);
        Replace256(ref max, ref at, Activate256(c + bias, relu), index + outWidth);
        Replace256(ref max, ref at, Activate256(d + bias, relu), index + outWidth + 1);
        Vector256.Store(max, target);
        Vector256.Store(at, argmax);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Activate256(Vector256<float> value, bool relu) => relu ? Vector256.Max(value, Vector256<float>.Zero) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Replace256(ref Vector256<float> max, ref Vector256<int> at, Vector256<float> candidate, int index)
    {
        Vector256<float> replaces = Vector256.GreaterThan(candidate, max) | ~Vector256.Equals(candidate, candidate);
        max = Vector256.ConditionalSelect(replaces, candidate, max);
        at = Vector256.ConditionalSelect(replaces.AsInt32(), Vector256.Create(index), at);
    }

    // target = the maximum of activation(v + bias) over v = a, b, c, d (row-major order) and argmax its index: a value
    // replaces the maximum when it is greater or NaN, as Pooling.MaxForward (max(act(v + bias)) = act(max(v) + bias)).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolWindowArgmax(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
        Vector512<float> bias, bool relu, int index, int outWidth, float* target, int* argmax)
    {
        Vector512<float> max = Activate(a + bias, relu);
        Vector512<int> at = Vector512.Create(index);
        Replace(ref max, ref at, Activate(b + bias, relu), index + 1);
        Replace(ref max, ref at, Activate(c + bias, relu), index + outWidth);
        Replace(ref max, ref at, Activate(d + bias, relu), index + outWidth + 1);
        Vector512.Store(max, target);
        Vector512.Store(at, argmax);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Activate(Vector512<float> value, bool relu) => relu ? Vector512.Max(value, Vector512<float>.Zero) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Replace(ref Vector512<float> max, ref Vector512<int> at, Vector512<float> candidate, int index)
    {
        Vector512<float> replaces = Vector512.GreaterThan(candidate, max) | ~Vector512.Equals(candidate, candidate);
        max = Vector512.ConditionalSelect(replaces, candidate, max);
        at = Vector512.ConditionalSelect(replaces.AsInt32(), Vector512.Create(index), at);
    }

    // Offset in the padded planes of window q's first position: (2*ph*s)*Wp + 2*pw*s.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint WindowStart(int q, in PooledShape shape)
    {
        int ph = q / shape.PooledWidth, pw = q - ph * shape.PooledWidth, stride = shape.Conv.StrideH;
        return (nint)2 * ph * stride * shape.PlaneWidth + 2 * pw * stride;
    }

    // Index in the convolution's output plane of window q's first position: 2*ph*OW + 2*pw.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WindowIndex(int q, in PooledShape shape)
    {
        int ph = q / shape.PooledWidth, pw = q - ph * shape.PooledWidth;
        return 2 * ph * shape.Conv.OutWidth + 2 * pw;
    }

    // activation(max(a, b, c, d) + bias): Vector512.Max propagates NaN, as the pooling kernels do.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PoolWindow(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d,
        Vector512<float> bias, bool relu)
    {
        Vector512<float> value = Vector512.Max(Vector512.Max(a, b), Vector512.Max(c, d)) + bias;
        return relu ? Vector512.Max(value, Vector512<float>.Zero) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PlanesPart(void* context, int part, int parts)
    {
        ref PooledJob job = ref *(PooledJob*)context;
        ref readonly PooledShape shape = ref job.Shape;
        ref readonly Shape conv = ref shape.Conv;
        float* workspace = job.Workspaces + (nint)part * shape.WorkspaceLength;
        float* planes = workspace, grid = workspace + shape.GridOffset, row = workspace + shape.TileOffset;
        int planeWidth = conv.PaddedWidth, pooledWidth = shape.PooledWidth, chunks = (pooledWidth + 7) / 8;
        int wideChunks = (pooledWidth + 15) / 16;
        nint gridRow = (nint)conv.ForwardVectors * 16;
        // The even and the odd columns of 32 (two vectors), for 16 pooled columns at a time; the last chunk's lanes past the row.
        Vector512<int> evens = Vector512.CreateSequence(0, 2), odds = Vector512.CreateSequence(1, 2);
        Vector512<float> lastLanes = DenseSmall.UnitMask(pooledWidth - (wideChunks - 1) * 16);
        bool wide = Avx512F.IsSupported;
        int padded = -1;
        for (int item = part; item < job.Items; item += parts)
        {
            int sample = item / job.Splits;
            Share(shape.PooledHeight, item % job.Splits, job.Splits, out int firstRow, out int endRow);
            if (firstRow == endRow) continue;
            if (sample != padded)
                PadPlanes(job.Input + (nint)sample * conv.InputSampleLength, conv.InChannels, conv.Height, conv.Width, conv.PadH,
                    planeWidth, conv.ForwardPlaneLength, planes);
            padded = sample;
            // The grid vectors that pooled rows [firstRow, endRow) read, whole tiles of 3.
            int firstVector = 2 * firstRow * planeWidth / 16 / DirectVectorBlock * DirectVectorBlock;
            int endVector = Math.Min(conv.ForwardVectors,
                (((2 * endRow - 1) * planeWidth + chunks * 16 + 15) / 16 + DirectVectorBlock - 1) / DirectVectorBlock * DirectVectorBlock);
            Correlate(planes, conv.InChannels, conv.ForwardPlaneLength, planeWidth, conv.KernelH, job.Arranged,
                conv.OutBlocks, firstVector, endVector, gridRow, grid);
            float* y = job.Output + (nint)sample * shape.PooledSampleLength;
            for (int oc = 0; oc < conv.OutChannels; oc++)
            {
                Vector256<float> bias = Vector256.Create(job.Arranged[shape.BiasOffset + oc]);
                for (int ph = firstRow; ph < endRow; ph++)
                {
                    float* top = grid + oc * gridRow + 2 * ph * planeWidth, bottom = top + planeWidth;
                    float* target = y + (oc * shape.PooledHeight + ph) * pooledWidth;
                    if (wide)
                    {
                        // Grid columns 32*chunk .. +31 of both rows give pooled columns 16*chunk .. +15, stored in place.
                        Vector512<float> wideBias = Vector512.Create(bias.ToScalar());
                        for (int chunk = 0; chunk < wideChunks; chunk++)
                        {
                            Vector512<float> low = Vector512.Max(Vector512.Load(top + chunk * 32), Vector512.Load(bottom + chunk * 32));
                            Vector512<float> high = Vector512.Max(Vector512.Load(top + chunk * 32 + 16), Vector512.Load(bottom + chunk * 32 + 16));
                            Vector512<float> value = Vector512.Max(Avx512F.PermuteVar16x32x2(low, evens, high), Avx512F.PermuteVar16x32x2(low, odds, high)) + wideBias;
                            if (job.Relu) value = Vector512.Max(value, Vector512<float>.Zero);
                            if (chunk < wideChunks - 1) Vector512.Store(value, target + chunk * 16);
                            else Avx512F.MaskStore(target + chunk * 16, lastLanes, value);
                        }
                        continue;
                    }
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        // Grid columns 16*chunk .. +15 of both rows give pooled columns 8*chunk .. +7: the maxima of the
                        // two rows as two halves of 8, their even and odd columns gathered in order across the halves.
                        Vector256<float> low = Vector256.Max(Vector256.Load(top + chunk * 16), Vector256.Load(bottom + chunk * 16));
                        Vector256<float> high = Vector256.Max(Vector256.Load(top + chunk * 16 + 8), Vector256.Load(bottom + chunk * 16 + 8));
                        Vector256<float> value = Vector256.Max(Lanes.Evens(low, high), Lanes.Odds(low, high)) + bias;
                        if (job.Relu) value = Vector256.Max(value, Vector256<float>.Zero);
                        Vector256.Store(value, row + chunk * 8);
                    }
                    Copy(row, target, pooledWidth);
                }
            }
        }
    }

    /// <summary>Validated sizes of one fused convolution and pooling call, and its scratch layout.</summary>
    private readonly struct PooledShape
    {
        public readonly Shape Conv;
        public readonly int PooledHeight, PooledWidth, PooledSampleLength;
        public readonly int ChannelBlocks, PlaneWidth, PlaneLength;
        public readonly int BiasOffset, OffsetsOffset, SharedLength;
        public readonly int TileOffset, GridOffset, WorkspaceLength, Workspaces, ScratchLength;
        public readonly int Kind, PreparedLength;   // Kind: 1 channel vectors, 2 planes

        public PooledShape(bool channelVectors, int batch, int inChannels, int height, int width, int outChannels,
            int kernel, int stride, int padding, int dilation)
        {
            Conv = new Shape(batch, inChannels, height, width, outChannels, kernel, kernel, stride, stride, padding, padding, dilation, dilation);
            PooledHeight = Conv.OutHeight / 2;
            PooledWidth = Conv.OutWidth / 2;
            if (PooledHeight < 1 || PooledWidth < 1)
                throw new ArgumentOutOfRangeException(nameof(kernel), $"The convolution's {Conv.OutHeight}x{Conv.OutWidth} output is smaller than one 2x2 pooling window.");
            PooledSampleLength = outChannels * PooledHeight * PooledWidth;
            Workspaces = MaxThreads;   // one sample may split across every part
            int taps = Conv.PatchLength;
            if (channelVectors)
            {
                ChannelBlocks = (outChannels + 15) / 16;
                PlaneWidth = width + 2 * padding;
                PlaneLength = (height + 2 * padding) * PlaneWidth;
                BiasOffset = ChannelBlocks * 16 * taps;
                OffsetsOffset = BiasOffset + ChannelBlocks * 16;
                SharedLength = OffsetsOffset + taps;
                TileOffset = inChannels * PlaneLength;
                WorkspaceLength = TileOffset + 2 * PooledHeight * PooledWidth * 16;   // pooled values, then argmax indices
            }
            else
            {
                if (!(stride == 1 && dilation == 1 && padding <= kernel - 1))
                    throw new ArgumentOutOfRangeException(nameof(stride), "The planes kernel needs stride 1, dilation 1 and padding at most kernel - 1; use ForwardMaxPoolChannels.");
                PlaneWidth = Conv.PaddedWidth;
                PlaneLength = Conv.ForwardPlaneLength;
                BiasOffset = Conv.OutBlocks * DirectChannelBlock * taps;
                SharedLength = BiasOffset + Conv.OutBlocks * DirectChannelBlock;
                GridOffset = inChannels * PlaneLength;
                // The pooling reads up to 31 floats past the last grid row's positions, and one row of 8-float chunks.
                TileOffset = GridOffset + Conv.OutBlocks * DirectChannelBlock * Conv.ForwardVectors * 16 + 32;
                WorkspaceLength = TileOffset + (PooledWidth + 7) / 8 * 8;
            }
            Kind = channelVectors ? 1 : 2;
            long prepared = SharedLength + PreparedHeader + (long)Conv.WeightLength + outChannels;
            PreparedLength = prepared <= int.MaxValue ? (int)prepared
                : throw new ArgumentOutOfRangeException(nameof(outChannels), $"The fused convolution's prepared weights would hold {prepared} floats, more than a span can.");
            long total = SharedLength + (long)Workspaces * WorkspaceLength;
            ScratchLength = total <= int.MaxValue ? (int)total
                : throw new ArgumentOutOfRangeException(nameof(batch), $"The fused convolution's scratch would hold {total} floats, more than a span can.");
        }
    }
}
