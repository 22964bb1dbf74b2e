using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Convolution;

/// <summary>
/// UpSampling2D (nearest, bilinear with align_corners=False) and Conv2DTranspose: forward against plain double
/// definitions written here and against PyTorch's outputs (make_layer_reference.py), backward against central
/// differences of those definitions, on awkward shapes (odd sizes, stride 2, padding 1, output padding).
/// </summary>
public class UpSamplingAndTransposeTests
{
    // PyTorch 1.13.0a0, float64, from make_layer_reference.py
    private static readonly double[] TorchBilinearUpsample2x3 = [-0.75, -0.75, -0.3333333333333334, 0.08333333333333329, 0.4999999999999999, 0.33333333333333337, 0.16666666666666674, 1.1102230246251565e-16, 0.0, -0.6875, -0.6875, -0.27083333333333337, 0.14583333333333331, 0.5624999999999999, 0.3958333333333333, 0.22916666666666674, 0.06250000000000011, 0.0625, -0.5625, -0.5625, -0.14583333333333343, 0.2708333333333333, 0.6874999999999999, 0.5208333333333334, 0.35416666666666674, 0.1875000000000001, 0.1875, -0.5, -0.5, -0.08333333333333341, 0.3333333333333333, 0.7499999999999999, 0.5833333333333334, 0.41666666666666674, 0.2500000000000001, 0.25];
    private static readonly double[] TorchNearestUpsample2x3 = [-0.75, -0.75, -0.75, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, -0.75, -0.75, -0.75, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, -0.5, -0.5, -0.5, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, -0.5, -0.5, -0.5, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25];
    private static readonly double[] TorchConvTranspose = [0.375, 0.125, 0.1875, -0.09375, 0.6875, -0.40625, 0.21875, -0.3125, 0.34375, 0.3125, -0.5625, 0.0625, -0.1875, 0.84375, 0.3125, 0.28125, 0.125, 0.4375, 1.28125, 0.1875, 0.03125, 0.46875, 0.5, 0.25, -0.0625, 0.53125, 0.4375, -0.03125, 0.25, 0.25, 0.875, 0.34375, -0.125, 0.25, 0.25, 0.25];

    private static float[] Make(int count, Func<int, double> f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)f(i);
        return values;
    }

    // ---------------- UpSampling2D ----------------

    // PyTorch's definition in double: nearest takes floor(o/s); bilinear maps o to max(0, (o + 0.5)/s - 0.5).
    private static double[] UpsampleDefinition(double[] x, int planes, int height, int width, int sH, int sW, bool bilinear)
    {
        int outHeight = height * sH, outWidth = width * sW;
        var y = new double[planes * outHeight * outWidth];
        for (int p = 0; p < planes; p++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double value;
            if (!bilinear) value = x[(p * height + oh / sH) * width + ow / sW];
            else
            {
                (int h0, int h1, double lh) = Source(oh, sH, height);
                (int w0, int w1, double lw) = Source(ow, sW, width);
                double At(int h, int w) => x[(p * height + h) * width + w];
                value = (1 - lh) * ((1 - lw) * At(h0, w0) + lw * At(h0, w1)) + lh * ((1 - lw) * At(h1, w0) + lw * At(h1, w1));
            }
            y[(p * outHeight + oh) * outWidth + ow] = value;
        }
        return y;

        static (int, int, double) Source(int o, int s, int n)
        {
            double src = Math.Max(0, (o + 0.5) / s - 0.5);
            int i0 = (int)src;
            return (i0, Math.Min(i0 + 1, n - 1), src - i0);
        }
    }

    public static TheoryData<int, int, int, int, int, int> UpsampleShapes => new()
    {
        { 1, 1, 1, 1, 2, 2 },
        { 2, 3, 5, 3, 2, 2 },    // odd sizes
        { 1, 2, 3, 4, 3, 1 },    // factor 3 (1/3 is not exact in float) and 1
        { 3, 1, 4, 7, 1, 2 },
        { 1, 2, 2, 3, 2, 3 },
        { 1, 1, 2, 600, 2, 2 },  // 1200 output columns: past the stack table, neighbours computed per element
    };

    [Theory]
    [MemberData(nameof(UpsampleShapes))]
    public void UpSampling_Forward_MatchesDefinition(int batch, int channels, int height, int width, int sH, int sW)
    {
        int planes = batch * channels, outLength = planes * height * sH * width * sW;
        float[] x = Random(planes * height * width, 61, -2, 2);
        foreach (bool bilinear in new[] { false, true })
        {
            float[] y = Random(outLength + 1, 62, 50, 60);   // garbage, and a sentinel past the end
            float sentinel = y[^1];
            if (bilinear) UpSampling2D.BilinearForward(x, y, batch, channels, height, width, sH, sW);
            else UpSampling2D.NearestForward(x, y, batch, channels, height, width, sH, sW);
            // Bilinear weights are float (PyTorch's CPU kernel): a few ulps of the inputs below 2.
            AssertClose(UpsampleDefinition(ToDouble(x), planes, height, width, sH, sW, bilinear), y, bilinear ? 1e-6 : 0, 0, bilinear ? "bilinear" : "nearest");
            Assert.Equal(sentinel, y[^1]);
        }
    }

    [Fact]
    public void UpSampling_Forward_MatchesPyTorch()
    {
        float[] x = Make(6, i => (i * 5 % 7 - 3) / 4.0), y = new float[36];
        UpSampling2D.BilinearForward(x, y, 1, 1, 2, 3, 2, 3);
        AssertClose(TorchBilinearUpsample2x3, y, 1e-6, 0, "bilinear, scale (2, 3)");
        UpSampling2D.NearestForward(x, y, 1, 1, 2, 3, 2, 3);
        AssertClose(TorchNearestUpsample2x3, y, 0, 0, "nearest, scale (2, 3)");
    }

    [Theory]
    [MemberData(nameof(UpsampleShapes))]
    public void UpSampling_Backward_MatchesFiniteDifferences(int batch, int channels, int height, int width, int sH, int sW)
    {
        int planes = batch * channels, outLength = planes * height * sH * width * sW;
        double[] x = ToDouble(Random(planes * height * width, 63, -2, 2));
        float[] r = Random(outLength, 64, -1, 1);
        foreach (bool bilinear in new[] { false, true })
        {
            // L = Σ upsample(x)·R, so dL/dx is the backward of R.
            double Objective(double[] p)
            {
                double[] y = UpsampleDefinition(p, planes, height, width, sH, sW, bilinear);
                double total = 0;
                for (int i = 0; i < y.Length; i++) total += y[i] * r[i];
                return total;
            }
            float[] dx = Random(x.Length, 65, 50, 60);   // garbage: must be overwritten
            if (bilinear) UpSampling2D.BilinearBackward(r, dx, batch, channels, height, width, sH, sW);
            else UpSampling2D.NearestBackward(r, dx, batch, channels, height, width, sH, sW);
            AssertClose(CentralDifferences(x, Objective), dx, 1e-6, 1e-6, bilinear ? "bilinear dinput" : "nearest dinput");
        }
    }

    [Fact]
    public void UpSampling_BadArguments_Throw()
    {
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => UpSampling2D.NearestForward(new float[6], new float[23], 1, 1, 2, 3, 2, 2)).ParamName);
        Assert.Equal("dinput", Assert.Throws<ArgumentException>(() => UpSampling2D.BilinearBackward(new float[24], new float[5], 1, 1, 2, 3, 2, 2)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => UpSampling2D.BilinearForward(new float[6], new float[24], 1, 1, 2, 3, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => UpSampling2D.OutputSize(1 << 20, 1 << 12));
        // 65536 planes of 65536 x 65536: the count saturates instead of wrapping to a small number.
        Assert.Throws<ArgumentException>(() => UpSampling2D.NearestForward(new float[16], new float[64], 65536, 1, 65536, 65536, 1, 1));
    }

    // ---------------- Conv2DTranspose ----------------

    internal sealed record TransposeCase(string Name, int Batch, int InChannels, int Height, int Width, int OutChannels,
        int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int OutputPadH, int OutputPadW, bool Bias = true)
    {
        public int OutHeight => Conv2DTranspose.OutputSize(Height, KernelH, StrideH, PadH, OutputPadH);
        public int OutWidth => Conv2DTranspose.OutputSize(Width, KernelW, StrideW, PadW, OutputPadW);
        public int InputLength => Batch * InChannels * Height * Width;
        public int WeightLength => InChannels * OutChannels * KernelH * KernelW;
        public int OutputLength => Batch * OutChannels * OutHeight * OutWidth;
        public int Scratch => Conv2DTranspose.ScratchSize(Height, Width, OutChannels, KernelH, KernelW);

        public void Forward(float[] x, float[] w, float[] b, float[] y, float[] scratch) => Conv2DTranspose.Forward(x, w, b, y, scratch,
            Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutputPadH, OutputPadW);

        public void ForwardReference(float[] x, float[] w, float[] b, float[] y) => Conv2DTranspose.ForwardReference(x, w, b, y,
            Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutputPadH, OutputPadW);

        public void Backward(float[] dy, float[] x, float[] w, float[] dx, float[] dw, float[] db, float[] scratch) => Conv2DTranspose.Backward(dy, x, w, dx, dw, db, scratch,
            Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutputPadH, OutputPadW);

        public void BackwardReference(float[] dy, float[] x, float[] w, float[] dx, float[] dw, float[] db) => Conv2DTranspose.BackwardReference(dy, x, w, dx, dw, db,
            Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, StrideH, StrideW, PadH, PadW, OutputPadH, OutputPadW);

        /// <summary>L = Σ convtranspose(x, w, b)·R in double, scattered from the definition (the kernels gather or use GEMM).</summary>
        public double Objective(double[] x, double[] w, double[] b, float[] r)
        {
            int outHeight = OutHeight, outWidth = OutWidth;
            var y = new double[OutputLength];
            for (int n = 0; n < Batch; n++)
            for (int oc = 0; oc < OutChannels; oc++)
            for (int i = 0; i < outHeight * outWidth; i++) y[(n * OutChannels + oc) * outHeight * outWidth + i] = b.Length == 0 ? 0 : b[oc];
            for (int n = 0; n < Batch; n++)
            for (int ic = 0; ic < InChannels; ic++)
            for (int ih = 0; ih < Height; ih++)
            for (int iw = 0; iw < Width; iw++)
            for (int oc = 0; oc < OutChannels; oc++)
            for (int kh = 0; kh < KernelH; kh++)
            for (int kw = 0; kw < KernelW; kw++)
            {
                int oh = ih * StrideH - PadH + kh, ow = iw * StrideW - PadW + kw;
                if (oh < 0 || oh >= outHeight || ow < 0 || ow >= outWidth) continue;
                y[((n * OutChannels + oc) * outHeight + oh) * outWidth + ow] +=
                    x[((n * InChannels + ic) * Height + ih) * Width + iw] * w[((ic * OutChannels + oc) * KernelH + kh) * KernelW + kw];
            }
            double total = 0;
            for (int i = 0; i < y.Length; i++) total += y[i] * r[i];
            return total;
        }

        public override string ToString() => Name;
    }

    private static readonly TransposeCase[] TransposeCases =
    [
        new("1x1 identity", 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),
        new("k3 s2 p1 op1 (doubles 5x4)", 2, 3, 5, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1),
        new("k4 s2 p1 (DCGAN)", 3, 2, 4, 3, 5, 4, 4, 2, 2, 1, 1, 0, 0),
        new("k2 s3 op2, no bias", 2, 4, 3, 5, 3, 2, 2, 3, 3, 0, 0, 2, 2, Bias: false),
        new("k5 s1 p2 (same size)", 1, 2, 7, 7, 3, 5, 5, 1, 1, 2, 2, 0, 0),
        new("asymmetric 3x2 s(2,1) p(1,0) op(1,0)", 2, 2, 3, 4, 3, 3, 2, 2, 1, 1, 0, 1, 0),
        new("padding past the kernel (cropped taps)", 1, 2, 4, 4, 2, 3, 3, 2, 2, 2, 2, 1, 0),
    ];

    public static TheoryData<string> TransposeCaseNames => new(TransposeCases.Select(c => c.Name));

    private static TransposeCase Case(string name) => TransposeCases.Single(c => c.Name == name);

    [Theory]
    [InlineData(3, 3, 2, 1, 1, 6)]
    [InlineData(4, 4, 2, 1, 0, 8)]
    [InlineData(7, 5, 1, 2, 0, 7)]
    [InlineData(1, 1, 1, 0, 0, 1)]
    [InlineData(3, 2, 3, 0, 2, 10)]
    public void Transpose_OutputSize_FollowsPyTorchFormula(int input, int kernel, int stride, int padding, int outputPadding, int expected) =>
        Assert.Equal(expected, Conv2DTranspose.OutputSize(input, kernel, stride, padding, outputPadding));

    [Fact]
    public void Transpose_OutputSize_RejectsOutputPaddingOfStrideOrMore_AndEmptyOutputs()
    {
        Assert.Equal("outputPadding", Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DTranspose.OutputSize(3, 3, 2, 1, 2)).ParamName);
        Assert.Equal("padding", Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DTranspose.OutputSize(1, 1, 1, 1, 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DTranspose.OutputSize(1 << 20, 3, 1 << 12, 0, 0));
    }

    [Theory]
    [MemberData(nameof(TransposeCaseNames))]
    public void Transpose_Forward_MatchesReference_AndDefinition(string name)
    {
        var c = Case(name);
        float[] x = Random(c.InputLength, 71), w = Random(c.WeightLength, 72), b = c.Bias ? Random(c.OutChannels, 73) : [];
        float[] fast = Random(c.OutputLength, 74, 50, 60), reference = new float[c.OutputLength], scratch = Random(c.Scratch, 75, 50, 60);
        c.Forward(x, w, b, fast, scratch);
        c.ForwardReference(x, w, b, reference);
        // Float products of at most IC·KH·KW = 50 terms of size < 1 against the double reference: 1e-5 absolute.
        AssertClose(reference, fast, 1e-5, 1e-5, "output");
        // The reference against the definition: L = Σ y·R for unit vectors R would be slow; a random R checks every element's weight.
        float[] r = Random(c.OutputLength, 76);
        double expected = c.Objective(ToDouble(x), ToDouble(w), ToDouble(b), r), actual = 0;
        for (int i = 0; i < r.Length; i++) actual += (double)reference[i] * r[i];
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"Σ reference·R = {actual}, definition {expected}");
    }

    [Theory]
    [MemberData(nameof(TransposeCaseNames))]
    public void Transpose_Forward_IsConv2DInputGradient_WithTheSameWeight(string name)
    {
        // ConvTranspose2d(x, w) is the input gradient of Conv2d(·, w) at output gradient x: weight[IC, OC, KH, KW] read
        // as Conv2D's [its OC = our IC, its IC = our OC, KH, KW]. Checked against Conv2D's own reference kernel.
        var c = Case(name);
        float[] x = Random(c.InputLength, 77), w = Random(c.WeightLength, 78);
        float[] ours = new float[c.OutputLength], scratch = new float[c.Scratch], theirs = new float[c.OutputLength];
        c.Forward(x, w, [], ours, scratch);
        Conv2D.BackwardReference(x, new float[c.OutputLength], w, theirs, [], [],
            c.Batch, c.OutChannels, c.OutHeight, c.OutWidth, c.InChannels, c.KernelH, c.KernelW, c.StrideH, c.StrideW, c.PadH, c.PadW, 1, 1);
        AssertClose(theirs, ours, 1e-5, 1e-5, "output vs Conv2D input gradient");
    }

    [Fact]
    public void Transpose_Forward_MatchesPyTorch()
    {
        float[] x = Make(18, i => (i * 7 % 11 - 5) / 4.0), w = Make(18, i => (i * 5 % 9 - 4) / 8.0), b = [0.25f];
        float[] y = new float[36], scratch = new float[Conv2DTranspose.ScratchSize(3, 3, 1, 3, 3)];
        Conv2DTranspose.Forward(x, w, b, y, scratch, 1, 2, 3, 3, 1, 3, 3, 2, 2, 1, 1, 1, 1);
        AssertClose(TorchConvTranspose, y, 1e-6, 0, "ConvTranspose2d(2, 1, 3, stride=2, padding=1, output_padding=1)");
        Conv2DTranspose.ForwardReference(x, w, b, y, 1, 2, 3, 3, 1, 3, 3, 2, 2, 1, 1, 1, 1);
        AssertClose(TorchConvTranspose, y, 0, 0, "reference");   // sums of multiples of 1/32: exact
    }

    [Theory]
    [MemberData(nameof(TransposeCaseNames))]
    public void Transpose_Backward_MatchesFiniteDifferences(string name)
    {
        var c = Case(name);
        float[] x = Random(c.InputLength, 81), w = Random(c.WeightLength, 82), b = c.Bias ? Random(c.OutChannels, 83) : [];
        float[] r = Random(c.OutputLength, 84), scratch = Random(c.Scratch, 85, 50, 60);
        // dinput is overwritten (garbage before); dweight and dbias accumulate onto what is there.
        float[] dx = Random(c.InputLength, 86, 50, 60), dwStart = Random(c.WeightLength, 87), dbStart = c.Bias ? Random(c.OutChannels, 88) : [];
        float[] dw = (float[])dwStart.Clone(), db = (float[])dbStart.Clone();
        c.Backward(r, x, w, dx, dw, db, scratch);
        for (int i = 0; i < dw.Length; i++) dw[i] -= dwStart[i];
        for (int i = 0; i < db.Length; i++) db[i] -= dbStart[i];

        double[] xd = ToDouble(x), wd = ToDouble(w), bd = ToDouble(b);
        // The objective is linear in each argument: central differences are exact up to rounding (~1e-10).
        AssertClose(CentralDifferences(xd, p => c.Objective(p, wd, bd, r)), dx, 1e-5, 1e-5, "dinput");
        AssertClose(CentralDifferences(wd, p => c.Objective(xd, p, bd, r)), dw, 1e-5, 1e-5, "dweight");
        if (c.Bias) AssertClose(CentralDifferences(bd, p => c.Objective(xd, wd, p, r)), db, 1e-5, 1e-5, "dbias");

        // The reference agrees with the fast kernels.
        float[] dxRef = new float[c.InputLength], dwRef = new float[c.WeightLength], dbRef = new float[c.Bias ? c.OutChannels : 0];
        c.BackwardReference(r, x, w, dxRef, dwRef, dbRef);
        AssertClose(dxRef, dx, 1e-5, 1e-5, "dinput vs reference");
        AssertClose(dwRef, dw, 1e-5, 1e-5, "dweight vs reference");
    }

    [Fact]
    public void Transpose_Backward_EmptyGradientSpans_AreSkipped()
    {
        var c = Case("k3 s2 p1 op1 (doubles 5x4)");
        float[] x = Random(c.InputLength, 91), w = Random(c.WeightLength, 92), r = Random(c.OutputLength, 93), scratch = new float[c.Scratch];
        float[] dw = new float[c.WeightLength], dwAlone = new float[c.WeightLength], db = new float[c.OutChannels];
        c.Backward(r, x, w, new float[c.InputLength], dw, db, scratch);
        c.Backward(r, x, w, [], dwAlone, [], scratch);
        Assert.Equal(dw, dwAlone);
        float[] dbAlone = new float[c.OutChannels];
        c.Backward(r, x, w, [], [], dbAlone, scratch);
        Assert.Equal(db, dbAlone);
    }

    [Fact]
    public void Transpose_BadArguments_ThrowNamingThem()
    {
        var c = Case("k3 s2 p1 op1 (doubles 5x4)");
        float[] x = new float[c.InputLength], w = new float[c.WeightLength], y = new float[c.OutputLength], scratch = new float[c.Scratch];
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => c.Forward(x, new float[c.WeightLength - 1], [], y, scratch)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => c.Forward(x, w, new float[c.OutChannels + 1], y, scratch)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => c.Forward(x, w, [], new float[c.OutputLength - 1], scratch)).ParamName);
        Assert.Equal("scratch", Assert.Throws<ArgumentException>(() => c.Forward(x, w, [], y, new float[c.Scratch - 1])).ParamName);
        Assert.Equal("dinput", Assert.Throws<ArgumentException>(() => c.Backward(y, x, w, new float[3], [], [], scratch)).ParamName);
        // Shapes whose counts overflow an int are rejected, not wrapped.
        Assert.Throws<ArgumentException>(() => Conv2DTranspose.Forward(x, w, [], y, scratch, 1 << 16, 1 << 16, 5, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2DTranspose.ScratchSize(1 << 16, 1 << 16, 1, 1, 1));
    }
}
