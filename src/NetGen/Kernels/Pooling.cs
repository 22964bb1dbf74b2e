using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// 2-D max and average pooling and global average pooling over NCHW float tensors, with PyTorch's
/// semantics (<c>MaxPool2d</c>, <c>AvgPool2d</c> with <c>count_include_pad=True</c>, floor rounding).
/// </summary>
/// <remarks>
/// The 2x2, stride 2, unpadded window (the usual downsampling step) has a vectorized kernel; other
/// windows run the plain reference loops (<see cref="MaxForwardReference"/>, <see cref="AvgForwardReference"/>,
/// <see cref="AvgBackwardReference"/>), which double as the references the fast kernels are tested against.
/// Like PyTorch, padding may be at most half the kernel, so every window holds at least one input element.
/// </remarks>
public static unsafe partial class Pooling
{
    /// <summary>Output length of one spatial dimension: <c>(input + 2*padding - kernel) / stride + 1</c>, rounded down (PyTorch's default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the padding is negative or more than half the kernel, or the kernel is longer than the padded input.</exception>
    public static int OutputSize(int input, int kernel, int stride, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding > kernel / 2)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Padding {padding} is more than half the kernel {kernel}: some windows would hold only padding.");
        long paddedInput = input + 2L * padding;
        if (kernel > paddedInput)
            throw new ArgumentOutOfRangeException(nameof(kernel), $"The kernel {kernel} is longer than the padded input {paddedInput} (input {input}, padding {padding}).");
        return (int)((paddedInput - kernel) / stride + 1);
    }

    // output[B,C,OH,OW] = max_{kh,kw} input[B,C,oh*sH-pH+kh, ow*sW-pW+kw]  (padding counts as -inf)
    // argmax[B,C,OH,OW] = ih*W + iw of that maximum within its input plane (the first one in row-major order on ties)
    /// <summary>
    /// Max pooling: <c>output[B,C,OH,OW]</c> is the largest <c>input[B,C,H,W]</c> value in each window and
    /// <c>argmax[B,C,OH,OW]</c> its index <c>ih*W + iw</c> within its input plane, for <see cref="MaxBackward"/>.
    /// Padding counts as -infinity; a NaN in a window wins, as in PyTorch; on ties the first element in
    /// row-major order wins.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void MaxForward(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckInput(input.Length, nameof(input));
        shape.CheckOutput(output.Length, nameof(output));
        shape.CheckOutput(argmax.Length, nameof(argmax));
        if (shape.IsTwoByTwoStrideTwo)
        {
            if (input.Length < ParallelElements) MaxForwardTwoByTwo(input, output, argmax, in shape, 0, shape.Planes);
            else
            {
                fixed (float* pInput = input, pOutput = output)
                fixed (int* pArgmax = argmax)
                {
                    var job = new PoolJob { Input = pInput, Output = pOutput, Argmax = pArgmax, Shape = shape, Planes = shape.Planes };
                    RunPlanes(&MaxForwardPart, ref job);
                }
            }
        }
        else MaxForwardReference(input, output, argmax, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    // dinput[B,C,H,W] = sum over outputs o of doutput[o] at argmax[o] of o's plane  (overwritten)
    /// <summary>
    /// Gradient of <see cref="MaxForward"/>: <paramref name="dinput"/>[B,C,H,W] is OVERWRITTEN: zeroed,
    /// then each <c>doutput[B,C,OH,OW]</c> is added at its <paramref name="argmax"/> (overlapping windows add).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or an argmax index lies outside its H*W plane.</exception>
    public static void MaxBackward(ReadOnlySpan<float> doutput, ReadOnlySpan<int> argmax, Span<float> dinput,
        int batch, int channels, int height, int width, int outHeight, int outWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        long planes = (long)batch * channels, inputPlane = (long)height * width, outputPlane = (long)outHeight * outWidth;
        if (doutput.Length != planes * outputPlane)
            throw new ArgumentException($"doutput holds {doutput.Length} floats; [B,C,OH,OW] = [{batch},{channels},{outHeight},{outWidth}] needs {planes * outputPlane}.", nameof(doutput));
        if (argmax.Length != planes * outputPlane)
            throw new ArgumentException($"argmax holds {argmax.Length} indices; [B,C,OH,OW] = [{batch},{channels},{outHeight},{outWidth}] needs {planes * outputPlane}.", nameof(argmax));
        if (dinput.Length != planes * inputPlane)
            throw new ArgumentException($"dinput holds {dinput.Length} floats; [B,C,H,W] = [{batch},{channels},{height},{width}] needs {planes * inputPlane}.", nameof(dinput));

        long bad;
        if (dinput.Length < ParallelElements) bad = MaxBackwardPlanes(doutput, argmax, dinput, height, width, outHeight, outWidth, 0, (int)planes);
        else
        {
            fixed (float* pDoutput = doutput, pDinput = dinput)
            fixed (int* pArgmax = argmax)
            {
                var job = new PoolJob
                {
                    Input = pDoutput, Output = pDinput, Argmax = pArgmax, Planes = (int)planes, Bad = long.MaxValue,
                    Height = height, Width = width, OutHeight = outHeight, OutWidth = outWidth,
                };
                RunPlanes(&MaxBackwardPart, ref job);
                bad = job.Bad;
            }
        }
        if (bad != long.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(argmax), $"argmax[{bad}] = {argmax[(int)bad]} lies outside the {height}x{width} input plane.");
    }

    // MaxBackward on planes [firstPlane, endPlane); returns the first bad argmax index in them, long.MaxValue when none.
    private static long MaxBackwardPlanes(ReadOnlySpan<float> doutput, ReadOnlySpan<int> argmax, Span<float> dinput,
        int height, int width, int outHeight, int outWidth, int firstPlane, int endPlane)
    {
        int inPlane = height * width, outPlane = outHeight * outWidth;
        // Windows that may be 2x2 with stride 2 (the usual downsampling) take the vectorized path, plane by plane,
        // as long as every argmax lies in its own 2x2 window; any other plane is scattered element by element.
        bool twoByTwo = Avx2.IsSupported && outWidth >= 8 && 2 * outHeight <= height && 2 * outWidth <= width;
        for (int plane = firstPlane; plane < endPlane; plane++)
        {
            Span<float> dx = dinput.Slice(plane * inPlane, inPlane);
            ReadOnlySpan<float> dy = doutput.Slice(plane * outPlane, outPlane);
            ReadOnlySpan<int> index = argmax.Slice(plane * outPlane, outPlane);
            if (twoByTwo && MaxBackwardTwoByTwo(dy, index, dx, height, width, outHeight, outWidth)) continue;
            dx.Clear();
            for (int o = 0; o < outPlane; o++)
            {
                int i = index[o];
                if ((uint)i >= (uint)inPlane) return (long)plane * outPlane + o;
                dx[i] += dy[o];
            }
        }
        return long.MaxValue;
    }

    /// <summary>Elements (of the larger tensor) from which max pooling splits its planes across the pool: about 15 us of work.</summary>
    internal const int ParallelElements = 1 << 16;

    private struct PoolJob
    {
        public float* Input, Output;       // backward: doutput, dinput
        public int* Argmax;
        public Shape Shape;                // forward only
        public int Planes, Height, Width, OutHeight, OutWidth;
        public long Bad;                   // backward: the smallest bad argmax index found
    }

    // Splits the planes into contiguous shares across the pool; every plane's result depends on that plane alone.
    private static void RunPlanes(delegate*<void*, int, int, void> part, ref PoolJob job)
    {
        Threading.WorkerPool pool = Threading.WorkerPool.Shared;
        int parts = Math.Min(pool.Parallelism, job.Planes);
        fixed (PoolJob* context = &job)
        {
            if (parts > 1) pool.Run(part, context, parts);
            else part(context, 0, 1);
        }
    }

    private static void MaxForwardPart(void* context, int part, int parts)
    {
        ref PoolJob job = ref *(PoolJob*)context;
        ref readonly Shape shape = ref job.Shape;
        int inPlane = shape.Height * shape.Width, outPlane = shape.OutHeight * shape.OutWidth;
        int first = (int)((long)job.Planes * part / parts), end = (int)((long)job.Planes * (part + 1) / parts);
        MaxForwardTwoByTwo(new ReadOnlySpan<float>(job.Input, job.Planes * inPlane), new Span<float>(job.Output, job.Planes * outPlane),
            new Span<int>(job.Argmax, job.Planes * outPlane), in shape, first, end);
    }

    private static void MaxBackwardPart(void* context, int part, int parts)
    {
        ref PoolJob job = ref *(PoolJob*)context;
        int inPlane = job.Height * job.Width, outPlane = job.OutHeight * job.OutWidth;
        int first = (int)((long)job.Planes * part / parts), end = (int)((long)job.Planes * (part + 1) / parts);
        long bad = MaxBackwardPlanes(new ReadOnlySpan<float>(job.Input, job.Planes * outPlane), new ReadOnlySpan<int>(job.Argmax, job.Planes * outPlane),
            new Span<float>(job.Output, job.Planes * inPlane), job.Height, job.Width, job.OutHeight, job.OutWidth, first, end);
        for (long seen = Volatile.Read(ref job.Bad); bad < seen; seen = Volatile.Read(ref job.Bad))
            if (Interlocked.CompareExchange(ref job.Bad, bad, seen) == seen) break;
    }

    // dx[2*oh + r, 2*ow + c] = dy[oh, ow] where argmax[oh, ow] is that element of window (oh, ow), else 0  (overwritten)
    // One step takes 8 adjacent outputs: their offsets within the window select each of the 4 positions, and even and
    // odd columns are interleaved into 16 floats of each of the two rows. The last step of a row overlaps the one
    // before (same values). Returns false, having written part of dx, when an argmax lies outside its 2x2 window.
    private static bool MaxBackwardTwoByTwo(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx,
        int height, int width, int outHeight, int outWidth)
    {
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        ref int argmaxRef = ref MemoryMarshal.GetReference(argmax);
        ref float dxRef = ref MemoryMarshal.GetReference(dx);
        Vector256<int> columns = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        Vector256<int> right = Vector256.Create(1), below = Vector256.Create(width), belowRight = Vector256.Create(width + 1);
        for (int oh = 0; oh < outHeight; oh++)
        {
            int top = 2 * oh * width;
            ref float topRow = ref Unsafe.Add(ref dxRef, top);
            ref float bottomRow = ref Unsafe.Add(ref topRow, width);
            for (int step = 0; step < outWidth; step += 8)
            {
                int ow = Math.Min(step, outWidth - 8);
                int o = oh * outWidth + ow;
                Vector256<float> d = Vector256.LoadUnsafe(ref dyRef, (nuint)o);
                Vector256<int> offset = Vector256.LoadUnsafe(ref argmaxRef, (nuint)o) - (Vector256.Create(top + 2 * ow) + columns);
                Vector256<int> topLeft = Vector256.Equals(offset, Vector256<int>.Zero), topRight = Vector256.Equals(offset, right);
                Vector256<int> bottomLeft = Vector256.Equals(offset, below), bottomRight = Vector256.Equals(offset, belowRight);
                if (!Vector256.EqualsAll(topLeft | topRight | bottomLeft | bottomRight, Vector256<int>.AllBitsSet)) return false;
                StoreInterleaved(d & topLeft.AsSingle(), d & topRight.AsSingle(), ref topRow, 2 * ow);
                StoreInterleaved(d & bottomLeft.AsSingle(), d & bottomRight.AsSingle(), ref bottomRow, 2 * ow);
            }
            // An odd width leaves the last column outside every window.
            if (width > 2 * outWidth)
            {
                dx.Slice(top + 2 * outWidth, width - 2 * outWidth).Clear();
                dx.Slice(top + width + 2 * outWidth, width - 2 * outWidth).Clear();
            }
        }
        // Rows below the last window.
        dx.Slice(2 * outHeight * width).Clear();
        return true;
    }

    // row[at + 2*i] = even[i], row[at + 2*i + 1] = odd[i] for i < 8.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInterleaved(Vector256<float> even, Vector256<float> odd, ref float row, int at)
    {
        Vector256<float> low = Avx.UnpackLow(even, odd), high = Avx.UnpackHigh(even, odd);
        Avx.Permute2x128(low, high, 0x20).StoreUnsafe(ref row, (nuint)at);
        Avx.Permute2x128(low, high, 0x31).StoreUnsafe(ref row, (nuint)(at + 8));
    }

    // output[B,C,OH,OW] = (1/(KH*KW)) * sum_{kh,kw} input[B,C,oh*sH-pH+kh, ow*sW-pW+kw]  (padding counts as 0 and in the divisor)
    /// <summary>
    /// Average pooling with PyTorch's defaults: padding counts as zeros and in the divisor, which is
    /// always <c>KH*KW</c> (<c>count_include_pad=True</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void AvgForward(ReadOnlySpan<float> input, Span<float> output,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckInput(input.Length, nameof(input));
        shape.CheckOutput(output.Length, nameof(output));
        if (shape.IsTwoByTwoStrideTwo) AvgForwardTwoByTwo(input, output, in shape);
        else AvgForwardReference(input, output, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    // dinput[B,C,ih,iw] = (1/(KH*KW)) * sum over the windows (oh, ow) that hold (ih, iw) of doutput[B,C,oh,ow]  (overwritten)
    /// <summary>Gradient of <see cref="AvgForward"/>: <paramref name="dinput"/>[B,C,H,W] is OVERWRITTEN (overlapping windows add).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void AvgBackward(ReadOnlySpan<float> doutput, Span<float> dinput,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckOutput(doutput.Length, nameof(doutput));
        shape.CheckInput(dinput.Length, nameof(dinput));
        if (shape.IsTwoByTwoStrideTwo) AvgBackwardTwoByTwo(doutput, dinput, in shape);
        else AvgBackwardReference(doutput, dinput, batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
    }

    // output[B,C] = (1/S) * sum_s input[B,C,S]   (S = H*W)
    /// <summary>Global average pooling: <c>output[B,C]</c> is the mean of each <c>input[B,C,S]</c> plane of <paramref name="spatial"/> = H*W values.</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static void GlobalAvgForward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int spatial)
    {
        int planes = CheckGlobal(input.Length, nameof(input), output.Length, nameof(output), batch, channels, spatial);
        float scale = 1f / spatial;
        for (int plane = 0; plane < planes; plane++)
            output[plane] = TensorPrimitives.Sum(input.Slice(plane * spatial, spatial)) * scale;
    }

    // dinput[B,C,S] = doutput[B,C] / S   (overwritten)
    /// <summary>Gradient of <see cref="GlobalAvgForward"/>: <paramref name="dinput"/>[B,C,S] is OVERWRITTEN with <c>doutput[B,C] / S</c>.</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static void GlobalAvgBackward(ReadOnlySpan<float> doutput, Span<float> dinput, int batch, int channels, int spatial)
    {
        int planes = CheckGlobal(dinput.Length, nameof(dinput), doutput.Length, nameof(doutput), batch, channels, spatial);
        float scale = 1f / spatial;
        for (int plane = 0; plane < planes; plane++)
            dinput.Slice(plane * spatial, spatial).Fill(doutput[plane] * scale);
    }

    // ---- Reference kernels: plain loops, also the fallback for windows without a fast kernel ----

    /// <summary>
    /// Plain-loop max pooling: the reference <see cref="MaxForward"/> is tested against, and its kernel
    /// for windows other than 2x2 stride 2. Same layout and meaning as <see cref="MaxForward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void MaxForwardReference(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckInput(input.Length, nameof(input));
        shape.CheckOutput(output.Length, nameof(output));
        shape.CheckOutput(argmax.Length, nameof(argmax));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            ReadOnlySpan<float> x = input.Slice(plane * height * width, height * width);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int hStart = Math.Max(oh * strideH - padH, 0), hEnd = Math.Min(oh * strideH - padH + kernelH, height);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int wStart = Math.Max(ow * strideW - padW, 0), wEnd = Math.Min(ow * strideW - padW + kernelW, width);
                    float max = float.NegativeInfinity;
                    int maxIndex = hStart * width + wStart;
                    for (int ih = hStart; ih < hEnd; ih++)
                    for (int iw = wStart; iw < wEnd; iw++)
                    {
                        float value = x[ih * width + iw];
                        if (value > max || float.IsNaN(value)) { max = value; maxIndex = ih * width + iw; }
                    }
                    int o = (plane * outHeight + oh) * outWidth + ow;
                    output[o] = max;
                    argmax[o] = maxIndex;
                }
            }
        }
    }

    /// <summary>
    /// Plain-loop average pooling accumulated in double precision: the reference <see cref="AvgForward"/> is
    /// tested against, and its kernel for windows other than 2x2 stride 2.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void AvgForwardReference(ReadOnlySpan<float> input, Span<float> output,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckInput(input.Length, nameof(input));
        shape.CheckOutput(output.Length, nameof(output));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        double divisor = kernelH * kernelW;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            ReadOnlySpan<float> x = input.Slice(plane * height * width, height * width);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int hStart = Math.Max(oh * strideH - padH, 0), hEnd = Math.Min(oh * strideH - padH + kernelH, height);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int wStart = Math.Max(ow * strideW - padW, 0), wEnd = Math.Min(ow * strideW - padW + kernelW, width);
                    double sum = 0.0;
                    for (int ih = hStart; ih < hEnd; ih++)
                    for (int iw = wStart; iw < wEnd; iw++)
                        sum += x[ih * width + iw];
                    output[(plane * outHeight + oh) * outWidth + ow] = (float)(sum / divisor);
                }
            }
        }
    }

    /// <summary>
    /// Plain-loop gradient of average pooling: the reference <see cref="AvgBackward"/> is tested against,
    /// and its kernel for windows other than 2x2 stride 2. <paramref name="dinput"/> is OVERWRITTEN.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the padding is negative or more than half the kernel.</exception>
    public static void AvgBackwardReference(ReadOnlySpan<float> doutput, Span<float> dinput,
        int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
    {
        var shape = new Shape(batch, channels, height, width, kernelH, kernelW, strideH, strideW, padH, padW);
        shape.CheckOutput(doutput.Length, nameof(doutput));
        shape.CheckInput(dinput.Length, nameof(dinput));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        float scale = 1f / (kernelH * kernelW);
        dinput.Clear();
        for (int plane = 0; plane < batch * channels; plane++)
        {
            Span<float> dx = dinput.Slice(plane * height * width, height * width);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int hStart = Math.Max(oh * strideH - padH, 0), hEnd = Math.Min(oh * strideH - padH + kernelH, height);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int wStart = Math.Max(ow * strideW - padW, 0), wEnd = Math.Min(ow * strideW - padW + kernelW, width);
                    float share = doutput[(plane * outHeight + oh) * outWidth + ow] * scale;
                    for (int ih = hStart; ih < hEnd; ih++)
                    for (int iw = wStart; iw < wEnd; iw++)
                        dx[ih * width + iw] += share;
                }
            }
        }
    }

    // ---- Fast kernels for the 2x2, stride 2, unpadded window ----
    // Input rows 2*oh and 2*oh+1 feed output row oh. One step computes 8 (or 4) adjacent outputs from
    // 16 (or 8) floats of each of the two rows, split into even and odd columns so that a window's four
    // values sit in the same lane of four vectors. A row whose output width is not a multiple of the
    // step ends with a step that overlaps the one before (it writes a few outputs again, with the same
    // values), so there is no scalar tail; rows of fewer than 4 outputs, and machines without 256-bit
    // vectors, take the scalar step.

    private static void MaxForwardTwoByTwo(ReadOnlySpan<float> input, Span<float> output, Span<int> argmax, in Shape shape, int firstPlane, int endPlane)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        bool vectorized = Vector256.IsHardwareAccelerated && outWidth >= 4;
        for (int plane = firstPlane; plane < endPlane; plane++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                int top = 2 * oh * width;   // index of input row 2*oh within its plane: argmax counts from here
                ref float topRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), plane * height * width + top);
                ref float bottomRow = ref Unsafe.Add(ref topRow, width);
                int outRow = (plane * outHeight + oh) * outWidth;
                ref float outputRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), outRow);
                ref int argmaxRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(argmax), outRow);
                if (!vectorized)
                {
                    for (int ow = 0; ow < outWidth; ow++) MaxOne(ref topRow, ref bottomRow, top, width, ow, ref outputRow, ref argmaxRow);
                }
                else if (outWidth >= 8)
                {
                    int ow = 0;
                    for (; ow <= outWidth - 8; ow += 8) MaxEight(ref topRow, ref bottomRow, top, width, ow, ref outputRow, ref argmaxRow);
                    if (ow < outWidth) MaxEight(ref topRow, ref bottomRow, top, width, outWidth - 8, ref outputRow, ref argmaxRow);
                }
                else
                {
                    MaxFour(ref topRow, ref bottomRow, top, width, 0, ref outputRow, ref argmaxRow);
                    MaxFour(ref topRow, ref bottomRow, top, width, outWidth - 4, ref outputRow, ref argmaxRow);
                }
            }
        }
    }

    // Outputs ow..ow+7 of one row. Reads columns 2*ow..2*ow+15 of both rows: inside, as 2*(ow+8) <= 2*outWidth <= width.
    // The window is scanned in row-major order with "greater, or NaN" (PyTorch's rule): the first maximum wins ties.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxEight(ref float topRow, ref float bottomRow, int top, int width, int ow, ref float outputRow, ref int argmaxRow)
    {
        Deinterleave(Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow)), Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow + 8)),
            out Vector256<float> topLeft, out Vector256<float> topRight);
        Deinterleave(Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow)), Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow + 8)),
            out Vector256<float> bottomLeft, out Vector256<float> bottomRight);
        Vector256<float> max = topLeft;
        Vector256<int> offset = Vector256<int>.Zero;
        Vector256<int> take = Replaces(topRight, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), topRight, max);
        offset = Vector256.ConditionalSelect(take, Vector256.Create(1), offset);
        take = Replaces(bottomLeft, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), bottomLeft, max);
        offset = Vector256.ConditionalSelect(take, Vector256.Create(width), offset);
        take = Replaces(bottomRight, max).AsInt32();
        max = Vector256.ConditionalSelect(take.AsSingle(), bottomRight, max);
        offset = Vector256.ConditionalSelect(take, Vector256.Create(width + 1), offset);
        max.StoreUnsafe(ref outputRow, (nuint)ow);
        (Vector256.Create(top + 2 * ow) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14) + offset).StoreUnsafe(ref argmaxRow, (nuint)ow);
    }

    // Outputs ow..ow+3 of one row, as MaxEight. Reads columns 2*ow..2*ow+7 of both rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxFour(ref float topRow, ref float bottomRow, int top, int width, int ow, ref float outputRow, ref int argmaxRow)
    {
        Vector256<float> topPairs = Vector256.Shuffle(Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow)), EvenThenOdd);
        Vector256<float> bottomPairs = Vector256.Shuffle(Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow)), EvenThenOdd);
        Vector128<float> topRight = topPairs.GetUpper(), bottomLeft = bottomPairs.GetLower(), bottomRight = bottomPairs.GetUpper();
        Vector128<float> max = topPairs.GetLower();
        Vector128<int> offset = Vector128<int>.Zero;
        Vector128<int> take = Replaces(topRight, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), topRight, max);
        offset = Vector128.ConditionalSelect(take, Vector128.Create(1), offset);
        take = Replaces(bottomLeft, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), bottomLeft, max);
        offset = Vector128.ConditionalSelect(take, Vector128.Create(width), offset);
        take = Replaces(bottomRight, max).AsInt32();
        max = Vector128.ConditionalSelect(take.AsSingle(), bottomRight, max);
        offset = Vector128.ConditionalSelect(take, Vector128.Create(width + 1), offset);
        max.StoreUnsafe(ref outputRow, (nuint)ow);
        (Vector128.Create(top + 2 * ow) + Vector128.Create(0, 2, 4, 6) + offset).StoreUnsafe(ref argmaxRow, (nuint)ow);
    }

    private static void MaxOne(ref float topRow, ref float bottomRow, int top, int width, int ow, ref float outputRow, ref int argmaxRow)
    {
        int left = top + 2 * ow;
        float max = Unsafe.Add(ref topRow, 2 * ow);
        int maxIndex = left;
        float value = Unsafe.Add(ref topRow, 2 * ow + 1);
        if (value > max || float.IsNaN(value)) { max = value; maxIndex = left + 1; }
        value = Unsafe.Add(ref bottomRow, 2 * ow);
        if (value > max || float.IsNaN(value)) { max = value; maxIndex = left + width; }
        value = Unsafe.Add(ref bottomRow, 2 * ow + 1);
        if (value > max || float.IsNaN(value)) { max = value; maxIndex = left + width + 1; }
        Unsafe.Add(ref outputRow, ow) = max;
        Unsafe.Add(ref argmaxRow, ow) = maxIndex;
    }

    private static void AvgForwardTwoByTwo(ReadOnlySpan<float> input, Span<float> output, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        bool vectorized = Vector256.IsHardwareAccelerated && outWidth >= 4;
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float topRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), plane * height * width + 2 * oh * width);
                ref float bottomRow = ref Unsafe.Add(ref topRow, width);
                ref float outputRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), (plane * outHeight + oh) * outWidth);
                if (!vectorized)
                {
                    for (int ow = 0; ow < outWidth; ow++)
                    {
                        float sum = (Unsafe.Add(ref topRow, 2 * ow) + Unsafe.Add(ref bottomRow, 2 * ow))
                                  + (Unsafe.Add(ref topRow, 2 * ow + 1) + Unsafe.Add(ref bottomRow, 2 * ow + 1));
                        Unsafe.Add(ref outputRow, ow) = sum * 0.25f;
                    }
                }
                else if (outWidth >= 8)
                {
                    int ow = 0;
                    for (; ow <= outWidth - 8; ow += 8) AvgEight(ref topRow, ref bottomRow, ow, ref outputRow);
                    if (ow < outWidth) AvgEight(ref topRow, ref bottomRow, outWidth - 8, ref outputRow);
                }
                else
                {
                    AvgFour(ref topRow, ref bottomRow, 0, ref outputRow);
                    AvgFour(ref topRow, ref bottomRow, outWidth - 4, ref outputRow);
                }
            }
        }
    }

    // Outputs ow..ow+7: add the two rows first, then the even and odd columns of the sums.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AvgEight(ref float topRow, ref float bottomRow, int ow, ref float outputRow)
    {
        Vector256<float> first = Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow)) + Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow));
        Vector256<float> second = Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow + 8)) + Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow + 8));
        Deinterleave(first, second, out Vector256<float> left, out Vector256<float> right);
        ((left + right) * Vector256.Create(0.25f)).StoreUnsafe(ref outputRow, (nuint)ow);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AvgFour(ref float topRow, ref float bottomRow, int ow, ref float outputRow)
    {
        Vector256<float> sums = Vector256.LoadUnsafe(ref topRow, (nuint)(2 * ow)) + Vector256.LoadUnsafe(ref bottomRow, (nuint)(2 * ow));
        Vector256<float> pairs = Vector256.Shuffle(sums, EvenThenOdd);
        ((pairs.GetLower() + pairs.GetUpper()) * Vector128.Create(0.25f)).StoreUnsafe(ref outputRow, (nuint)ow);
    }

    private static void AvgBackwardTwoByTwo(ReadOnlySpan<float> doutput, Span<float> dinput, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        bool vectorized = Vector256.IsHardwareAccelerated && outWidth >= 4;
        for (int plane = 0; plane < shape.Planes; plane++)
        {
            Span<float> dx = dinput.Slice(plane * height * width, height * width);
            for (int oh = 0; oh < outHeight; oh++)
            {
                ref float topRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), 2 * oh * width);
                ref float bottomRow = ref Unsafe.Add(ref topRow, width);
                ref float doutputRow = ref Unsafe.Add(ref MemoryMarshal.GetReference(doutput), (plane * outHeight + oh) * outWidth);
                if (!vectorized)
                {
                    for (int ow = 0; ow < outWidth; ow++)
                    {
                        float share = Unsafe.Add(ref doutputRow, ow) * 0.25f;
                        Unsafe.Add(ref topRow, 2 * ow) = share;
                        Unsafe.Add(ref topRow, 2 * ow + 1) = share;
                        Unsafe.Add(ref bottomRow, 2 * ow) = share;
                        Unsafe.Add(ref bottomRow, 2 * ow + 1) = share;
                    }
                }
                else if (outWidth >= 8)
                {
                    int ow = 0;
                    for (; ow <= outWidth - 8; ow += 8) AvgBackwardEight(ref doutputRow, ow, ref topRow, ref bottomRow);
                    if (ow < outWidth) AvgBackwardEight(ref doutputRow, outWidth - 8, ref topRow, ref bottomRow);
                }
                else
                {
                    AvgBackwardFour(ref doutputRow, 0, ref topRow, ref bottomRow);
                    AvgBackwardFour(ref doutputRow, outWidth - 4, ref topRow, ref bottomRow);
                }
                // An odd width leaves the last column outside every window.
                if (width > 2 * outWidth)
                {
                    dx.Slice(2 * oh * width + 2 * outWidth, width - 2 * outWidth).Clear();
                    dx.Slice((2 * oh + 1) * width + 2 * outWidth, width - 2 * outWidth).Clear();
                }
            }
            // An odd height leaves the last row outside every window.
            dx.Slice(2 * outHeight * width).Clear();
        }
    }

    // doutput[ow..ow+7] / 4, each written to the 2x2 block of its window: columns 2*ow..2*ow+15 of both rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AvgBackwardEight(ref float doutputRow, int ow, ref float topRow, ref float bottomRow)
    {
        Vector256<float> share = Vector256.LoadUnsafe(ref doutputRow, (nuint)ow) * Vector256.Create(0.25f);
        Vector256<float> left = Vector256.Shuffle(share, Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
        Vector256<float> right = Vector256.Shuffle(share, Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7));
        left.StoreUnsafe(ref topRow, (nuint)(2 * ow));
        right.StoreUnsafe(ref topRow, (nuint)(2 * ow + 8));
        left.StoreUnsafe(ref bottomRow, (nuint)(2 * ow));
        right.StoreUnsafe(ref bottomRow, (nuint)(2 * ow + 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AvgBackwardFour(ref float doutputRow, int ow, ref float topRow, ref float bottomRow)
    {
        Vector128<float> share = Vector128.LoadUnsafe(ref doutputRow, (nuint)ow) * Vector128.Create(0.25f);
        Vector256<float> pairs = Vector256.Shuffle(share.ToVector256Unsafe(), Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
        pairs.StoreUnsafe(ref topRow, (nuint)(2 * ow));
        pairs.StoreUnsafe(ref bottomRow, (nuint)(2 * ow));
    }

    private static Vector256<int> EvenThenOdd => Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);

    // Sixteen consecutive floats (first, second) -> columns 0,2,...,14 and columns 1,3,...,15.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(Vector256<float> first, Vector256<float> second, out Vector256<float> even, out Vector256<float> odd)
    {
        first = Vector256.Shuffle(first, EvenThenOdd);
        second = Vector256.Shuffle(second, EvenThenOdd);
        even = Vector256.Create(first.GetLower(), second.GetLower());
        odd = Vector256.Create(first.GetUpper(), second.GetUpper());
    }

    // Lanes where a candidate replaces the running maximum: greater, or NaN (PyTorch's max pooling rule).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Replaces(Vector256<float> candidate, Vector256<float> max) =>
        Vector256.GreaterThan(candidate, max) | ~Vector256.Equals(candidate, candidate);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Replaces(Vector128<float> candidate, Vector128<float> max) =>
        Vector128.GreaterThan(candidate, max) | ~Vector128.Equals(candidate, candidate);

    private static int CheckGlobal(int inputLength, string inputName, int outputLength, string outputName, int batch, int channels, int spatial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spatial, 1);
        long planes = (long)batch * channels;
        if (inputLength != planes * spatial)
            throw new ArgumentException($"{inputName} holds {inputLength} floats; [B,C,S] = [{batch},{channels},{spatial}] needs {planes * spatial}.", inputName);
        if (outputLength != planes)
            throw new ArgumentException($"{outputName} holds {outputLength} floats; [B,C] = [{batch},{channels}] needs {planes}.", outputName);
        return (int)planes;
    }

    /// <summary>Validated sizes of one pooling call; a struct so that validating allocates nothing.</summary>
    private readonly struct Shape
    {
        public readonly int Planes, Height, Width, OutHeight, OutWidth;
        public readonly bool IsTwoByTwoStrideTwo;
        private readonly int batch, channels;
        private readonly long inputLength, outputLength;

        public Shape(int batch, int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
            OutHeight = OutputSize(height, kernelH, strideH, padH);
            OutWidth = OutputSize(width, kernelW, strideW, padW);
            (this.batch, this.channels, Height, Width) = (batch, channels, height, width);
            long planes = (long)batch * channels;
            inputLength = planes * height * width;
            outputLength = planes * OutHeight * OutWidth;
            if (inputLength > int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(batch), $"[B,C,H,W] = [{batch},{channels},{height},{width}] holds {inputLength} floats, more than a span can.");
            Planes = (int)planes;
            IsTwoByTwoStrideTwo = kernelH == 2 && kernelW == 2 && strideH == 2 && strideW == 2 && padH == 0 && padW == 0;
        }

        public void CheckInput(int length, string name)
        {
            if (length != inputLength)
                throw new ArgumentException($"{name} holds {length} elements; [B,C,H,W] = [{batch},{channels},{Height},{Width}] needs {inputLength}.", name);
        }

        public void CheckOutput(int length, string name)
        {
            if (length != outputLength)
                throw new ArgumentException($"{name} holds {length} elements; [B,C,OH,OW] = [{batch},{channels},{OutHeight},{OutWidth}] needs {outputLength}.", name);
        }
    }
}
