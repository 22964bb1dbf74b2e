using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// 2-D convolution over NCHW float tensors, as PyTorch's <c>Conv2d</c> computes it: cross-correlation,
/// symmetric zero padding, stride and dilation per spatial dimension, one group.
/// </summary>
/// <remarks>
/// The fast kernels lower each sample to a matrix product (im2col + <see cref="Gemm"/>):
/// <c>cols[IC*KH*KW, OH*OW]</c> holds the input patch under every output position, so
/// <c>out[OC, OH*OW] = weight[OC, IC*KH*KW] * cols</c>. A 1x1 kernel with stride 1 and no padding needs
/// no lowering: the input sample already is <c>cols</c>. <see cref="ForwardReference"/> and
/// <see cref="BackwardReference"/> are the direct loops in double precision that the fast kernels are
/// tested against.
/// </remarks>
public static class Conv2D
{
    /// <summary>
    /// Output length of one spatial dimension (PyTorch's formula):
    /// <c>(input + 2*padding - dilation*(kernel-1) - 1) / stride + 1</c>, rounded down.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the padding is negative, or the dilated kernel is longer than the padded input.</exception>
    public static int OutputSize(int input, int kernel, int stride, int padding, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        long paddedInput = input + 2L * padding;
        long kernelExtent = (long)dilation * (kernel - 1) + 1;
        if (kernelExtent > paddedInput)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"The dilated kernel spans {kernelExtent} positions (kernel {kernel}, dilation {dilation}) but the padded input has only {paddedInput} (input {input}, padding {padding}).");
        }
        return (int)((paddedInput - kernelExtent) / stride + 1);
    }

    /// <summary>
    /// Floats of scratch that one <see cref="Forward"/> or <see cref="Backward"/> call needs: the im2col
    /// matrix of one sample, <c>IC*KH*KW * OH*OW</c> (it does not grow with the batch), or 0 for a
    /// 1x1 kernel with stride 1 and no padding. Allocate it once and pass it to every call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static int ScratchSize(int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        return shape.ScratchLength;
    }

    // output[B,OC,OH,OW] = sum_{ic,kh,kw} weight[OC,IC,KH,KW] * input[B,IC,oh*sH-pH+kh*dH, ow*sW-pW+kw*dW] + bias[OC]
    // per sample: cols[IC*KH*KW, OH*OW] = im2col(input[b]);  output[b][OC, OH*OW] = weight[OC, IC*KH*KW] * cols + bias
    /// <summary>
    /// <c>output[B,OC,OH,OW] = conv(input[B,IC,H,W], weight[OC,IC,KH,KW]) + bias[OC]</c>. <paramref name="bias"/>
    /// may be empty (no bias). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats;
    /// its contents on entry and exit mean nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        shape.CheckBias(bias, nameof(bias), allowEmpty: true);
        shape.CheckOutput(output, nameof(output));
        shape.CheckScratch(scratch, nameof(scratch));

        int inputSample = shape.InputSampleLength, outputSample = shape.OutputSampleLength;
        int patch = shape.PatchLength, positions = shape.OutputPlane;
        Span<float> cols = scratch.Slice(0, shape.ScratchLength);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inputSample, inputSample);
            Span<float> y = output.Slice(b * outputSample, outputSample);
            ReadOnlySpan<float> lowered = x;
            if (!shape.IsPointwise)
            {
                Im2Col(x, cols, in shape);
                lowered = cols;
            }
            if (bias.IsEmpty)
            {
                Gemm.NN(weight, lowered, y, outChannels, positions, patch, accumulate: false);
            }
            else
            {
                for (int oc = 0; oc < outChannels; oc++) y.Slice(oc * positions, positions).Fill(bias[oc]);
                Gemm.NN(weight, lowered, y, outChannels, positions, patch, accumulate: true);
            }
        }
    }

    // doutput is (B,OC,OH,OW), input is (B,IC,H,W), weight is (OC,IC,KH,KW); per sample b:
    // dweight[OC, IC*KH*KW] += doutput[b][OC, OH*OW] * cols^T      (cols = im2col(input[b]))
    // dbias[OC]             += sum_{oh,ow} doutput[b][OC, oh, ow]
    // dcols[IC*KH*KW, OH*OW] = weight^T * doutput[b];  dinput[b] = col2im(dcols)   (overwritten)
    /// <summary>
    /// Gradients of <see cref="Forward"/>: <paramref name="dinput"/>[B,IC,H,W] is OVERWRITTEN;
    /// <paramref name="dweight"/>[OC,IC,KH,KW] and <paramref name="dbias"/>[OC] are ACCUMULATED (+=).
    /// Each of the three may be empty, which skips that gradient (no input gradient for a first layer,
    /// no bias). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        shape.CheckOutput(doutput, nameof(doutput));
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        if (!dinput.IsEmpty) shape.CheckInput(dinput, nameof(dinput));
        if (!dweight.IsEmpty) shape.CheckWeight(dweight, nameof(dweight));
        shape.CheckBias(dbias, nameof(dbias), allowEmpty: true);
        shape.CheckScratch(scratch, nameof(scratch));

        int inputSample = shape.InputSampleLength, outputSample = shape.OutputSampleLength;
        int patch = shape.PatchLength, positions = shape.OutputPlane;
        Span<float> cols = scratch.Slice(0, shape.ScratchLength);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> x = input.Slice(b * inputSample, inputSample);
            ReadOnlySpan<float> dy = doutput.Slice(b * outputSample, outputSample);

            if (!dbias.IsEmpty)
            {
                for (int oc = 0; oc < outChannels; oc++) dbias[oc] += TensorPrimitives.Sum(dy.Slice(oc * positions, positions));
            }

            if (shape.IsPointwise)
            {
                // cols is the input sample itself, [IC, H*W]; dcols is dinput[b].
                if (!dweight.IsEmpty) Gemm.NT(dy, x, dweight, outChannels, patch, positions, accumulate: true);
                if (!dinput.IsEmpty) Gemm.TN(weight, dy, dinput.Slice(b * inputSample, inputSample), patch, positions, outChannels, accumulate: false);
                continue;
            }

            if (!dweight.IsEmpty)
            {
                Im2Col(x, cols, in shape);
                Gemm.NT(dy, cols, dweight, outChannels, patch, positions, accumulate: true);
            }
            if (!dinput.IsEmpty)
            {
                // cols is free again: reuse it for dcols.
                Gemm.TN(weight, dy, cols, patch, positions, outChannels, accumulate: false);
                Col2Im(cols, dinput.Slice(b * inputSample, inputSample), in shape);
            }
        }
    }

    // output[B,OC,OH,OW] = sum_{ic,kh,kw} weight[OC,IC,KH,KW] * input[B,IC,oh*sH-pH+kh*dH, ow*sW-pW+kw*dW] + bias[OC]
    /// <summary>
    /// Direct seven-loop convolution accumulated in double precision: the reference that <see cref="Forward"/>
    /// is tested against. Same layout and meaning as <see cref="Forward"/>, without scratch.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        shape.CheckBias(bias, nameof(bias), allowEmpty: true);
        shape.CheckOutput(output, nameof(output));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;

        for (int b = 0; b < batch; b++)
        for (int oc = 0; oc < outChannels; oc++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double sum = bias.IsEmpty ? 0.0 : bias[oc];
            for (int ic = 0; ic < inChannels; ic++)
            for (int kh = 0; kh < kernelH; kh++)
            for (int kw = 0; kw < kernelW; kw++)
            {
                int ih = oh * strideH - padH + kh * dilationH;
                int iw = ow * strideW - padW + kw * dilationW;
                if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                sum += (double)weight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw]
                     * input[((b * inChannels + ic) * height + ih) * width + iw];
            }
            output[((b * outChannels + oc) * outHeight + oh) * outWidth + ow] = (float)sum;
        }
    }

    // dinput[b,ic,ih,iw]  = sum_{oc,kh,kw} doutput[b,oc,oh,ow] * weight[oc,ic,kh,kw]  where ih = oh*sH-pH+kh*dH, iw = ...  (overwritten)
    // dweight[oc,ic,kh,kw] += sum_{b,oh,ow} doutput[b,oc,oh,ow] * input[b,ic,ih,iw]
    // dbias[oc]           += sum_{b,oh,ow} doutput[b,oc,oh,ow]
    /// <summary>
    /// Direct loops accumulated in double precision: the reference that <see cref="Backward"/> is tested
    /// against. Same layout and meaning as <see cref="Backward"/> (dinput overwritten, dweight and dbias
    /// accumulated, an empty gradient span skipped), without scratch.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);
        shape.CheckOutput(doutput, nameof(doutput));
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        if (!dinput.IsEmpty) shape.CheckInput(dinput, nameof(dinput));
        if (!dweight.IsEmpty) shape.CheckWeight(dweight, nameof(dweight));
        shape.CheckBias(dbias, nameof(dbias), allowEmpty: true);
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;

        if (!dinput.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            for (int ic = 0; ic < inChannels; ic++)
            for (int ih = 0; ih < height; ih++)
            for (int iw = 0; iw < width; iw++)
            {
                double sum = 0.0;
                for (int oc = 0; oc < outChannels; oc++)
                for (int kh = 0; kh < kernelH; kh++)
                for (int kw = 0; kw < kernelW; kw++)
                {
                    // Which output position (if any) reads input[ih, iw] through kernel tap (kh, kw)?
                    int ohStrided = ih + padH - kh * dilationH, owStrided = iw + padW - kw * dilationW;
                    if (ohStrided < 0 || owStrided < 0 || ohStrided % strideH != 0 || owStrided % strideW != 0) continue;
                    int oh = ohStrided / strideH, ow = owStrided / strideW;
                    if (oh >= outHeight || ow >= outWidth) continue;
                    sum += (double)doutput[((b * outChannels + oc) * outHeight + oh) * outWidth + ow]
                         * weight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw];
                }
                dinput[((b * inChannels + ic) * height + ih) * width + iw] = (float)sum;
            }
        }

        if (!dweight.IsEmpty)
        {
            for (int oc = 0; oc < outChannels; oc++)
            for (int ic = 0; ic < inChannels; ic++)
            for (int kh = 0; kh < kernelH; kh++)
            for (int kw = 0; kw < kernelW; kw++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                for (int oh = 0; oh < outHeight; oh++)
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int ih = oh * strideH - padH + kh * dilationH;
                    int iw = ow * strideW - padW + kw * dilationW;
                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                    sum += (double)doutput[((b * outChannels + oc) * outHeight + oh) * outWidth + ow]
                         * input[((b * inChannels + ic) * height + ih) * width + iw];
                }
                dweight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw] += (float)sum;
            }
        }

        if (!dbias.IsEmpty)
        {
            for (int oc = 0; oc < outChannels; oc++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                for (int position = 0; position < outHeight * outWidth; position++)
                    sum += doutput[(b * outChannels + oc) * outHeight * outWidth + position];
                dbias[oc] += (float)sum;
            }
        }
    }

    // cols[(ic*KH + kh)*KW + kw, oh*OW + ow] = input[ic, oh*sH-pH+kh*dH, ow*sW-pW+kw*dW], or 0 in the padding.
    private static void Im2Col(ReadOnlySpan<float> input, Span<float> cols, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        int positions = shape.OutputPlane, strideH = shape.StrideH, strideW = shape.StrideW;
        int row = 0;
        for (int ic = 0; ic < shape.InChannels; ic++)
        {
            ReadOnlySpan<float> plane = input.Slice(ic * height * width, height * width);
            for (int kh = 0; kh < shape.KernelH; kh++)
            {
                int rowOffset = kh * shape.DilationH - shape.PadH;
                ValidOutputRange(rowOffset, strideH, height, outHeight, out int ohStart, out int ohEnd);
                for (int kw = 0; kw < shape.KernelW; kw++, row++)
                {
                    int columnOffset = kw * shape.DilationW - shape.PadW;
                    ValidOutputRange(columnOffset, strideW, width, outWidth, out int owStart, out int owEnd);
                    Span<float> colsRow = cols.Slice(row * positions, positions);
                    colsRow.Slice(0, ohStart * outWidth).Clear();
                    colsRow.Slice(ohEnd * outWidth).Clear();
                    for (int oh = ohStart; oh < ohEnd; oh++)
                    {
                        Span<float> destination = colsRow.Slice(oh * outWidth, outWidth);
                        ReadOnlySpan<float> source = plane.Slice((oh * strideH + rowOffset) * width, width);
                        destination.Slice(0, owStart).Clear();
                        destination.Slice(owEnd).Clear();
                        if (strideW == 1)
                        {
                            source.Slice(owStart + columnOffset, owEnd - owStart).CopyTo(destination.Slice(owStart));
                        }
                        else
                        {
                            for (int ow = owStart; ow < owEnd; ow++) destination[ow] = source[ow * strideW + columnOffset];
                        }
                    }
                }
            }
        }
    }

    // dinput[ic, ih, iw] = sum of dcols[(ic*KH + kh)*KW + kw, oh*OW + ow] over the (kh, kw, oh, ow) that read it  (overwritten)
    private static void Col2Im(ReadOnlySpan<float> dcols, Span<float> dinput, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        int positions = shape.OutputPlane, strideH = shape.StrideH, strideW = shape.StrideW;
        dinput.Slice(0, shape.InputSampleLength).Clear();
        int row = 0;
        for (int ic = 0; ic < shape.InChannels; ic++)
        {
            Span<float> plane = dinput.Slice(ic * height * width, height * width);
            for (int kh = 0; kh < shape.KernelH; kh++)
            {
                int rowOffset = kh * shape.DilationH - shape.PadH;
                ValidOutputRange(rowOffset, strideH, height, outHeight, out int ohStart, out int ohEnd);
                for (int kw = 0; kw < shape.KernelW; kw++, row++)
                {
                    int columnOffset = kw * shape.DilationW - shape.PadW;
                    ValidOutputRange(columnOffset, strideW, width, outWidth, out int owStart, out int owEnd);
                    ReadOnlySpan<float> colsRow = dcols.Slice(row * positions, positions);
                    for (int oh = ohStart; oh < ohEnd; oh++)
                    {
                        ReadOnlySpan<float> source = colsRow.Slice(oh * outWidth, outWidth);
                        Span<float> destination = plane.Slice((oh * strideH + rowOffset) * width, width);
                        if (strideW == 1)
                        {
                            Span<float> target = destination.Slice(owStart + columnOffset, owEnd - owStart);
                            TensorPrimitives.Add(target, source.Slice(owStart, owEnd - owStart), target);
                        }
                        else
                        {
                            for (int ow = owStart; ow < owEnd; ow++) destination[ow * strideW + columnOffset] += source[ow];
                        }
                    }
                }
            }
        }
    }

    // The output positions o in [start, end) with 0 <= o*stride + offset < inputLength, clipped to [0, outputLength).
    private static void ValidOutputRange(int offset, int stride, int inputLength, int outputLength, out int start, out int end)
    {
        start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = inputLength - 1 - offset;
        end = last < 0 ? 0 : Math.Min(last / stride + 1, outputLength);
        start = Math.Min(start, end);
    }

    /// <summary>Validated sizes of one convolution call; a struct so that validating allocates nothing.</summary>
    private readonly struct Shape
    {
        public readonly int Batch, InChannels, Height, Width, OutChannels;
        public readonly int KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW;
        public readonly int OutHeight, OutWidth;
        public readonly int InputSampleLength, OutputSampleLength, OutputPlane, PatchLength, WeightLength, ScratchLength;
        public readonly bool IsPointwise;
        private readonly long inputLength, outputLength;

        public Shape(int batch, int inChannels, int height, int width, int outChannels,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
            OutHeight = Conv2D.OutputSize(height, kernelH, strideH, padH, dilationH);
            OutWidth = Conv2D.OutputSize(width, kernelW, strideW, padW, dilationW);
            (Batch, InChannels, Height, Width, OutChannels) = (batch, inChannels, height, width, outChannels);
            (KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW) =
                (kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);

            InputSampleLength = ToLength((long)inChannels * height * width, "one input sample");
            OutputPlane = ToLength((long)OutHeight * OutWidth, "one output plane");
            OutputSampleLength = ToLength((long)outChannels * OutputPlane, "one output sample");
            PatchLength = ToLength((long)inChannels * kernelH * kernelW, "one input patch");
            WeightLength = ToLength((long)outChannels * PatchLength, "the weight");
            inputLength = (long)batch * InputSampleLength;
            outputLength = (long)batch * OutputSampleLength;
            IsPointwise = kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
            ScratchLength = IsPointwise ? 0 : ToLength((long)PatchLength * OutputPlane, "the im2col scratch");
        }

        public void CheckInput(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != inputLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [B,IC,H,W] = [{Batch},{InChannels},{Height},{Width}] needs {inputLength}.", name);
        }

        public void CheckOutput(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != outputLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [B,OC,OH,OW] = [{Batch},{OutChannels},{OutHeight},{OutWidth}] needs {outputLength}.", name);
        }

        public void CheckWeight(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != WeightLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [OC,IC,KH,KW] = [{OutChannels},{InChannels},{KernelH},{KernelW}] needs {WeightLength}.", name);
        }

        public void CheckBias(ReadOnlySpan<float> span, string name, bool allowEmpty)
        {
            if (span.Length != OutChannels && !(allowEmpty && span.IsEmpty))
                throw new ArgumentException($"{name} holds {span.Length} floats; it needs one per output channel ({OutChannels}){(allowEmpty ? " or none" : "")}.", name);
        }

        public void CheckScratch(ReadOnlySpan<float> span, string name)
        {
            if (span.Length < ScratchLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; this convolution needs at least {ScratchLength} (Conv2D.ScratchSize).", name);
        }

        private static int ToLength(long length, string what) => length <= int.MaxValue ? (int)length
            : throw new ArgumentOutOfRangeException(what, $"{what} would hold {length} floats, more than a span can.");
    }
}
