using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

// The direct path's weight gradient for 5x5 kernels with many output channels (LeNet's conv 6->16): one Vector512
// holds 16 output channels of one tap, a register tile is 2 kernel rows x 5 columns (10 accumulators), and each output
// position is one load of its 16 channels' gradient and 10 broadcast multiply-adds of input values. Unlike the
// positions-in-vectors kernel (Conv2D.Direct.cs's WeightGradient) it computes no dropped column of the zero-bordered
// rows and needs no horizontal sum; it pays for it with one transposition of each sample's gradient to
// [position][channel]. Shape.UseChannelWeightGradient picks it from the share of useful multiply-adds of each.
public static unsafe partial class Conv2D
{
    /// <summary>The kernel width the channel-vector weight gradient is written for.</summary>
    internal const int ChannelGradientKernel = 5;

    /// <summary>Tests only: whether <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> computes this shape's weight gradient in vectors of output channels.</summary>
    internal static bool UsesChannelWeightGradient(int batch, int inChannels, int height, int width, int outChannels, int kernel, int padding) =>
        new Shape(batch, inChannels, height, width, outChannels, kernel, kernel, 1, 1, padding, padding, 1, 1).UseChannelWeightGradient;

    // partial[oc][(ic, kh, kw)] = sum over the chunk's samples s and output positions (oh, ow) of
    //   doutput[s][oc][oh][ow] * planes[s][ic][(oh + kh)*Wp + ow + kw]       (overwritten)
    // transposed[s][oh*OW + ow][16*block + i] = doutput[s][16*block + i][oh][ow], 0 past outChannels.
    private static void ChannelWeightGradient(float* planes, int sampleInputFloats, float* doutput, float* transposed, int samples,
        in Shape shape, float* partial)
    {
        int outChannels = shape.OutChannels, positions = shape.OutputPlane, blocks = (outChannels + 15) / 16, lanes = blocks * 16;
        int taps = shape.PatchLength, rows = shape.InChannels * ChannelGradientKernel;
        for (int s = 0; s < samples; s++)
            Transpose(doutput + (nint)s * shape.OutputSampleLength, outChannels, positions, lanes, transposed + (nint)s * positions * lanes);
        float* sums = stackalloc float[2 * ChannelGradientKernel * 16];
        for (int block = 0; block < blocks; block++)
        {
            int count = Math.Min(16, outChannels - block * 16);
            for (int r = 0; r < rows; r += 2)
            {
                // Kernel rows r and r + 1 (row r again when r is the last): (ic, kh) = (r / 5, r % 5).
                int second = Math.Min(r + 1, rows - 1);
                nint offset0 = (nint)(r / ChannelGradientKernel) * shape.ForwardPlaneLength + (r % ChannelGradientKernel) * shape.PaddedWidth;
                nint offset1 = (nint)(second / ChannelGradientKernel) * shape.ForwardPlaneLength + (second % ChannelGradientKernel) * shape.PaddedWidth;
                ChannelGradientTile(planes, sampleInputFloats, transposed + block * 16, (nint)positions * lanes, lanes, samples,
                    shape.OutHeight, shape.OutWidth, shape.PaddedWidth, offset0, offset1, sums);
                for (int i = 0; i < count; i++)
                {
                    float* target = partial + (nint)(block * 16 + i) * taps;
                    for (int k = 0; k < ChannelGradientKernel; k++)
                    {
                        target[r * ChannelGradientKernel + k] = sums[k * 16 + i];
                        if (second != r) target[second * ChannelGradientKernel + k] = sums[(ChannelGradientKernel + k) * 16 + i];
                    }
                }
            }
        }
    }

    // target[p][i] = source[i][p] for i < channels, 0 for channels <= i < lanes; p < positions.
    private static void Transpose(float* source, int channels, int positions, int lanes, float* target)
    {
        if (channels == lanes && lanes == 16 && Avx2.IsSupported)
        {
            Vector256<int> index = Vector256.CreateSequence(0, positions);
            nint half = (nint)8 * positions;
            for (int p = 0; p < positions; p++)
            {
                Vector256.Store(Avx2.GatherVector256(source + p, index, 4), target + p * 16);
                Vector256.Store(Avx2.GatherVector256(source + half + p, index, 4), target + p * 16 + 8);
            }
            return;
        }
        for (int p = 0; p < positions; p++)
        {
            float* row = target + (nint)p * lanes;
            for (int i = 0; i < channels; i++) row[i] = source[(nint)i * positions + p];
            for (int i = channels; i < lanes; i++) row[i] = 0f;
        }
    }

    // sums[j*5 + k][i] = sum over s, oh, ow of gradient[s][oh*OW + ow][i] * planes[s][offset_j + oh*Wp + ow + k], j < 2:
    // 2 kernel rows x 5 columns x 16 channels in 10 accumulators, summed in the order s, oh, ow.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ChannelGradientTile(float* planes, int sampleInputFloats, float* gradient, nint sampleGradientFloats, int lanes,
        int samples, int outHeight, int outWidth, int planeWidth, nint offset0, nint offset1, float* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default;
        for (int s = 0; s < samples; s++)
        {
            float* x = planes + (nint)s * sampleInputFloats;
            float* g = gradient + s * sampleGradientFloats;
            for (int oh = 0; oh < outHeight; oh++)
            {
                float* p = x + offset0 + (nint)oh * planeWidth, q = x + offset1 + (nint)oh * planeWidth;
                for (int ow = 0; ow < outWidth; ow++, p++, q++, g += lanes)
                {
                    Vector512<float> d = Vector512.Load(g);
                    a0 = Vector512.FusedMultiplyAdd(d, Vector512.Create(p[0]), a0);
                    a1 = Vector512.FusedMultiplyAdd(d, Vector512.Create(p[1]), a1);
                    a2 = Vector512.FusedMultiplyAdd(d, Vector512.Create(p[2]), a2);
                    a3 = Vector512.FusedMultiplyAdd(d, Vector512.Create(p[3]), a3);
                    a4 = Vector512.FusedMultiplyAdd(d, Vector512.Create(p[4]), a4);
                    b0 = Vector512.FusedMultiplyAdd(d, Vector512.Create(q[0]), b0);
                    b1 = Vector512.FusedMultiplyAdd(d, Vector512.Create(q[1]), b1);
                    b2 = Vector512.FusedMultiplyAdd(d, Vector512.Create(q[2]), b2);
                    b3 = Vector512.FusedMultiplyAdd(d, Vector512.Create(q[3]), b3);
                    b4 = Vector512.FusedMultiplyAdd(d, Vector512.Create(q[4]), b4);
                }
            }
        }
        Vector512.Store(a0, sums); Vector512.Store(a1, sums + 16); Vector512.Store(a2, sums + 32); Vector512.Store(a3, sums + 48); Vector512.Store(a4, sums + 64);
        Vector512.Store(b0, sums + 80); Vector512.Store(b1, sums + 96); Vector512.Store(b2, sums + 112); Vector512.Store(b3, sums + 128); Vector512.Store(b4, sums + 144);
    }
}
