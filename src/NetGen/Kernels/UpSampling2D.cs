namespace NetGen.Kernels;

/// <summary>
/// 2-D upsampling of NCHW float tensors by integer factors, as PyTorch's <c>nn.Upsample(scale_factor=(sH, sW))</c>
/// (Keras' <c>UpSampling2D</c>): <c>mode='nearest'</c> and <c>mode='bilinear'</c> with <c>align_corners=False</c>.
/// input[B,C,H,W] becomes output[B,C,H·sH,W·sW]. No parameters. Forward overwrites the output; backward overwrites
/// dinput. Spans may be longer than the shape needs.
/// </summary>
public static class UpSampling2D
{
    /// <summary>Output length of one spatial dimension: <c>input · scale</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the output would not fit an int.</exception>
    public static int OutputSize(int input, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        long output = (long)input * scale;
        if (output > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(scale), $"{input} x {scale} does not fit an int.");
        return (int)output;
    }

    // output[b,c,oh,ow] = input[b,c, oh/sH, ow/sW]
    /// <summary>
    /// Nearest-neighbour upsampling: <c>output[B,C,H·sH,W·sW][oh,ow] = input[B,C,H,W][oh/sH, ow/sW]</c> (each input
    /// element repeated sH x sW times; PyTorch's floor(oh·(1/s)) is this index for integer factors).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is not positive, or a shape does not fit an int.</exception>
    public static void NearestForward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int scaleH, int scaleW)
    {
        var shape = new Shape(batch, channels, height, width, scaleH, scaleW);
        shape.Check(input.Length, output.Length, nameof(input), nameof(output));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        for (long plane = 0; plane < shape.Planes; plane++)
        {
            ReadOnlySpan<float> x = input.Slice((int)(plane * height * width), height * width);
            Span<float> y = output.Slice((int)(plane * outHeight * outWidth), outHeight * outWidth);
            for (int ih = 0; ih < height; ih++)
            {
                Span<float> row = y.Slice(ih * scaleH * outWidth, outWidth);
                ReadOnlySpan<float> source = x.Slice(ih * width, width);
                if (scaleW == 1) source.CopyTo(row);
                else
                {
                    for (int iw = 0; iw < width; iw++) row.Slice(iw * scaleW, scaleW).Fill(source[iw]);
                }
                for (int dy = 1; dy < scaleH; dy++) row.CopyTo(y.Slice((ih * scaleH + dy) * outWidth, outWidth));
            }
        }
    }

    // dinput[b,c,ih,iw] = Σ_{dy<sH, dx<sW} doutput[b,c, ih·sH+dy, iw·sW+dx]      (overwritten)
    /// <summary>
    /// Gradient of <see cref="NearestForward"/>: each input element collects the sum of the sH x sW output gradients it
    /// was copied to. <paramref name="dinput"/>[B,C,H,W] is OVERWRITTEN.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is not positive, or a shape does not fit an int.</exception>
    public static void NearestBackward(ReadOnlySpan<float> doutput, Span<float> dinput, int batch, int channels, int height, int width, int scaleH, int scaleW)
    {
        var shape = new Shape(batch, channels, height, width, scaleH, scaleW);
        shape.Check(dinput.Length, doutput.Length, nameof(dinput), nameof(doutput));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        for (long plane = 0; plane < shape.Planes; plane++)
        {
            ReadOnlySpan<float> dy = doutput.Slice((int)(plane * outHeight * outWidth), outHeight * outWidth);
            Span<float> dx = dinput.Slice((int)(plane * height * width), height * width);
            for (int ih = 0; ih < height; ih++)
            {
                Span<float> target = dx.Slice(ih * width, width);
                for (int iw = 0; iw < width; iw++)
                {
                    float sum = 0f;
                    for (int r = 0; r < scaleH; r++)
                    {
                        ReadOnlySpan<float> block = dy.Slice((ih * scaleH + r) * outWidth + iw * scaleW, scaleW);
                        foreach (float g in block) sum += g;
                    }
                    target[iw] = sum;
                }
            }
        }
    }

    // src = max(0, (o + 0.5)/s - 0.5);  i0 = floor(src), i1 = min(i0 + 1, n - 1), λ1 = src - i0, λ0 = 1 - λ1   (per axis)
    // output[b,c,oh,ow] = λ0h·(λ0w·x[h0,w0] + λ1w·x[h0,w1]) + λ1h·(λ0w·x[h1,w0] + λ1w·x[h1,w1])
    /// <summary>
    /// Bilinear upsampling with <c>align_corners=False</c> (PyTorch's and Keras' default): each output pixel centre
    /// maps back to <c>src = (o + 0.5)/s - 0.5</c> (clamped at 0, with the far neighbour clamped at the edge) and
    /// interpolates its 2 x 2 input neighbours. The source coordinate and weights are computed in float as PyTorch's
    /// CPU kernel does (scale = float(1/s)).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is not positive, or a shape does not fit an int.</exception>
    public static void BilinearForward(ReadOnlySpan<float> input, Span<float> output, int batch, int channels, int height, int width, int scaleH, int scaleW)
    {
        var shape = new Shape(batch, channels, height, width, scaleH, scaleW);
        shape.Check(input.Length, output.Length, nameof(input), nameof(output));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        // Every row of every plane has the same column neighbours and weights: one table per call (on the stack up to
        // TableLimit columns, else recomputed per element).
        bool table = outWidth <= TableLimit;
        Span<int> w0s = table ? stackalloc int[outWidth] : default, w1s = table ? stackalloc int[outWidth] : default;
        Span<float> l0s = table ? stackalloc float[outWidth] : default, l1s = table ? stackalloc float[outWidth] : default;
        if (table) FillTable(w0s, w1s, l0s, l1s, scaleW, width);
        for (long plane = 0; plane < shape.Planes; plane++)
        {
            ReadOnlySpan<float> x = input.Slice((int)(plane * height * width), height * width);
            Span<float> y = output.Slice((int)(plane * outHeight * outWidth), outHeight * outWidth);
            for (int oh = 0; oh < outHeight; oh++)
            {
                var (h0, h1, h0Weight, h1Weight) = Source(oh, scaleH, height);
                ReadOnlySpan<float> row0 = x.Slice(h0 * width, width), row1 = x.Slice(h1 * width, width);
                Span<float> target = y.Slice(oh * outWidth, outWidth);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    var (w0, w1, w0Weight, w1Weight) = table ? (w0s[ow], w1s[ow], l0s[ow], l1s[ow]) : Source(ow, scaleW, width);
                    target[ow] = h0Weight * (w0Weight * row0[w0] + w1Weight * row0[w1]) + h1Weight * (w0Weight * row1[w0] + w1Weight * row1[w1]);
                }
            }
        }
    }

    // dinput[b,c,h,w] = Σ over the outputs that read (h,w) of their weight λh·λw times doutput    (overwritten)
    /// <summary>
    /// Gradient of <see cref="BilinearForward"/>: each output gradient is spread back onto its 2 x 2 input neighbours
    /// with the forward's weights. <paramref name="dinput"/>[B,C,H,W] is OVERWRITTEN.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or factor is not positive, or a shape does not fit an int.</exception>
    public static void BilinearBackward(ReadOnlySpan<float> doutput, Span<float> dinput, int batch, int channels, int height, int width, int scaleH, int scaleW)
    {
        var shape = new Shape(batch, channels, height, width, scaleH, scaleW);
        shape.Check(dinput.Length, doutput.Length, nameof(dinput), nameof(doutput));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        bool table = outWidth <= TableLimit;
        Span<int> w0s = table ? stackalloc int[outWidth] : default, w1s = table ? stackalloc int[outWidth] : default;
        Span<float> l0s = table ? stackalloc float[outWidth] : default, l1s = table ? stackalloc float[outWidth] : default;
        if (table) FillTable(w0s, w1s, l0s, l1s, scaleW, width);
        for (long plane = 0; plane < shape.Planes; plane++)
        {
            ReadOnlySpan<float> dy = doutput.Slice((int)(plane * outHeight * outWidth), outHeight * outWidth);
            Span<float> dx = dinput.Slice((int)(plane * height * width), height * width);
            dx.Clear();
            for (int oh = 0; oh < outHeight; oh++)
            {
                var (h0, h1, h0Weight, h1Weight) = Source(oh, scaleH, height);
                Span<float> row0 = dx.Slice(h0 * width, width), row1 = dx.Slice(h1 * width, width);
                ReadOnlySpan<float> source = dy.Slice(oh * outWidth, outWidth);
                for (int ow = 0; ow < outWidth; ow++)
                {
                    var (w0, w1, w0Weight, w1Weight) = table ? (w0s[ow], w1s[ow], l0s[ow], l1s[ow]) : Source(ow, scaleW, width);
                    float g = source[ow];
                    row0[w0] += h0Weight * w0Weight * g;
                    row0[w1] += h0Weight * w1Weight * g;
                    row1[w0] += h1Weight * w0Weight * g;
                    row1[w1] += h1Weight * w1Weight * g;
                }
            }
        }
    }

    /// <summary>Output widths up to this many columns keep their neighbour table on the stack (16 KB).</summary>
    private const int TableLimit = 1024;

    private static void FillTable(Span<int> i0s, Span<int> i1s, Span<float> l0s, Span<float> l1s, int scale, int inputSize)
    {
        for (int o = 0; o < i0s.Length; o++) (i0s[o], i1s[o], l0s[o], l1s[o]) = Source(o, scale, inputSize);
    }

    // PyTorch's area_pixel_compute_source_index for align_corners=False, in float: the two neighbours and their weights.
    private static (int I0, int I1, float W0, float W1) Source(int destination, int scale, int inputSize)
    {
        float ratio = (float)(1.0 / scale);
        float source = ratio * (destination + 0.5f) - 0.5f;
        if (source < 0f) source = 0f;
        int i0 = (int)source;
        int i1 = i0 < inputSize - 1 ? i0 + 1 : i0;
        float w1 = source - i0;
        return (i0, i1, 1f - w1, w1);
    }

    private readonly struct Shape
    {
        public readonly long Planes;
        public readonly int OutHeight, OutWidth;
        private readonly long _inputLength, _outputLength;

        public Shape(int batch, int channels, int height, int width, int scaleH, int scaleW)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(batch);
            ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
            OutHeight = OutputSize(height, scaleH);
            OutWidth = OutputSize(width, scaleW);
            Planes = (long)batch * channels;
            _inputLength = ShapeProduct.Of(batch, channels, height, width);
            _outputLength = ShapeProduct.Of(batch, channels, OutHeight, OutWidth);
        }

        public void Check(int inputLength, int outputLength, string inputName, string outputName)
        {
            if (inputLength < _inputLength) throw new ArgumentException($"{inputName} holds {inputLength} floats; the shape needs {ShapeProduct.Describe(_inputLength)}.", inputName);
            if (outputLength < _outputLength) throw new ArgumentException($"{outputName} holds {outputLength} floats; the shape needs {ShapeProduct.Describe(_outputLength)}.", outputName);
        }
    }
}
