using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// Max pooling's backward has a vectorized path for planes whose every argmax lies in its own 2x2, stride-2 window
/// (at least 8 outputs a row); these tests compare it with a plain scatter of doutput at argmax on awkward shapes,
/// including windows the fast path must hand back to the scatter (3x3 stride 2 with padding, overlapping windows).
/// </summary>
public class MaxPoolBackwardFastPathTests
{
    [Theory]
    [InlineData(3, 2, 28, 28, 2, 2, 0)]    // LeNet-5's first pool: 14 outputs a row (steps at 0 and 6)
    [InlineData(2, 3, 17, 19, 2, 2, 0)]    // odd height and width: a last row and column outside every window
    [InlineData(1, 1, 16, 16, 2, 2, 0)]    // exactly one step a row
    [InlineData(2, 2, 34, 41, 2, 2, 0)]    // 20 outputs a row, odd width
    [InlineData(2, 2, 33, 33, 3, 2, 1)]    // 3x3 stride 2 padding 1: overlapping windows, mostly the scatter
    [InlineData(1, 2, 20, 20, 4, 2, 1)]    // 4x4 stride 2: argmax often outside the 2x2 block
    [InlineData(2, 2, 10, 10, 2, 2, 0)]    // 5 outputs a row: the scatter only
    public void MaxBackward_EqualsScatterOfDoutputAtArgmax(int batch, int channels, int height, int width, int kernel, int stride, int padding)
    {
        var c = new PoolCase($"{batch}x{channels}x{height}x{width} k{kernel} s{stride} p{padding}", batch, channels, height, width,
            kernel, kernel, stride, stride, padding, padding);
        var random = new Random(height * 100 + width);
        float[] input = TestData.Uniform(random, c.InputLength);
        var output = new float[c.OutputLength];
        var argmax = new int[c.OutputLength];
        c.MaxForward(input, output, argmax);
        float[] seed = TestData.Uniform(random, c.OutputLength);

        var dinput = TestData.Filled(c.InputLength, float.NaN);   // overwritten everywhere
        c.MaxBackward(seed, argmax, dinput);

        var expected = new float[c.InputLength];
        int inPlane = height * width, outPlane = c.OutHeight * c.OutWidth;
        for (int plane = 0; plane < batch * channels; plane++)
        for (int o = 0; o < outPlane; o++)
            expected[plane * inPlane + argmax[plane * outPlane + o]] += seed[plane * outPlane + o];
        Assert.Equal(expected, dinput);   // one term or a sum in the same order: exact
    }

    [Fact]
    public void MaxBackward_ArgmaxOutsideItsWindow_InAPlaneTheFastPathStarted_StillScattersExactly()
    {
        // 16x16 plane, 8x8 outputs: the first row of outputs is regular, then one argmax points into another window.
        var argmax = new int[64];
        for (int oh = 0; oh < 8; oh++)
        for (int ow = 0; ow < 8; ow++)
            argmax[oh * 8 + ow] = 2 * oh * 16 + 2 * ow;
        argmax[9] = 0;   // output (1, 1) takes the top-left input element of window (0, 0)
        var seed = new float[64];
        for (int i = 0; i < 64; i++) seed[i] = i + 1;
        var dinput = TestData.Filled(256, float.NaN);
        Pooling.MaxBackward(seed, argmax, dinput, 1, 1, 16, 16, 8, 8);
        Assert.Equal(1 + 10, dinput[0]);
        Assert.Equal(0, dinput[2 * 16 + 2]);
        Assert.Equal(2, dinput[2]);
        Assert.Equal(0, dinput[1]);
    }
}
