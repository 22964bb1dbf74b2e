using NetGen.Kernels;

namespace NetGen.Tests.Convolution;

/// <summary>
/// LeNet-5's convolutional trunk end to end through the fast kernels:
/// 1x28x28 -> conv 6@5x5 pad 2 -> 6x28x28 -> max pool 2 -> 6x14x14 -> conv 16@5x5 -> 16x10x10 -> max pool 2 -> 16x5x5.
/// </summary>
public class LeNet5ShapesTests
{
    private const int Batch = 3;
    private static readonly ConvCase Conv1 = new("conv1 6@5x5 pad 2", Batch, 1, 28, 28, 6, 5, 5, PadH: 2, PadW: 2);
    private static readonly PoolCase Pool1 = new("pool1 2x2", Batch, 6, 28, 28, 2, 2, 2, 2);
    private static readonly ConvCase Conv2 = new("conv2 16@5x5", Batch, 6, 14, 14, 16, 5, 5);
    private static readonly PoolCase Pool2 = new("pool2 2x2", Batch, 16, 10, 10, 2, 2, 2, 2);

    [Fact]
    public void Shapes_FollowLeNet5()
    {
        Assert.Equal((28, 28), (Conv1.OutHeight, Conv1.OutWidth));
        Assert.Equal((14, 14), (Pool1.OutHeight, Pool1.OutWidth));
        Assert.Equal((10, 10), (Conv2.OutHeight, Conv2.OutWidth));
        Assert.Equal((5, 5), (Pool2.OutHeight, Pool2.OutWidth));
        Assert.Equal(Batch * 16 * 5 * 5, Pool2.OutputLength);    // Flatten gives 400 features per image
        // At least the im2col path's workspaces of (IC*KH*KW + OC) x OH*OW floats per sample of a chunk, plus a weight
        // and bias partial per chunk: conv1 takes 2 samples a chunk (2 chunks, 2 workspaces), conv2 3 (1 chunk).
        Assert.True(Conv1.ScratchSize >= 2 * 2 * (25 + 6) * 28 * 28 + 2 * (6 * 25 + 6));
        Assert.True(Conv2.ScratchSize >= 1 * 3 * (150 + 16) * 10 * 10 + 1 * (16 * 150 + 16));
    }

    [Fact]
    public void ForwardAndBackward_RunEndToEnd_AndMatchReferenceKernels()
    {
        var random = new Random(55);
        float[] image = TestData.Uniform(random, Conv1.InputLength, 0f, 1f);
        float[] weight1 = TestData.Uniform(random, Conv1.WeightLength, -0.3f, 0.3f), bias1 = TestData.Uniform(random, 6, -0.1f, 0.1f);
        float[] weight2 = TestData.Uniform(random, Conv2.WeightLength, -0.1f, 0.1f), bias2 = TestData.Uniform(random, 16, -0.1f, 0.1f);
        var scratch = new float[Math.Max(Conv1.ScratchSize, Conv2.ScratchSize)];   // one buffer serves both layers

        // Forward through the fast kernels, keeping what backward needs.
        var conv1 = new float[Conv1.OutputLength];
        var pool1 = new float[Pool1.OutputLength];
        var argmax1 = new int[Pool1.OutputLength];
        var conv2 = new float[Conv2.OutputLength];
        var pool2 = new float[Pool2.OutputLength];
        var argmax2 = new int[Pool2.OutputLength];
        Conv1.Forward(image, weight1, bias1, conv1, scratch);
        Pool1.MaxForward(conv1, pool1, argmax1);
        Conv2.Forward(pool1, weight2, bias2, conv2, scratch);
        Pool2.MaxForward(conv2, pool2, argmax2);

        // The same network through the reference kernels only.
        var referenceConv1 = new float[Conv1.OutputLength];
        var referencePool1 = new float[Pool1.OutputLength];
        var referenceConv2 = new float[Conv2.OutputLength];
        var referencePool2 = new float[Pool2.OutputLength];
        Conv1.ForwardReference(image, weight1, bias1, referenceConv1);
        Pool1.MaxForwardReference(referenceConv1, referencePool1, new int[Pool1.OutputLength]);
        Conv2.ForwardReference(referencePool1, weight2, bias2, referenceConv2);
        Pool2.MaxForwardReference(referenceConv2, referencePool2, new int[Pool2.OutputLength]);
        // Every pool2 value is a conv2 output: a float sum of 151 terms (worst-case rounding
        // 151 * 2^-24 = 9e-6 of the sum of magnitudes, here at most 150 * 1.3 * 0.1 + 0.1 = 19.6)
        // whose inputs carry conv1's rounding (26 terms, 26 * 2^-24 * 2.0 = 3e-6 each, times sum|w2| <= 15).
        // Both bounds together stay below 2e-4; max pooling passes values through unchanged.
        TestData.AssertClose(referencePool2, pool2, new float[pool2.Length], 0, 2e-4, "pool2");

        // Backward, one layer at a time, each fast kernel against its reference on the same inputs.
        float[] seed = TestData.Uniform(random, Pool2.OutputLength);
        AssertArgmaxMatchesReference(Pool2, conv2, argmax2);
        var dconv2 = new float[Conv2.OutputLength];
        Pool2.MaxBackward(seed, argmax2, dconv2);

        var dpool1 = new float[Pool1.OutputLength];
        var dweight2 = new float[Conv2.WeightLength];
        var dbias2 = new float[16];
        Conv2.Backward(dconv2, pool1, weight2, dpool1, dweight2, dbias2, scratch);
        AssertBackwardMatchesReference(Conv2, dconv2, pool1, weight2, dpool1, dweight2, dbias2, 3e-5);

        AssertArgmaxMatchesReference(Pool1, conv1, argmax1);
        var dconv1 = new float[Conv1.OutputLength];
        Pool1.MaxBackward(dpool1, argmax1, dconv1);

        var dweight1 = new float[Conv1.WeightLength];
        var dbias1 = new float[6];
        Conv1.Backward(dconv1, image, weight1, [], dweight1, dbias1, scratch);    // first layer: no input gradient
        // dweight1 sums B*28*28 = 2352 terms: worst-case rounding 2352 * 2^-24 = 1.4e-4 of the sum of magnitudes.
        AssertBackwardMatchesReference(Conv1, dconv1, image, weight1, [], dweight1, dbias1, 2e-4);
        Assert.Contains(dweight1, g => g != 0f);    // gradient really flowed back through both pools
    }

    private static void AssertArgmaxMatchesReference(PoolCase pool, float[] input, int[] argmax)
    {
        var expected = new int[pool.OutputLength];
        pool.MaxForwardReference(input, new float[pool.OutputLength], expected);
        Assert.Equal(expected, argmax);
    }

    // Tolerance: relative * (the same gradient computed from absolute values) + 1e-6.
    private static void AssertBackwardMatchesReference(ConvCase c, float[] doutput, float[] input, float[] weight,
        float[] dinput, float[] dweight, float[] dbias, double relative)
    {
        float[] expectedDinput = dinput.Length == 0 ? [] : new float[c.InputLength], scaleDinput = dinput.Length == 0 ? [] : new float[c.InputLength];
        float[] expectedDweight = new float[c.WeightLength], scaleDweight = new float[c.WeightLength];
        float[] expectedDbias = new float[c.OutChannels], scaleDbias = new float[c.OutChannels];
        c.BackwardReference(doutput, input, weight, expectedDinput, expectedDweight, expectedDbias);
        c.BackwardReference(TestData.Abs(doutput), TestData.Abs(input), TestData.Abs(weight), scaleDinput, scaleDweight, scaleDbias);
        TestData.AssertClose(expectedDinput, dinput, scaleDinput, relative, 1e-6, $"{c} dinput");
        TestData.AssertClose(expectedDweight, dweight, scaleDweight, relative, 1e-6, $"{c} dweight");
        TestData.AssertClose(expectedDbias, dbias, scaleDbias, relative, 1e-6, $"{c} dbias");
    }
}
