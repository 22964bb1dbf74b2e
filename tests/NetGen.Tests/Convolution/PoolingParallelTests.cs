using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// Max pooling on tensors large enough to split their planes across the pool (Pooling.ParallelElements): the same
/// results as the reference loops, odd plane counts, and a bad argmax still named in the exception.
/// </summary>
public class PoolingParallelTests
{
    [Theory]
    [InlineData(40, 6, 28, 28)]    // LeNet's first pooling at 40 samples: 188,160 inputs
    [InlineData(37, 7, 17, 19)]    // odd planes (259), odd sizes: the last row and column are in no window
    [InlineData(64, 16, 10, 10)]   // LeNet's second, output rows of 5 (the scalar backward)
    public void MaxPooling_SplitAcrossThePool_MatchesReference(int batch, int channels, int height, int width)
    {
        Assert.True(batch * channels * height * width >= Pooling.ParallelElements);
        var random = new Random(batch + channels);
        float[] input = TestData.Distinct(random, batch * channels * height * width);
        int outHeight = height / 2, outWidth = width / 2, outputs = batch * channels * outHeight * outWidth;
        var output = new float[outputs];
        var argmax = new int[outputs];
        var expected = new float[outputs];
        var expectedArgmax = new int[outputs];
        Pooling.MaxForward(input, output, argmax, batch, channels, height, width, 2, 2, 2, 2, 0, 0);
        Pooling.MaxForwardReference(input, expected, expectedArgmax, batch, channels, height, width, 2, 2, 2, 2, 0, 0);
        Assert.Equal(expected, output);
        Assert.Equal(expectedArgmax, argmax);

        float[] doutput = TestData.Uniform(random, outputs);
        var dinput = TestData.Filled(input.Length, float.NaN);   // overwritten
        Pooling.MaxBackward(doutput, argmax, dinput, batch, channels, height, width, outHeight, outWidth);
        var expectedDinput = new float[input.Length];
        int inPlane = height * width, outPlane = outHeight * outWidth;
        for (int o = 0; o < outputs; o++) expectedDinput[o / outPlane * inPlane + argmax[o]] += doutput[o];
        Assert.Equal(expectedDinput, dinput);
    }

    [Fact]
    public void MaxBackward_SplitAcrossThePool_NamesTheFirstBadArgmax()
    {
        int batch = 64, channels = 16, outputs = batch * channels * 25;
        var argmax = new int[outputs];
        argmax[10_001] = 100;     // outside the 10x10 plane
        argmax[20_000] = -1;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Pooling.MaxBackward(new float[outputs], argmax, new float[batch * channels * 100], batch, channels, 10, 10, 5, 5));
        Assert.Equal("argmax", error.ParamName);
        Assert.Contains("argmax[10001] = 100", error.Message);
    }
}
