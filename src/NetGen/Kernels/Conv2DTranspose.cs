using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// 2-D transposed convolution over NCHW float tensors, as PyTorch's <c>ConvTranspose2d</c> (one group, no dilation):
/// weight[IC, OC, KH, KW] (PyTorch's layout: input channels first), stride, symmetric padding and output padding per
/// spatial dimension. It is the input gradient of the <see cref="Conv2D"/> with the same weight, so it upsamples: a
/// decoder's learned counterpart of <see cref="UpSampling2D"/>.
/// </summary>
/// <remarks>
/// Each sample is one matrix product and a scatter: <c>cols[OC·KH·KW, H·W] = weight[IC, OC·KH·KW]^T · input[IC, H·W]</c>
/// (<see cref="Gemm.TN"/>), then col2im adds each column into the output window it lands on. Backward gathers the
/// output gradient into the same columns (im2col) and makes two products: <c>dinput = weight · dcols</c> and
/// <c>dweight += input · dcols^T</c>. The products are <see cref="Gemm"/>'s, whose results do not depend on the
/// thread count. <see cref="ForwardReference"/> and <see cref="BackwardReference"/> are direct loops in double that
/// the fast kernels are tested against.
/// </remarks>
public static class Conv2DTranspose
{
    /// <summary>
    /// Output length of one spatial dimension (PyTorch's formula, dilation 1):
    /// <c>(input - 1)·stride - 2·padding + kernel + outputPadding</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is not positive, the padding is negative, the output padding is not in [0, stride) (PyTorch's rule), or
    /// the output would be empty or not fit an int.
    /// </exception>
    public static int OutputSize(int input, int kernel, int stride, int padding, int outputPadding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding, $"Output padding must be in [0, stride) = [0, {stride}).");
        long output = (long)(input - 1) * stride - 2L * padding + kernel + outputPadding;
        if (output < 1)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Padding {padding} leaves no output (input {input}, kernel {kernel}, stride {stride}, output padding {outputPadding}).");
        if (output > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(stride), $"The output length {output} does not fit an int.");
        return (int)output;
    }

    /// <summary>
    /// Floats of scratch that <see cref="Forward"/> and <see cref="Backward"/> need: one sample's columns,
    /// <c>OC·KH·KW·H·W</c>. It depends on the shapes only; allocate it once and pass it to every call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the scratch would not fit an int.</exception>
    public static int ScratchSize(int height, int width, int outChannels, int kernelH, int kernelW)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelH, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelW, 1);
        long spatial = ShapeProduct.Of(height, width);
        long size = spatial == long.MaxValue ? long.MaxValue : ShapeProduct.Of(outChannels, kernelH, kernelW, (int)spatial);
        if (size == long.MaxValue) throw new ArgumentOutOfRangeException(nameof(outChannels), "The scratch does not fit an int.");
        return (int)size;
    }

    // output[b,oc,ih·sH-pH+kh, iw·sW-pW+kw] += input[b,ic,ih,iw] · weight[ic,oc,kh,kw];  output starts at bias[oc]
    // per sample: cols[OC·KH·KW, H·W] = weight[IC, OC·KH·KW]^T · input[IC, H·W];  output = bias + col2im(cols)
    /// <summary>
    /// <c>output[B,OC,OH,OW] = convtranspose(input[B,IC,H,W], weight[IC,OC,KH,KW]) + bias[OC]</c>, OVERWRITTEN, with
    /// OH = <see cref="OutputSize"/>(H, KH, sH, pH, opH) and OW likewise. <paramref name="bias"/> may be empty (no
    /// bias). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats; its contents mean nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or the bias is neither empty nor one per output channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range (see <see cref="OutputSize"/>).</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int outputPadH, int outputPadW)
    {
        var s = new Shape(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outputPadH, outputPadW);
        s.CheckInput(input.Length, nameof(input));
        s.CheckWeight(weight.Length, nameof(weight));
        s.CheckBias(bias.Length, nameof(bias));
        s.CheckOutput(output.Length, nameof(output));
        s.CheckScratch(scratch.Length);
        int inputSample = inChannels * height * width, outputPlane = s.OutHeight * s.OutWidth, outputSample = outChannels * outputPlane;
        int columns = s.ColumnRows, spatial = height * width;
        Span<float> cols = scratch[..(columns * spatial)];
        for (int b = 0; b < batch; b++)
        {
            Gemm.TN(weight[..s.WeightLength], input.Slice(b * inputSample, inputSample), cols, columns, spatial, inChannels, accumulate: false);
            Span<float> y = output.Slice(b * outputSample, outputSample);
            if (bias.IsEmpty) y.Clear();
            else for (int oc = 0; oc < outChannels; oc++) y.Slice(oc * outputPlane, outputPlane).Fill(bias[oc]);
            ColumnsToImage(cols, y, in s);
        }
    }

    // dinput[b,ic,ih,iw]  = Σ_{oc,kh,kw} doutput[b,oc,ih·sH-pH+kh, iw·sW-pW+kw] · weight[ic,oc,kh,kw]     (overwritten)
    // dweight[ic,oc,kh,kw] += Σ_{b,ih,iw} input[b,ic,ih,iw] · doutput[b,oc,ih·sH-pH+kh, iw·sW-pW+kw]
    // dbias[oc]           += Σ_{b,oh,ow} doutput[b,oc,oh,ow]
    // per sample: dcols[OC·KH·KW, H·W] = im2col(doutput);  dinput = weight[IC, OC·KH·KW] · dcols;  dweight += input[IC, H·W] · dcols^T
    /// <summary>
    /// Gradients of <see cref="Forward"/>: <paramref name="dinput"/>[B,IC,H,W] is OVERWRITTEN;
    /// <paramref name="dweight"/>[IC,OC,KH,KW] and <paramref name="dbias"/>[OC] are ACCUMULATED (+=). Each of the three
    /// may be empty, which skips that gradient. <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or dbias is neither empty nor one per output channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range (see <see cref="OutputSize"/>).</exception>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int outputPadH, int outputPadW)
    {
        var s = new Shape(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outputPadH, outputPadW);
        s.CheckOutput(doutput.Length, nameof(doutput));
        s.CheckInput(input.Length, nameof(input));
        s.CheckWeight(weight.Length, nameof(weight));
        if (!dinput.IsEmpty) s.CheckInput(dinput.Length, nameof(dinput));
        if (!dweight.IsEmpty) s.CheckWeight(dweight.Length, nameof(dweight));
        s.CheckBias(dbias.Length, nameof(dbias));
        s.CheckScratch(scratch.Length);
        int inputSample = inChannels * height * width, outputPlane = s.OutHeight * s.OutWidth, outputSample = outChannels * outputPlane;
        int columns = s.ColumnRows, spatial = height * width;
        Span<float> cols = scratch[..(columns * spatial)];
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> dy = doutput.Slice(b * outputSample, outputSample);
            if (!dbias.IsEmpty)
                for (int oc = 0; oc < outChannels; oc++) dbias[oc] += TensorPrimitives.Sum(dy.Slice(oc * outputPlane, outputPlane));
            if (dinput.IsEmpty && dweight.IsEmpty) continue;
            ImageToColumns(dy, cols, in s);
            if (!dinput.IsEmpty)
                Gemm.NN(weight[..s.WeightLength], cols, dinput.Slice(b * inputSample, inputSample), inChannels, spatial, columns, accumulate: false);
            if (!dweight.IsEmpty)
                Gemm.NT(input.Slice(b * inputSample, inputSample), cols, dweight[..s.WeightLength], inChannels, columns, spatial, accumulate: true);
        }
    }

    // y[oc, ih·sH-pH+kh, iw·sW-pW+kw] += cols[(oc·KH+kh)·KW+kw, ih·W+iw] for the taps that land inside the output.
    private static void ColumnsToImage(ReadOnlySpan<float> cols, Span<float> y, in Shape s)
    {
        int spatial = s.Height * s.Width, outHeight = s.OutHeight, outWidth = s.OutWidth;
        for (int oc = 0; oc < s.OutChannels; oc++)
        for (int kh = 0; kh < s.KernelH; kh++)
        for (int kw = 0; kw < s.KernelW; kw++)
        {
            ReadOnlySpan<float> row = cols.Slice(((oc * s.KernelH + kh) * s.KernelW + kw) * spatial, spatial);
            var (first, last) = InsideRange(kw, s.PadW, s.StrideW, s.Width, outWidth);
            for (int ih = 0; ih < s.Height; ih++)
            {
                int oh = ih * s.StrideH - s.PadH + kh;
                if ((uint)oh >= (uint)outHeight) continue;
                Span<float> target = y.Slice((oc * outHeight + oh) * outWidth, outWidth);
                ReadOnlySpan<float> source = row.Slice(ih * s.Width, s.Width);
                for (int iw = first; iw <= last; iw++) target[iw * s.StrideW - s.PadW + kw] += source[iw];
            }
        }
    }

    // cols[(oc·KH+kh)·KW+kw, ih·W+iw] = dy[oc, ih·sH-pH+kh, iw·sW-pW+kw], 0 where that lies outside the output.
    private static void ImageToColumns(ReadOnlySpan<float> dy, Span<float> cols, in Shape s)
    {
        int spatial = s.Height * s.Width, outHeight = s.OutHeight, outWidth = s.OutWidth;
        for (int oc = 0; oc < s.OutChannels; oc++)
        for (int kh = 0; kh < s.KernelH; kh++)
        for (int kw = 0; kw < s.KernelW; kw++)
        {
            Span<float> row = cols.Slice(((oc * s.KernelH + kh) * s.KernelW + kw) * spatial, spatial);
            var (first, last) = InsideRange(kw, s.PadW, s.StrideW, s.Width, outWidth);
            for (int ih = 0; ih < s.Height; ih++)
            {
                Span<float> target = row.Slice(ih * s.Width, s.Width);
                int oh = ih * s.StrideH - s.PadH + kh;
                if ((uint)oh >= (uint)outHeight || first > last)
                {
                    target.Clear();
                    continue;
                }
                ReadOnlySpan<float> source = dy.Slice((oc * outHeight + oh) * outWidth, outWidth);
                target[..first].Clear();
                for (int iw = first; iw <= last; iw++) target[iw] = source[iw * s.StrideW - s.PadW + kw];
                target[(last + 1)..].Clear();
            }
        }
    }

    // The input columns iw whose tap k lands inside the output: 0 <= iw·stride - pad + k < outSize (empty when first > last).
    private static (int First, int Last) InsideRange(int k, int pad, int stride, int inSize, int outSize)
    {
        int first = pad - k <= 0 ? 0 : (pad - k + stride - 1) / stride;
        int last = Math.Min(inSize - 1, (outSize - 1 + pad - k) < 0 ? -1 : (outSize - 1 + pad - k) / stride);
        return (first, last);
    }

    // output[b,oc,oh,ow] = bias[oc] + Σ_{ic,kh,kw: oh = ih·sH-pH+kh, ow = iw·sW-pW+kw} input[b,ic,ih,iw] · weight[ic,oc,kh,kw]
    /// <summary>
    /// Direct loops accumulated in double: the reference that <see cref="Forward"/> is tested against. Same layout and
    /// meaning as <see cref="Forward"/>, without scratch.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or the bias is neither empty nor one per output channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range (see <see cref="OutputSize"/>).</exception>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int outputPadH, int outputPadW)
    {
        var s = new Shape(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outputPadH, outputPadW);
        s.CheckInput(input.Length, nameof(input));
        s.CheckWeight(weight.Length, nameof(weight));
        s.CheckBias(bias.Length, nameof(bias));
        s.CheckOutput(output.Length, nameof(output));
        int outHeight = s.OutHeight, outWidth = s.OutWidth;
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
                // Which input element (if any) lands on (oh, ow) through tap (kh, kw)?
                int ihStrided = oh + padH - kh, iwStrided = ow + padW - kw;
                if (ihStrided < 0 || iwStrided < 0 || ihStrided % strideH != 0 || iwStrided % strideW != 0) continue;
                int ih = ihStrided / strideH, iw = iwStrided / strideW;
                if (ih >= height || iw >= width) continue;
                sum += (double)input[((b * inChannels + ic) * height + ih) * width + iw] * weight[((ic * outChannels + oc) * kernelH + kh) * kernelW + kw];
            }
            output[((b * outChannels + oc) * outHeight + oh) * outWidth + ow] = (float)sum;
        }
    }

    // dinput[b,ic,ih,iw] = Σ_{oc,kh,kw} doutput[b,oc,ih·sH-pH+kh, iw·sW-pW+kw] · weight[ic,oc,kh,kw]      (overwritten)
    // dweight[ic,oc,kh,kw] += Σ_{b,ih,iw} input[b,ic,ih,iw] · doutput[b,oc,ih·sH-pH+kh, iw·sW-pW+kw];  dbias[oc] += Σ doutput[b,oc]
    /// <summary>
    /// Direct loops accumulated in double: the reference that <see cref="Backward"/> is tested against. Same layout and
    /// meaning as <see cref="Backward"/> (dinput overwritten, dweight and dbias accumulated, an empty span skipped).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or dbias is neither empty nor one per output channel.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range (see <see cref="OutputSize"/>).</exception>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int outputPadH, int outputPadW)
    {
        var s = new Shape(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, outputPadH, outputPadW);
        s.CheckOutput(doutput.Length, nameof(doutput));
        s.CheckInput(input.Length, nameof(input));
        s.CheckWeight(weight.Length, nameof(weight));
        if (!dinput.IsEmpty) s.CheckInput(dinput.Length, nameof(dinput));
        if (!dweight.IsEmpty) s.CheckWeight(dweight.Length, nameof(dweight));
        s.CheckBias(dbias.Length, nameof(dbias));
        int outHeight = s.OutHeight, outWidth = s.OutWidth;
        // The output element that input (ih, iw) reaches through tap (kh, kw), or -1 outside the output.
        int OutputIndex(int b, int oc, int ih, int iw, int kh, int kw)
        {
            int oh = ih * strideH - padH + kh, ow = iw * strideW - padW + kw;
            return oh < 0 || oh >= outHeight || ow < 0 || ow >= outWidth ? -1 : ((b * outChannels + oc) * outHeight + oh) * outWidth + ow;
        }

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
                    int o = OutputIndex(b, oc, ih, iw, kh, kw);
                    if (o >= 0) sum += (double)doutput[o] * weight[((ic * outChannels + oc) * kernelH + kh) * kernelW + kw];
                }
                dinput[((b * inChannels + ic) * height + ih) * width + iw] = (float)sum;
            }
        }
        if (!dweight.IsEmpty)
        {
            for (int ic = 0; ic < inChannels; ic++)
            for (int oc = 0; oc < outChannels; oc++)
            for (int kh = 0; kh < kernelH; kh++)
            for (int kw = 0; kw < kernelW; kw++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                for (int ih = 0; ih < height; ih++)
                for (int iw = 0; iw < width; iw++)
                {
                    int o = OutputIndex(b, oc, ih, iw, kh, kw);
                    if (o >= 0) sum += (double)input[((b * inChannels + ic) * height + ih) * width + iw] * doutput[o];
                }
                dweight[((ic * outChannels + oc) * kernelH + kh) * kernelW + kw] += (float)sum;
            }
        }
        if (!dbias.IsEmpty)
        {
            int plane = outHeight * outWidth;
            for (int oc = 0; oc < outChannels; oc++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                    foreach (float g in doutput.Slice((b * outChannels + oc) * plane, plane)) sum += g;
                dbias[oc] += (float)sum;
            }
        }
    }

    // One call's sizes, checked once; every count is a saturated long product, so no shape overflows.
    private readonly struct Shape
    {
        public readonly int Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutHeight, OutWidth;
        public readonly int WeightLength, ColumnRows;
        private readonly long _inputLength, _outputLength, _scratchLength;

        public Shape(int batch, int inChannels, int height, int width, int outChannels,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int outputPadH, int outputPadW)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(batch);
            ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
            OutHeight = OutputSize(height, kernelH, strideH, padH, outputPadH);
            OutWidth = OutputSize(width, kernelW, strideW, padW, outputPadW);
            (Batch, InChannels, Height, Width, OutChannels) = (batch, inChannels, height, width, outChannels);
            (KernelH, KernelW, StrideH, StrideW, PadH, PadW) = (kernelH, kernelW, strideH, strideW, padH, padW);
            long weightLength = ShapeProduct.Of(inChannels, outChannels, kernelH, kernelW);
            long columnRows = ShapeProduct.Of(outChannels, kernelH, kernelW);
            long spatial = ShapeProduct.Of(height, width);
            if (weightLength == long.MaxValue || columnRows == long.MaxValue || spatial == long.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(outChannels), "The weight or one sample's columns do not fit an int.");
            WeightLength = (int)weightLength;
            ColumnRows = (int)columnRows;
            _scratchLength = ShapeProduct.Of(ColumnRows, (int)spatial);
            _inputLength = ShapeProduct.Of(batch, inChannels, height, width);
            _outputLength = ShapeProduct.Of(batch, outChannels, OutHeight, OutWidth);
            if (_scratchLength == long.MaxValue) throw new ArgumentOutOfRangeException(nameof(outChannels), "One sample's columns do not fit an int.");
        }

        public void CheckInput(int length, string name) => Check(length, _inputLength, name, "[B,IC,H,W]");
        public void CheckOutput(int length, string name) => Check(length, _outputLength, name, "[B,OC,OH,OW]");
        public void CheckWeight(int length, string name) => Check(length, WeightLength, name, "[IC,OC,KH,KW]");
        public void CheckScratch(int length) => Check(length, _scratchLength, "scratch", "ScratchSize");

        public void CheckBias(int length, string name)
        {
            if (length != 0 && length != OutChannels) throw new ArgumentException($"{name} holds {length} floats; expected {OutChannels} (one per output channel) or none.", name);
        }

        private static void Check(int length, long needed, string name, string what)
        {
            if (length < needed) throw new ArgumentException($"{name} holds {length} floats; {what} needs {ShapeProduct.Describe(needed)}.", name);
        }
    }
}
