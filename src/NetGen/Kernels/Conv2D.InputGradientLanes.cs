using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

// The input gradient of a direct-path convolution (stride 1, dilation 1) with the batch in the vector lanes: one
// Vector512 holds one position of 16 samples. The gradient of the output, zero-bordered by K-1-pad, is correlated with
// the flipped weights (dinput = full correlation, as in Conv2D.Direct.cs), but as
//   dinput[b, ic, y, x] = sum_{oc, kh, kw} flipped[oc, ic, kh, kw] * padded[b, oc, y + kh, x + kw]
// computed for every (ic, y, x) with the 16 samples b side by side: every lane is a real output, so no grid column is
// wasted on the border the positions-in-vectors correlation computes (LeNet-5's conv2: 14 useful columns of 18 and
// 196 positions in 288), and the taps whose row of the bordered gradient is all zeros are skipped (a row y of the
// input gradient reads only the kernel rows that land on the gradient's OH rows). A register tile is 6 input channels
// x 4 consecutive positions (24 accumulators); each tap is 4 loads of 16 samples and 6 broadcast weights.
// The gradient goes in and the input gradient comes out through 16 x 16 transposes (samples <-> positions), one block
// of 16 samples at a time in a per-part workspace; a partial last block leaves the missing lanes at zero. Every
// value is one chain of multiply-adds in a fixed order, whatever the split, so results do not depend on the threads.
public static unsafe partial class Conv2D
{
    /// <summary>Samples per vector of the lane layout.</summary>
    private const int SampleLanes = 16;

    /// <summary>Consecutive positions of one row per register tile of the Vector512 lane kernel.</summary>
    private const int LanePositions = 4;

    /// <summary>Tests only: which gradients <c>Backward</c> of this shape (stride 1, dilation 1) computes with the samples in the lanes, on this thread.</summary>
    internal static (bool Input, bool Weight) LaneGradients(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels, kernel, kernel, 1, 1, padding, padding, 1, 1);
        return (shape.UseLaneInputGradient, shape.UseLaneWeightGradient);
    }

    private struct LaneJob
    {
        public Shape Shape;
        public float* Doutput, Dinput, Flipped, Workspaces;   // Workspaces: 64-byte aligned
    }

    private static void RunLaneInputGradient(float* doutput, float* dinput, float* scratch, in Shape shape)
    {
        var job = new LaneJob
        {
            Shape = shape, Doutput = doutput, Dinput = dinput, Flipped = scratch + shape.DirectFlippedOffset, Workspaces = LaneWorkspacesOf(scratch, in shape),
        };
        RunLaneParts(&LaneInputGradientPart, &job, in shape);
    }

    // Splits the blocks of 16 samples across the pool: part p takes blocks p, p + parts, ... in workspace p.
    private static void RunLaneParts(delegate*<void*, int, int, void> part, void* job, in Shape shape)
    {
        int parts = shape.LaneWorkspaces;
        if (t_sequentialParts > 0) parts = Math.Min(parts, t_sequentialParts);
        else parts = Math.Min(parts, Threading.WorkerPool.Shared.Parallelism);
        if (parts > 1 && t_sequentialParts == 0) Threading.WorkerPool.Shared.Run(part, job, parts);
        else for (int p = 0; p < parts; p++) part(job, p, parts);
    }

    // The lanes' workspaces start at the first 64-byte boundary from LaneOffset (the scratch holds 16 floats of slack).
    private static float* LaneWorkspacesOf(float* scratch, in Shape shape) => (float*)(((nint)(scratch + shape.LaneOffset) + 63) & ~(nint)63);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneInputGradientPart(void* context, int part, int parts)
    {
        ref LaneJob job = ref *(LaneJob*)context;
        ref readonly Shape shape = ref job.Shape;
        float* padded = job.Workspaces + (nint)part * shape.LaneWorkspaceLength;      // [OC][LaneHeight][LaneWidth][16]
        float* lanesOut = padded + shape.LaneGradientLength;                            // [InBlocks * 6][H][W][16]
        float* square = lanesOut + shape.LaneInputLength;                               // 16 x 16 floats for one transpose
        for (int block = part; block < shape.LaneBlocks; block += parts)
        {
            int first = block * SampleLanes, samples = Math.Min(SampleLanes, shape.Batch - first);
            // padded[oc][border + oh][border + ow][s] = doutput[first + s][oc][oh][ow], the border K-1-pad wide.
            ToLanes(job.Doutput + (nint)first * shape.OutputSampleLength, shape.OutputSampleLength, shape.OutChannels, shape.OutHeight, shape.OutWidth,
                shape.KernelH - 1 - shape.PadH, samples, padded, square);
            for (int channelBlock = 0; channelBlock < shape.InBlocks; channelBlock++)
            {
                float* flipped = job.Flipped + (nint)channelBlock * shape.OutChannels * shape.KernelH * shape.KernelH * DirectChannelBlock;
                float* target = lanesOut + (nint)channelBlock * DirectChannelBlock * shape.Height * shape.Width * SampleLanes;
                if (Gemm.UseVector512) LaneCorrelate(padded, flipped, target, in shape);
                else LaneCorrelate256(padded, flipped, target, in shape);
            }
            LaneStoreInputGradient(lanesOut, samples, job.Dinput + (nint)first * shape.InputSampleLength, square, in shape);
        }
    }

    // target[c][border + r][border + q][s] = source[s * sampleStride + (c * rows + r) * columns + q] for s < samples, in
    // planes of (rows + 2 border) x (columns + 2 border) cells of 16 floats; 0 on the border and in the lanes past `samples`.
    private static void ToLanes(float* source, nint sampleStride, int channels, int rows, int columns, int border, int samples, float* target, float* square)
    {
        int height = rows + 2 * border, width = columns + 2 * border, positions = rows * columns;
        nint row = (nint)width * SampleLanes, plane = (nint)height * row;
        for (int c = 0; c < channels; c++)
        {
            float* planeTarget = target + c * plane;
            if (border > 0)
            {
                // The border rows, then each row's left and right border.
                Clear(planeTarget, (int)(border * row));
                Clear(planeTarget + (border + rows) * row, (int)((height - border - rows) * row));
                for (int r = 0; r < rows; r++)
                {
                    float* line = planeTarget + (border + r) * row;
                    Clear(line, border * SampleLanes);
                    Clear(line + (border + columns) * SampleLanes, (width - border - columns) * SampleLanes);
                }
            }
            float* planeSource = source + (nint)c * positions;
            int p = 0;
            if (samples == SampleLanes)
            {
                for (; p + 16 <= positions; p += 16)
                {
                    // square[j][s] = source[s][c][p + j]
                    LaneTranspose(planeSource + p, sampleStride, square);
                    for (int j = 0; j < 16; j++)
                    {
                        int r = (p + j) / columns, q = (p + j) % columns;
                        Vector512.Store(Vector512.Load(square + j * 16), planeTarget + (border + r) * row + (border + q) * SampleLanes);
                    }
                }
            }
            for (; p < positions; p++)
            {
                int r = p / columns, q = p % columns;
                float* cell = planeTarget + (border + r) * row + (border + q) * SampleLanes;
                for (int s = 0; s < SampleLanes; s++) cell[s] = s < samples ? planeSource[(nint)s * sampleStride + p] : 0f;
            }
        }
    }

    // lanesOut[ic][y][x][s] for the 6 input channels of one block: the correlation of the bordered gradient with the
    // block's flipped weights ([oc][kh][kw][6], Conv2D.Direct.cs's ArrangeFlippedWeights), in tiles of 6 channels x 4 positions.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneCorrelate(float* padded, float* flipped, float* lanesOut, in Shape shape)
    {
        int kernel = shape.KernelH, border = kernel - 1 - shape.PadH, outHeight = shape.OutHeight;
        int height = shape.Height, width = shape.Width, outChannels = shape.OutChannels, area = kernel * kernel;
        nint row = (nint)shape.LaneWidth * SampleLanes, plane = shape.LaneHeight * row, channelOut = (nint)height * width * SampleLanes;
        for (int y = 0; y < height; y++)
        {
            // Kernel rows kh whose bordered row y + kh holds gradient rows: border <= y + kh < border + outHeight.
            int firstRow = Math.Max(0, border - y), endRow = Math.Min(kernel, border + outHeight - y);
            int tiled = width / LanePositions * LanePositions;
            for (int x0 = 0; x0 < tiled; x0 += LanePositions)
            {
                Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
                Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default, a50 = default, a51 = default, a52 = default, a53 = default;
                for (int oc = 0; oc < outChannels; oc++)
                for (int kh = firstRow; kh < endRow; kh++)
                {
                    float* d = padded + oc * plane + (y + kh) * row + (nint)x0 * SampleLanes;
                    float* w = flipped + (nint)(oc * area + kh * kernel) * DirectChannelBlock;
                    for (int kw = 0; kw < kernel; kw++, d += SampleLanes, w += DirectChannelBlock)
                    {
                        Vector512<float> d0 = Vector512.Load(d), d1 = Vector512.Load(d + SampleLanes), d2 = Vector512.Load(d + 2 * SampleLanes), d3 = Vector512.Load(d + 3 * SampleLanes);
                        Vector512<float> b = Vector512.Create(w[0]);
                        a00 = Vector512.FusedMultiplyAdd(b, d0, a00); a01 = Vector512.FusedMultiplyAdd(b, d1, a01); a02 = Vector512.FusedMultiplyAdd(b, d2, a02); a03 = Vector512.FusedMultiplyAdd(b, d3, a03);
                        b = Vector512.Create(w[1]);
                        a10 = Vector512.FusedMultiplyAdd(b, d0, a10); a11 = Vector512.FusedMultiplyAdd(b, d1, a11); a12 = Vector512.FusedMultiplyAdd(b, d2, a12); a13 = Vector512.FusedMultiplyAdd(b, d3, a13);
                        b = Vector512.Create(w[2]);
                        a20 = Vector512.FusedMultiplyAdd(b, d0, a20); a21 = Vector512.FusedMultiplyAdd(b, d1, a21); a22 = Vector512.FusedMultiplyAdd(b, d2, a22); a23 = Vector512.FusedMultiplyAdd(b, d3, a23);
                        b = Vector512.Create(w[3]);
                        a30 = Vector512.FusedMultiplyAdd(b, d0, a30); a31 = Vector512.FusedMultiplyAdd(b, d1, a31); a32 = Vector512.FusedMultiplyAdd(b, d2, a32); a33 = Vector512.FusedMultiplyAdd(b, d3, a33);
                        b = Vector512.Create(w[4]);
                        a40 = Vector512.FusedMultiplyAdd(b, d0, a40); a41 = Vector512.FusedMultiplyAdd(b, d1, a41); a42 = Vector512.FusedMultiplyAdd(b, d2, a42); a43 = Vector512.FusedMultiplyAdd(b, d3, a43);
                        b = Vector512.Create(w[5]);
                        a50 = Vector512.FusedMultiplyAdd(b, d0, a50); a51 = Vector512.FusedMultiplyAdd(b, d1, a51); a52 = Vector512.FusedMultiplyAdd(b, d2, a52); a53 = Vector512.FusedMultiplyAdd(b, d3, a53);
                    }
                }
                float* o = lanesOut + ((nint)y * width + x0) * SampleLanes;
                Store4(o, a00, a01, a02, a03); o += channelOut;
                Store4(o, a10, a11, a12, a13); o += channelOut;
                Store4(o, a20, a21, a22, a23); o += channelOut;
                Store4(o, a30, a31, a32, a33); o += channelOut;
                Store4(o, a40, a41, a42, a43); o += channelOut;
                Store4(o, a50, a51, a52, a53);
            }
            // The last width % 4 positions one at a time, as on Vector256 (the same chains, so the same bits).
            for (int x = tiled; x < width; x++) LanePosition256(padded, flipped, lanesOut, in shape, y, x, firstRow, endRow);
        }
    }

    // target[j * 16 + i] = source[i * stride + j] for i, j in 0..16: one in-register transpose on AVX-512, four 8 x 8 ones on AVX2.
    private static void LaneTranspose(float* source, nint stride, float* target)
    {
        if (Gemm.UseVector512 && Avx512F.IsSupported)
        {
            Transpose16x16(source, stride, target);
            return;
        }
        Gemm.Transpose8x8(source, stride, target, 16);
        Gemm.Transpose8x8(source + 8, stride, target + 8 * 16, 16);
        Gemm.Transpose8x8(source + 8 * stride, stride, target + 8, 16);
        Gemm.Transpose8x8(source + 8 * stride + 8, stride, target + 8 * 16 + 8, 16);
    }

    // LaneCorrelate on Vector256: a tile is 6 input channels x one position, the 16 samples as two halves of 8.
    private static void LaneCorrelate256(float* padded, float* flipped, float* lanesOut, in Shape shape)
    {
        int kernel = shape.KernelH, border = kernel - 1 - shape.PadH;
        for (int y = 0; y < shape.Height; y++)
        {
            int firstRow = Math.Max(0, border - y), endRow = Math.Min(kernel, border + shape.OutHeight - y);
            for (int x = 0; x < shape.Width; x++) LanePosition256(padded, flipped, lanesOut, in shape, y, x, firstRow, endRow);
        }
    }

    // lanesOut[ic][y][x][s] for the block's 6 input channels at one position, over kernel rows [firstRow, endRow).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LanePosition256(float* padded, float* flipped, float* lanesOut, in Shape shape, int y, int x, int firstRow, int endRow)
    {
        int kernel = shape.KernelH, outChannels = shape.OutChannels, area = kernel * kernel;
        nint row = (nint)shape.LaneWidth * SampleLanes, plane = shape.LaneHeight * row, channelOut = (nint)shape.Height * shape.Width * SampleLanes;
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
        Vector256<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
        for (int oc = 0; oc < outChannels; oc++)
        for (int kh = firstRow; kh < endRow; kh++)
        {
            float* d = padded + oc * plane + (y + kh) * row + (nint)x * SampleLanes;
            float* w = flipped + (nint)(oc * area + kh * kernel) * DirectChannelBlock;
            for (int kw = 0; kw < kernel; kw++, d += SampleLanes, w += DirectChannelBlock)
            {
                Vector256<float> low = Vector256.Load(d), high = Vector256.Load(d + 8);
                Vector256<float> v = Vector256.Create(w[0]);
                a0 = Vector256.FusedMultiplyAdd(v, low, a0); b0 = Vector256.FusedMultiplyAdd(v, high, b0);
                v = Vector256.Create(w[1]);
                a1 = Vector256.FusedMultiplyAdd(v, low, a1); b1 = Vector256.FusedMultiplyAdd(v, high, b1);
                v = Vector256.Create(w[2]);
                a2 = Vector256.FusedMultiplyAdd(v, low, a2); b2 = Vector256.FusedMultiplyAdd(v, high, b2);
                v = Vector256.Create(w[3]);
                a3 = Vector256.FusedMultiplyAdd(v, low, a3); b3 = Vector256.FusedMultiplyAdd(v, high, b3);
                v = Vector256.Create(w[4]);
                a4 = Vector256.FusedMultiplyAdd(v, low, a4); b4 = Vector256.FusedMultiplyAdd(v, high, b4);
                v = Vector256.Create(w[5]);
                a5 = Vector256.FusedMultiplyAdd(v, low, a5); b5 = Vector256.FusedMultiplyAdd(v, high, b5);
            }
        }
        float* o = lanesOut + ((nint)y * shape.Width + x) * SampleLanes;
        Vector256.Store(a0, o); Vector256.Store(b0, o + 8); o += channelOut;
        Vector256.Store(a1, o); Vector256.Store(b1, o + 8); o += channelOut;
        Vector256.Store(a2, o); Vector256.Store(b2, o + 8); o += channelOut;
        Vector256.Store(a3, o); Vector256.Store(b3, o + 8); o += channelOut;
        Vector256.Store(a4, o); Vector256.Store(b4, o + 8); o += channelOut;
        Vector256.Store(a5, o); Vector256.Store(b5, o + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* target, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        Vector512.Store(a, target);
        Vector512.Store(b, target + SampleLanes);
        Vector512.Store(c, target + 2 * SampleLanes);
        Vector512.Store(d, target + 3 * SampleLanes);
    }

    // dinput[s][ic][p] = lanesOut[ic][p][s] for the block's samples and the real input channels (overwritten).
    private static void LaneStoreInputGradient(float* lanesOut, int samples, float* dinput, float* square, in Shape shape)
    {
        int positions = shape.Height * shape.Width;
        nint channelOut = (nint)positions * SampleLanes;
        for (int ic = 0; ic < shape.InChannels; ic++)
        {
            float* source = lanesOut + ic * channelOut;
            float* target = dinput + (nint)ic * positions;
            int p = 0;
            for (; p + 16 <= positions; p += 16)
            {
                // square[s][j] = lanesOut[ic][p + j][s]
                LaneTranspose(source + (nint)p * SampleLanes, SampleLanes, square);
                for (int s = 0; s < samples; s++) Vector512.Store(Vector512.Load(square + s * 16), target + (nint)s * shape.InputSampleLength + p);
            }
            for (; p < positions; p++)
            for (int s = 0; s < samples; s++)
                target[(nint)s * shape.InputSampleLength + p] = source[(nint)p * SampleLanes + s];
        }
    }
}
