using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

// The direct path of Conv2D, for stride 1 and dilation 1 on machines with AVX2 and FMA (Vector512 tiles where AVX-512
// runs, Vector256 ones otherwise): no im2col matrix. Each input
// plane is copied once into a zero-bordered plane Wp = W + 2*pad wide; an output position (oh, ow) then reads tap
// (kh, kw) at flat index j + kh*Wp + kw of that plane, j = oh*Wp + ow, so one vector of 16 consecutive j is one
// unaligned load per tap whatever the tap. Outputs are computed on the whole Wp-wide grid (the columns ow >= OW are
// computed and dropped) in register tiles of 6 output channels x 3 vectors (18 accumulators, the weights broadcast
// from a [block][tap][6] copy). The input gradient is the same correlation of the gradient, padded by K-1-pad,
// with the weights flipped and transposed; the weight gradient sums dy[j] * x[j + offset(tap)] over the grid in
// tiles of 4 channels x 4 taps. Every sum runs in a fixed order, per chunk of samples, as on the im2col path.
public static unsafe partial class Conv2D
{
    /// <summary>Output channels per register tile of the direct correlation.</summary>
    internal const int DirectChannelBlock = 6;

    /// <summary>Vectors of 16 grid positions per register tile of the direct correlation.</summary>
    internal const int DirectVectorBlock = 3;

    // grid[o][j] = sum_t weights[o / 6][t][o % 6] * planes[offset(t) + j] for j < vectors*16, where tap t = (c, kh, kw)
    // reads plane c at kh*planeWidth + kw. o runs over whole blocks of 6; vectors is a multiple of 3.
    private static void Correlate(float* planes, int channels, int planeLength, int planeWidth, int kernel,
        float* weights, int outBlocks, int vectors, float* grid) =>
        Correlate(planes, channels, planeLength, planeWidth, kernel, weights, outBlocks, 0, vectors, (nint)vectors * 16, grid);

    // The same for the vectors [first, end) alone (both multiples of 3) of a grid whose channel rows are gridRow floats apart.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate(float* planes, int channels, int planeLength, int planeWidth, int kernel,
        float* weights, int outBlocks, int first, int end, nint gridRow, float* grid)
    {
        if (!Gemm.UseVector512)
        {
            Correlate256(planes, channels, planeLength, planeWidth, kernel, weights, outBlocks, first, end, gridRow, grid);
            return;
        }
        int taps = channels * kernel * kernel;
        for (int block = 0; block < outBlocks; block++)
        {
            float* blockWeights = weights + (nint)block * taps * DirectChannelBlock;
            float* blockGrid = grid + block * DirectChannelBlock * gridRow;
            for (int v = first; v < end; v += DirectVectorBlock)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
                Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
                float* w = blockWeights;
                for (int c = 0; c < channels; c++)
                {
                    float* plane = planes + (nint)c * planeLength + v * 16;
                    for (int kh = 0; kh < kernel; kh++)
                    {
                        float* row = plane + kh * planeWidth;
                        for (int kw = 0; kw < kernel; kw++, w += DirectChannelBlock)
                        {
                            Vector512<float> x0 = Vector512.Load(row + kw), x1 = Vector512.Load(row + kw + 16), x2 = Vector512.Load(row + kw + 32);
                            Vector512<float> b = Vector512.Create(w[0]);
                            a00 = Vector512.FusedMultiplyAdd(b, x0, a00); a01 = Vector512.FusedMultiplyAdd(b, x1, a01); a02 = Vector512.FusedMultiplyAdd(b, x2, a02);
                            b = Vector512.Create(w[1]);
                            a10 = Vector512.FusedMultiplyAdd(b, x0, a10); a11 = Vector512.FusedMultiplyAdd(b, x1, a11); a12 = Vector512.FusedMultiplyAdd(b, x2, a12);
                            b = Vector512.Create(w[2]);
                            a20 = Vector512.FusedMultiplyAdd(b, x0, a20); a21 = Vector512.FusedMultiplyAdd(b, x1, a21); a22 = Vector512.FusedMultiplyAdd(b, x2, a22);
                            b = Vector512.Create(w[3]);
                            a30 = Vector512.FusedMultiplyAdd(b, x0, a30); a31 = Vector512.FusedMultiplyAdd(b, x1, a31); a32 = Vector512.FusedMultiplyAdd(b, x2, a32);
                            b = Vector512.Create(w[4]);
                            a40 = Vector512.FusedMultiplyAdd(b, x0, a40); a41 = Vector512.FusedMultiplyAdd(b, x1, a41); a42 = Vector512.FusedMultiplyAdd(b, x2, a42);
                            b = Vector512.Create(w[5]);
                            a50 = Vector512.FusedMultiplyAdd(b, x0, a50); a51 = Vector512.FusedMultiplyAdd(b, x1, a51); a52 = Vector512.FusedMultiplyAdd(b, x2, a52);
                        }
                    }
                }
                float* g = blockGrid + v * 16;
                Store3(g, a00, a01, a02); g += gridRow;
                Store3(g, a10, a11, a12); g += gridRow;
                Store3(g, a20, a21, a22); g += gridRow;
                Store3(g, a30, a31, a32); g += gridRow;
                Store3(g, a40, a41, a42); g += gridRow;
                Store3(g, a50, a51, a52);
            }
        }
    }

    // Correlate on Vector256 (AVX2: 16 registers): a tile is 6 output channels x one vector of 16 grid positions, as
    // two halves of 8 (12 accumulators, two loads and six broadcasts per tap). Each grid value is the same chain of
    // multiply-adds as in the Vector512 tiles, so both give the same bits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlate256(float* planes, int channels, int planeLength, int planeWidth, int kernel,
        float* weights, int outBlocks, int first, int end, nint gridRow, float* grid)
    {
        int taps = channels * kernel * kernel;
        for (int block = 0; block < outBlocks; block++)
        {
            float* blockWeights = weights + (nint)block * taps * DirectChannelBlock;
            float* blockGrid = grid + block * DirectChannelBlock * gridRow;
            for (int v = first; v < end; v++)
            {
                Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
                Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
                float* w = blockWeights;
                for (int c = 0; c < channels; c++)
                {
                    float* plane = planes + (nint)c * planeLength + v * 16;
                    for (int kh = 0; kh < kernel; kh++)
                    {
                        float* row = plane + kh * planeWidth;
                        for (int kw = 0; kw < kernel; kw++, w += DirectChannelBlock)
                        {
                            Vector256<float> x0 = Vector256.Load(row + kw), x1 = Vector256.Load(row + kw + 8);
                            Vector256<float> b = Vector256.Create(w[0]);
                            a00 = Vector256.FusedMultiplyAdd(b, x0, a00); a01 = Vector256.FusedMultiplyAdd(b, x1, a01);
                            b = Vector256.Create(w[1]);
                            a10 = Vector256.FusedMultiplyAdd(b, x0, a10); a11 = Vector256.FusedMultiplyAdd(b, x1, a11);
                            b = Vector256.Create(w[2]);
                            a20 = Vector256.FusedMultiplyAdd(b, x0, a20); a21 = Vector256.FusedMultiplyAdd(b, x1, a21);
                            b = Vector256.Create(w[3]);
                            a30 = Vector256.FusedMultiplyAdd(b, x0, a30); a31 = Vector256.FusedMultiplyAdd(b, x1, a31);
                            b = Vector256.Create(w[4]);
                            a40 = Vector256.FusedMultiplyAdd(b, x0, a40); a41 = Vector256.FusedMultiplyAdd(b, x1, a41);
                            b = Vector256.Create(w[5]);
                            a50 = Vector256.FusedMultiplyAdd(b, x0, a50); a51 = Vector256.FusedMultiplyAdd(b, x1, a51);
                        }
                    }
                }
                float* g = blockGrid + v * 16;
                Gemm.Store256(g, a00, a01, add: false); g += gridRow;
                Gemm.Store256(g, a10, a11, add: false); g += gridRow;
                Gemm.Store256(g, a20, a21, add: false); g += gridRow;
                Gemm.Store256(g, a30, a31, add: false); g += gridRow;
                Gemm.Store256(g, a40, a41, add: false); g += gridRow;
                Gemm.Store256(g, a50, a51, add: false);
            }
        }
    }

    // target[i] = source[i] + bias, then max(0, .) with relu (NaN stays NaN, as Activations.ReluForward), for i < count:
    // 8 at a time, the last 8 overlapping the ones before (the same values again); rows under 8 one by one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BiasRow(float* source, float* target, int count, float bias, bool relu)
    {
        if (count < 8)
        {
            for (int i = 0; i < count; i++)
            {
                float value = source[i] + bias;
                target[i] = relu && !(value > 0f) && !float.IsNaN(value) ? 0f : value;
            }
            return;
        }
        Vector256<float> b = Vector256.Create(bias);
        for (int i = 0; ; i += 8)
        {
            if (i > count - 8) i = count - 8;
            Vector256<float> value = Vector256.Load(source + i) + b;
            if (relu) value = Vector256.ConditionalSelect(Vector256.GreaterThan(value, Vector256<float>.Zero) | ~Vector256.Equals(value, value), value, Vector256<float>.Zero);
            Vector256.Store(value, target + i);
            if (i == count - 8) break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3(float* target, Vector512<float> first, Vector512<float> second, Vector512<float> third)
    {
        Vector512.Store(first, target);
        Vector512.Store(second, target + 16);
        Vector512.Store(third, target + 32);
    }

    // planes[c][(r + pad)*planeWidth + pad + col] = source[c][r][col]; everything else in the planeLength-long planes is 0.
    private static void PadPlanes(float* source, int channels, int rows, int columns, int pad, int planeWidth, int planeLength, float* planes)
    {
        for (int c = 0; c < channels; c++)
        {
            float* plane = planes + (nint)c * planeLength;
            new Span<float>(plane, planeLength).Clear();
            float* from = source + (nint)c * rows * columns;
            for (int r = 0; r < rows; r++)
                Copy(from + r * columns, plane + (r + pad) * planeWidth + pad, columns);
        }
    }

    // weights[block][t][i] = weight[block*6 + i][t] (t = (ic, kh, kw)), 0 for the channels past outChannels.
    private static void ArrangeWeights(float* weight, int outChannels, int taps, float* arranged, int outBlocks)
    {
        for (int o = 0; o < outBlocks * DirectChannelBlock; o++)
        {
            float* target = arranged + (nint)(o / DirectChannelBlock) * taps * DirectChannelBlock + o % DirectChannelBlock;
            if (o < outChannels) for (int t = 0; t < taps; t++) target[t * DirectChannelBlock] = weight[(nint)o * taps + t];
            else for (int t = 0; t < taps; t++) target[t * DirectChannelBlock] = 0f;
        }
    }

    // The input gradient's weights: flipped[block][(oc, kh, kw)][i] = weight[oc][block*6 + i][K-1-kh][K-1-kw], 0 past inChannels.
    private static void ArrangeFlippedWeights(float* weight, int outChannels, int inChannels, int kernel, float* arranged, int inBlocks)
    {
        int area = kernel * kernel, taps = outChannels * area;
        for (int ic = 0; ic < inBlocks * DirectChannelBlock; ic++)
        {
            float* target = arranged + (nint)(ic / DirectChannelBlock) * taps * DirectChannelBlock + ic % DirectChannelBlock;
            for (int oc = 0; oc < outChannels; oc++)
            for (int k = 0; k < area; k++)
                target[(oc * area + k) * DirectChannelBlock] = ic < inChannels ? weight[((nint)oc * inChannels + ic) * area + (area - 1 - k)] : 0f;
        }
    }

    private static void DirectForwardPart(void* context, int part, int parts)
    {
        ref Job job = ref *(Job*)context;
        ref readonly Shape shape = ref job.Shape;
        float* workspace = WorkspaceOf(ref job, part);
        float* planes = workspace;
        float* grid = workspace + shape.DirectGridOffset;
        int outChannels = shape.OutChannels, outWidth = shape.OutWidth, planeWidth = shape.PaddedWidth;
        nint gridRow = (nint)shape.ForwardVectors * 16;
        for (int chunk = part; chunk < shape.Chunks; chunk += parts)
        {
            int first = chunk * shape.ChunkSamples, samples = Math.Min(shape.ChunkSamples, shape.Batch - first);
            for (int s = 0; s < samples; s++)
            {
                PadPlanes(job.Input + (nint)(first + s) * shape.InputSampleLength, shape.InChannels, shape.Height, shape.Width,
                    shape.PadH, planeWidth, shape.ForwardPlaneLength, planes);
                Correlate(planes, shape.InChannels, shape.ForwardPlaneLength, planeWidth, shape.KernelH, job.Scratch,
                    shape.OutBlocks, shape.ForwardVectors, grid);
                float* y = job.Data + (nint)(first + s) * shape.OutputSampleLength;
                bool relu = job.Activation == Activation.ReLU;
                for (int oc = 0; oc < outChannels; oc++)
                {
                    float* target = y + (nint)oc * shape.OutputPlane;
                    float bias = job.Bias != null ? job.Bias[oc] : 0f;
                    for (int oh = 0; oh < shape.OutHeight; oh++)
                        BiasRow(grid + oc * gridRow + oh * planeWidth, target + oh * outWidth, outWidth, bias, relu);
                    if (job.Activation is not (Activation.Identity or Activation.ReLU))
                    {
                        var plane = new Span<float>(target, shape.OutputPlane);
                        Activations.Forward(job.Activation, plane, plane);
                    }
                }
            }
        }
    }

    private static void DirectBackwardPart(void* context, int part, int parts)
    {
        ref Job job = ref *(Job*)context;
        ref readonly Shape shape = ref job.Shape;
        float* workspace = WorkspaceOf(ref job, part);
        int inChannels = shape.InChannels, outChannels = shape.OutChannels, kernel = shape.KernelH;
        int planeWidth = shape.PaddedWidth, planeLength = shape.ForwardPlaneLength, vectors = shape.ForwardVectors;
        nint gridRow = (nint)vectors * 16;
        int sampleInputFloats = inChannels * planeLength, sampleGradientFloats = shape.OutQuads * 4 * (int)gridRow;
        float* planes = workspace;                                                       // [S][IC][planeLength]
        float* gradients = workspace + (nint)shape.ChunkSamples * sampleInputFloats;     // [S][OC rounded to 4][grid]
        float* paddedGradient = workspace + shape.DirectPaddedGradientOffset;            // [OC][backwardPlaneLength]
        float* grid = workspace + shape.DirectGridOffset;
        int* offsets = (int*)(workspace + shape.DirectOffsetsOffset);
        for (int chunk = part; chunk < shape.Chunks; chunk += parts)
        {
            int first = chunk * shape.ChunkSamples, samples = Math.Min(shape.ChunkSamples, shape.Batch - first);
            float* partial = job.Scratch + shape.PartialsOffset + (nint)chunk * shape.PartialLength;
            if (job.WantBiasGradient)
            {
                for (int oc = 0; oc < outChannels; oc++)
                {
                    float sum = 0f;
                    for (int s = 0; s < samples; s++)
                        sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(job.Data + (nint)(first + s) * shape.OutputSampleLength + oc * shape.OutputPlane, shape.OutputPlane));
                    partial[shape.WeightLength + oc] = sum;
                }
            }
            if (job.WantWeightGradient && shape.UseChannelWeightGradient)
            {
                for (int s = 0; s < samples; s++)
                    PadPlanes(job.Input + (nint)(first + s) * shape.InputSampleLength, inChannels, shape.Height, shape.Width,
                        shape.PadH, planeWidth, planeLength, planes + (nint)s * sampleInputFloats);
                ChannelWeightGradient(planes, sampleInputFloats, job.Data + (nint)first * shape.OutputSampleLength, gradients, samples, in shape, partial);
            }
            else if (job.WantWeightGradient)
            {
                for (int s = 0; s < samples; s++)
                {
                    PadPlanes(job.Input + (nint)(first + s) * shape.InputSampleLength, inChannels, shape.Height, shape.Width,
                        shape.PadH, planeWidth, planeLength, planes + (nint)s * sampleInputFloats);
                    // gradients[s][oc][oh*Wp + ow] = doutput[oc][oh][ow]; 0 in the dropped columns, past the grid and past OC.
                    float* target = gradients + (nint)s * sampleGradientFloats;
                    new Span<float>(target, sampleGradientFloats).Clear();
                    float* dy = job.Data + (nint)(first + s) * shape.OutputSampleLength;
                    for (int oc = 0; oc < outChannels; oc++)
                    for (int oh = 0; oh < shape.OutHeight; oh++)
                        Copy(dy + oc * shape.OutputPlane + oh * shape.OutWidth, target + oc * gridRow + oh * planeWidth, shape.OutWidth);
                }
                WeightGradient(planes, sampleInputFloats, gradients, sampleGradientFloats, samples, in shape, offsets, partial);
            }
            if (job.Dinput != null)
            {
                int pad = kernel - 1 - shape.PadH, width = shape.BackwardPaddedWidth;
                for (int s = 0; s < samples; s++)
                {
                    PadPlanes(job.Data + (nint)(first + s) * shape.OutputSampleLength, outChannels, shape.OutHeight, shape.OutWidth,
                        pad, width, shape.BackwardPlaneLength, paddedGradient);
                    Correlate(paddedGradient, outChannels, shape.BackwardPlaneLength, width, kernel, job.Scratch + shape.DirectFlippedOffset,
                        shape.InBlocks, shape.BackwardVectors, grid);
                    float* dx = job.Dinput + (nint)(first + s) * shape.InputSampleLength;
                    nint row = (nint)shape.BackwardVectors * 16;
                    for (int ic = 0; ic < inChannels; ic++)
                    for (int ih = 0; ih < shape.Height; ih++)
                        Copy(grid + ic * row + ih * width, dx + (ic * shape.Height + ih) * shape.Width, shape.Width);
                }
            }
        }
    }

    // partial[oc][t] = sum over the chunk's samples s and grid positions j of gradients[s][oc][j] * planes[s][offset(t) + j],
    // in tiles of 4 channels x 4 taps (16 accumulators); taps past the last read plane 0 and are dropped.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient(float* planes, int sampleInputFloats, float* gradients, int sampleGradientFloats, int samples,
        in Shape shape, int* offsets, float* partial)
    {
        int kernel = shape.KernelH, taps = shape.PatchLength, quads = (taps + 3) / 4, outChannels = shape.OutChannels;
        for (int t = 0; t < quads * 4; t++)
        {
            if (t >= taps) { offsets[t] = 0; continue; }
            int c = t / (kernel * kernel), k = t % (kernel * kernel);
            offsets[t] = c * shape.ForwardPlaneLength + (k / kernel) * shape.PaddedWidth + k % kernel;
        }
        if (!Gemm.UseVector512)
        {
            WeightGradient256(planes, sampleInputFloats, gradients, sampleGradientFloats, samples, in shape, offsets, partial);
            return;
        }
        int vectors = shape.ForwardVectors;
        nint gridRow = (nint)vectors * 16;
        for (int quad = 0; quad < shape.OutQuads; quad++)
        {
            for (int tq = 0; tq < quads; tq++)
            {
                int t0 = offsets[4 * tq], t1 = offsets[4 * tq + 1], t2 = offsets[4 * tq + 2], t3 = offsets[4 * tq + 3];
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
                for (int s = 0; s < samples; s++)
                {
                    float* x = planes + (nint)s * sampleInputFloats;
                    float* d = gradients + (nint)s * sampleGradientFloats + quad * 4 * gridRow;
                    for (int j = 0; j < vectors * 16; j += 16)
                    {
                        Vector512<float> x0 = Vector512.Load(x + t0 + j), x1 = Vector512.Load(x + t1 + j);
                        Vector512<float> x2 = Vector512.Load(x + t2 + j), x3 = Vector512.Load(x + t3 + j);
                        Vector512<float> g = Vector512.Load(d + j);
                        a00 = Vector512.FusedMultiplyAdd(g, x0, a00); a01 = Vector512.FusedMultiplyAdd(g, x1, a01);
                        a02 = Vector512.FusedMultiplyAdd(g, x2, a02); a03 = Vector512.FusedMultiplyAdd(g, x3, a03);
                        g = Vector512.Load(d + gridRow + j);
                        a10 = Vector512.FusedMultiplyAdd(g, x0, a10); a11 = Vector512.FusedMultiplyAdd(g, x1, a11);
                        a12 = Vector512.FusedMultiplyAdd(g, x2, a12); a13 = Vector512.FusedMultiplyAdd(g, x3, a13);
                        g = Vector512.Load(d + 2 * gridRow + j);
                        a20 = Vector512.FusedMultiplyAdd(g, x0, a20); a21 = Vector512.FusedMultiplyAdd(g, x1, a21);
                        a22 = Vector512.FusedMultiplyAdd(g, x2, a22); a23 = Vector512.FusedMultiplyAdd(g, x3, a23);
                        g = Vector512.Load(d + 3 * gridRow + j);
                        a30 = Vector512.FusedMultiplyAdd(g, x0, a30); a31 = Vector512.FusedMultiplyAdd(g, x1, a31);
                        a32 = Vector512.FusedMultiplyAdd(g, x2, a32); a33 = Vector512.FusedMultiplyAdd(g, x3, a33);
                    }
                }
                int oc = quad * 4, t = tq * 4;
                Put(partial, outChannels, taps, oc, t, a00, a01, a02, a03);
                Put(partial, outChannels, taps, oc + 1, t, a10, a11, a12, a13);
                Put(partial, outChannels, taps, oc + 2, t, a20, a21, a22, a23);
                Put(partial, outChannels, taps, oc + 3, t, a30, a31, a32, a33);
            }
        }
    }

    // WeightGradient on Vector256 (AVX2: 16 registers): tiles of 4 channels x 2 taps (8 accumulators; per 8 positions,
    // two loads of input and four of gradient).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradient256(float* planes, int sampleInputFloats, float* gradients, int sampleGradientFloats, int samples,
        in Shape shape, int* offsets, float* partial)
    {
        int taps = shape.PatchLength, pairs = (taps + 1) / 2, outChannels = shape.OutChannels;
        int positions = shape.ForwardVectors * 16;
        nint gridRow = positions;
        for (int quad = 0; quad < shape.OutQuads; quad++)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                int t0 = offsets[2 * pair], t1 = offsets[2 * pair + 1];
                Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
                for (int s = 0; s < samples; s++)
                {
                    float* x = planes + (nint)s * sampleInputFloats;
                    float* d = gradients + (nint)s * sampleGradientFloats + quad * 4 * gridRow;
                    for (int j = 0; j < positions; j += 8)
                    {
                        Vector256<float> x0 = Vector256.Load(x + t0 + j), x1 = Vector256.Load(x + t1 + j);
                        Vector256<float> g = Vector256.Load(d + j);
                        a00 = Vector256.FusedMultiplyAdd(g, x0, a00); a01 = Vector256.FusedMultiplyAdd(g, x1, a01);
                        g = Vector256.Load(d + gridRow + j);
                        a10 = Vector256.FusedMultiplyAdd(g, x0, a10); a11 = Vector256.FusedMultiplyAdd(g, x1, a11);
                        g = Vector256.Load(d + 2 * gridRow + j);
                        a20 = Vector256.FusedMultiplyAdd(g, x0, a20); a21 = Vector256.FusedMultiplyAdd(g, x1, a21);
                        g = Vector256.Load(d + 3 * gridRow + j);
                        a30 = Vector256.FusedMultiplyAdd(g, x0, a30); a31 = Vector256.FusedMultiplyAdd(g, x1, a31);
                    }
                }
                int oc = quad * 4, t = pair * 2;
                Put256(partial, outChannels, taps, oc, t, a00, a01);
                Put256(partial, outChannels, taps, oc + 1, t, a10, a11);
                Put256(partial, outChannels, taps, oc + 2, t, a20, a21);
                Put256(partial, outChannels, taps, oc + 3, t, a30, a31);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put256(float* partial, int outChannels, int taps, int oc, int t, Vector256<float> s0, Vector256<float> s1)
    {
        if (oc >= outChannels) return;
        float* row = partial + (nint)oc * taps;
        if (t < taps) row[t] = Vector256.Sum(s0);
        if (t + 1 < taps) row[t + 1] = Vector256.Sum(s1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* partial, int outChannels, int taps, int oc, int t,
        Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3)
    {
        if (oc >= outChannels) return;
        float* row = partial + (nint)oc * taps;
        if (t < taps) row[t] = Vector512.Sum(s0);
        if (t + 1 < taps) row[t + 1] = Vector512.Sum(s1);
        if (t + 2 < taps) row[t + 2] = Vector512.Sum(s2);
        if (t + 3 < taps) row[t + 3] = Vector512.Sum(s3);
    }
}
