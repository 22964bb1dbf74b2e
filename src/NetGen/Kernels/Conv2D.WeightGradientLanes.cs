using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

// The weight gradient of a direct-path convolution with the batch in the vector lanes (AVX-512), for shapes whose
// output channels or positions fill the other kernels' vectors poorly (LeNet-5's conv1: 6 channels, 28-position rows
// in 32-column planes):
//   dweight[oc, t] += sum over blocks of 16 samples, in order, of sum_lanes sum_{oh, ow} dy[oc][oh][ow][s] * x[t + (oh, ow)][s]
// with dy the output gradient in lanes and x the input zero-bordered by the padding in lanes, t a tap (ic, kh, kw).
// A register tile is 6 output channels x 4 taps (24 accumulators): per position 6 loads of the gradient, 4 of the
// input, 24 multiply-adds. Each block of samples ends in its own partial (every lane sum in the same order), and the
// partials are added in block order, so the result does not depend on how the blocks were split across threads.
public static unsafe partial class Conv2D
{
    /// <summary>Taps per register tile of the lane weight-gradient kernel.</summary>
    private const int LaneTaps = 4;

    private struct LaneWeightJob
    {
        public Shape Shape;
        public float* Doutput, Input, Workspaces, Partials;   // Workspaces: 64-byte aligned
    }

    private static void RunLaneWeightGradient(float* doutput, float* input, float* scratch, in Shape shape)
    {
        var job = new LaneWeightJob
        {
            Shape = shape, Doutput = doutput, Input = input, Partials = scratch + shape.LanePartialsOffset, Workspaces = LaneWorkspacesOf(scratch, in shape),
        };
        RunLaneParts(&LaneWeightGradientPart, &job, in shape);
    }

    // dweight[oc][t] += the blocks' partials, in block order.
    private static void AddLaneWeightGradient(Span<float> scratch, Span<float> dweight, in Shape shape)
    {
        int taps = shape.PatchLength, stride = shape.LaneTapStride;
        for (int block = 0; block < shape.LaneBlocks; block++)
        {
            Span<float> partial = scratch.Slice(shape.LanePartialsOffset + block * shape.LanePartialLength, shape.LanePartialLength);
            for (int oc = 0; oc < shape.OutChannels; oc++)
                TensorPrimitives.Add(dweight.Slice(oc * taps, taps), partial.Slice(oc * stride, taps), dweight.Slice(oc * taps, taps));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneWeightGradientPart(void* context, int part, int parts)
    {
        ref LaneWeightJob job = ref *(LaneWeightJob*)context;
        ref readonly Shape shape = ref job.Shape;
        int outChannels = shape.OutChannels, taps = shape.PatchLength, kernel = shape.KernelH, pad = shape.PadH;
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth, planeWidth = shape.PaddedWidth, planeHeight = shape.Height + 2 * pad;
        int tapStride = shape.LaneTapStride, area = kernel * kernel;
        float* gradient = job.Workspaces + (nint)part * shape.LaneWorkspaceLength;       // [OC][OH*OW][16]
        float* padded = gradient + (nint)outChannels * shape.OutputPlane * SampleLanes;   // [IC][H + 2p][W + 2p][16]
        float* square = padded + shape.LanePaddedInputLength;
        int* offsets = (int*)(square + 16 * 16);                                           // cell of tap t's first position
        for (int t = 0; t < tapStride; t++)
        {
            int tap = Math.Min(t, taps - 1);   // taps past the last repeat it; their sums are dropped
            int ic = tap / area, kh = tap % area / kernel, kw = tap % kernel;
            offsets[t] = (ic * planeHeight + kh) * planeWidth + kw;
        }
        for (int block = part; block < shape.LaneBlocks; block += parts)
        {
            int first = block * SampleLanes, samples = Math.Min(SampleLanes, shape.Batch - first);
            ToLanes(job.Doutput + (nint)first * shape.OutputSampleLength, shape.OutputSampleLength, outChannels, outHeight, outWidth, 0, samples, gradient, square);
            ToLanes(job.Input + (nint)first * shape.InputSampleLength, shape.InputSampleLength, shape.InChannels, shape.Height, shape.Width, pad, samples, padded, square);
            float* partial = job.Partials + (nint)block * shape.LanePartialLength;
            for (int oc0 = 0; oc0 < outChannels; oc0 += DirectChannelBlock)
            for (int t0 = 0; t0 < tapStride; t0 += LaneTaps)
                LaneWeightTile(gradient, padded, offsets + t0, oc0, in shape, partial + (nint)oc0 * tapStride + t0, tapStride);
        }
    }

    // partial[i * tapStride + j] = sum over lanes and positions of gradient[oc0 + i] * input at tap t0 + j, for the
    // channels below OutChannels (a block past them reads the last channel again and drops it).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaneWeightTile(float* gradient, float* padded, int* offsets, int oc0, in Shape shape, float* partial, int tapStride)
    {
        int outChannels = shape.OutChannels, outHeight = shape.OutHeight, outWidth = shape.OutWidth, planeWidth = shape.PaddedWidth;
        nint plane = (nint)shape.OutputPlane * SampleLanes;
        float* g0 = gradient + Math.Min(oc0, outChannels - 1) * plane, g1 = gradient + Math.Min(oc0 + 1, outChannels - 1) * plane;
        float* g2 = gradient + Math.Min(oc0 + 2, outChannels - 1) * plane, g3 = gradient + Math.Min(oc0 + 3, outChannels - 1) * plane;
        float* g4 = gradient + Math.Min(oc0 + 4, outChannels - 1) * plane, g5 = gradient + Math.Min(oc0 + 5, outChannels - 1) * plane;
        float* x0 = padded + (nint)offsets[0] * SampleLanes, x1 = padded + (nint)offsets[1] * SampleLanes;
        float* x2 = padded + (nint)offsets[2] * SampleLanes, x3 = padded + (nint)offsets[3] * SampleLanes;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default, a50 = default, a51 = default, a52 = default, a53 = default;
        nint cell = 0;
        for (int oh = 0; oh < outHeight; oh++)
        {
            nint at = (nint)oh * planeWidth * SampleLanes;
            for (int ow = 0; ow < outWidth; ow++, cell += SampleLanes, at += SampleLanes)
            {
                Vector512<float> v0 = Vector512.Load(x0 + at), v1 = Vector512.Load(x1 + at), v2 = Vector512.Load(x2 + at), v3 = Vector512.Load(x3 + at);
                Vector512<float> d = Vector512.Load(g0 + cell);
                a00 = Vector512.FusedMultiplyAdd(d, v0, a00); a01 = Vector512.FusedMultiplyAdd(d, v1, a01); a02 = Vector512.FusedMultiplyAdd(d, v2, a02); a03 = Vector512.FusedMultiplyAdd(d, v3, a03);
                d = Vector512.Load(g1 + cell);
                a10 = Vector512.FusedMultiplyAdd(d, v0, a10); a11 = Vector512.FusedMultiplyAdd(d, v1, a11); a12 = Vector512.FusedMultiplyAdd(d, v2, a12); a13 = Vector512.FusedMultiplyAdd(d, v3, a13);
                d = Vector512.Load(g2 + cell);
                a20 = Vector512.FusedMultiplyAdd(d, v0, a20); a21 = Vector512.FusedMultiplyAdd(d, v1, a21); a22 = Vector512.FusedMultiplyAdd(d, v2, a22); a23 = Vector512.FusedMultiplyAdd(d, v3, a23);
                d = Vector512.Load(g3 + cell);
                a30 = Vector512.FusedMultiplyAdd(d, v0, a30); a31 = Vector512.FusedMultiplyAdd(d, v1, a31); a32 = Vector512.FusedMultiplyAdd(d, v2, a32); a33 = Vector512.FusedMultiplyAdd(d, v3, a33);
                d = Vector512.Load(g4 + cell);
                a40 = Vector512.FusedMultiplyAdd(d, v0, a40); a41 = Vector512.FusedMultiplyAdd(d, v1, a41); a42 = Vector512.FusedMultiplyAdd(d, v2, a42); a43 = Vector512.FusedMultiplyAdd(d, v3, a43);
                d = Vector512.Load(g5 + cell);
                a50 = Vector512.FusedMultiplyAdd(d, v0, a50); a51 = Vector512.FusedMultiplyAdd(d, v1, a51); a52 = Vector512.FusedMultiplyAdd(d, v2, a52); a53 = Vector512.FusedMultiplyAdd(d, v3, a53);
            }
        }
        int count = Math.Min(DirectChannelBlock, outChannels - oc0);
        SumLanes(partial, a00, a01, a02, a03);
        if (count > 1) SumLanes(partial + tapStride, a10, a11, a12, a13);
        if (count > 2) SumLanes(partial + 2 * tapStride, a20, a21, a22, a23);
        if (count > 3) SumLanes(partial + 3 * tapStride, a30, a31, a32, a33);
        if (count > 4) SumLanes(partial + 4 * tapStride, a40, a41, a42, a43);
        if (count > 5) SumLanes(partial + 5 * tapStride, a50, a51, a52, a53);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumLanes(float* target, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        target[0] = Vector512.Sum(a);
        target[1] = Vector512.Sum(b);
        target[2] = Vector512.Sum(c);
        target[3] = Vector512.Sum(d);
    }
}
