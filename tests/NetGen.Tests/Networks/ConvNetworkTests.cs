using NetGen.Data;

namespace NetGen.Tests.Networks;

// Small generated convolutional networks that the tests below train and check.

/// <summary>Odd sizes, padding, an overlapping padded 3x3 max pool, dilation, no bias, a stride-1 average pool.</summary>
[Network(BatchSize = 3, Seed = 7)]
[Input(2, 9, 7)]
[Conv2D(4, 3, Padding = 1, Activation = Activation.Tanh)]                        // 4x9x7
[MaxPool2D(3, Stride = 2, Padding = 1)]                                           // 4x5x4
[Conv2D(3, 2, Dilation = 2, UseBias = false, Activation = Activation.Sigmoid)]    // 3x3x2
[AvgPool2D(2, Stride = 1)]                                                        // 3x2x1
[Flatten]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class ConvGradientNet;

/// <summary>
/// Reshape, a strided same-padded convolution with batch normalization over its channels, the vectorized 2x2 max and
/// average pools, a pointwise convolution, global pooling.
/// </summary>
[Network(BatchSize = 2, Seed = 9)]
[Input(768)]
[Reshape(3, -1, 16)]                                                             // 3x16x16
[Conv2D(5, 3, Stride = 2, SamePadding = true, UseBias = false)]                  // 5x8x8
[BatchNorm]
[Activation(Activation.Tanh)]
[MaxPool2D(2)]                                                                   // 5x4x4
[Conv2D(4, 1, Activation = Activation.Sigmoid)]                                  // 4x4x4
[AvgPool2D(2)]                                                                   // 4x2x2
[GlobalAvgPool2D]                                                                // 4
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam]
public partial class StridedConvGradientNet;

/// <summary>
/// Keras's padding="same" where it pads one side more than the other: an even kernel at stride 1, a 3x3 kernel at
/// stride 2 on an odd height and an even width, a 2x2 kernel at stride 2 (height padded below only).
/// </summary>
[Network(BatchSize = 2, Seed = 11)]
[Input(2, 9, 8)]
[Conv2D(3, 4, SamePadding = true, Activation = Activation.Tanh)]                 // 3x9x8: rows and columns (1, 2)
[Conv2D(4, 3, Stride = 2, SamePadding = true, Activation = Activation.ELU)]      // 4x5x4: rows (1, 1), columns (0, 1)
[Conv2D(2, 2, Stride = 2, SamePadding = true, UseBias = false)]                  // 2x3x2: rows (0, 1), columns (0, 0)
[Flatten]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class KerasSamePaddingNet;

/// <summary>A small LeNet: learns MNIST digits in a few batches.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]   // 6x28x28
[MaxPool2D(2)]                                              // 6x14x14
[Conv2D(8, 5, Activation = Activation.ReLU)]                // 8x10x10
[MaxPool2D(2)]                                              // 8x5x5
[Flatten]
[Dense(32, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3)]
public partial class SmallLeNet;

/// <summary>Generated convolutional networks backpropagate correctly end to end, learn, and allocate nothing per step.</summary>
public class ConvNetworkTests
{
    [Fact]
    public void Backward_MatchesFiniteDifferencesOfTheLoss_ForEveryParameter_OddSizesPaddingDilation()
    {
        Assert.Equal(4 * 2 * 3 * 3 + 4 + 3 * 4 * 2 * 2 + 3 * 6 + 3, ConvGradientNet.ParameterCount);
        AssertBackwardMatchesFiniteDifferences(new ConvGradientNet(), [0, 2, 1], seed: 4);
    }

    [Fact]
    public void Backward_MatchesFiniteDifferencesOfTheLoss_ForEveryParameter_StrideSamePaddingBatchNormPoolsReshape()
    {
        Assert.Equal(5 * 3 * 3 * 3 + 2 * 5 + 4 * 5 + 4 + 3 * 4 + 3, StridedConvGradientNet.ParameterCount);
        AssertBackwardMatchesFiniteDifferences(new StridedConvGradientNet(), [2, 0], seed: 5);
    }

    [Fact]
    public void Backward_MatchesFiniteDifferencesOfTheLoss_ForEveryParameter_KerasSamePaddingPerSide()
    {
        Assert.Equal(3 * 2 * 16 + 3 + 4 * 3 * 9 + 4 + 2 * 4 * 4 + 3 * 12 + 3, KerasSamePaddingNet.ParameterCount);
        AssertBackwardMatchesFiniteDifferences(new KerasSamePaddingNet(), [1, 2], seed: 6);
    }

    /// <summary>
    /// Predict against the network written out by hand in double precision, each convolution padded by TensorFlow's
    /// rule computed here (not by the kernels' Conv2D.SamePadding): out = ceil(in / s), total = max((out - 1) * s + k - in, 0),
    /// total / 2 above and left. A float network of three small layers: 1e-5 absolute on probabilities.
    /// </summary>
    [Fact]
    public void Predict_MatchesANaiveConvolutionPaddedByTensorFlowsRule()
    {
        var net = new KerasSamePaddingNet();
        var rng = new Rng(12);
        var inputs = new float[3 * KerasSamePaddingNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        for (int step = 0; step < 3; step++) net.TrainStep(inputs.AsSpan(0, 2 * KerasSamePaddingNet.InputSize), [0, 2]);
        var actual = new float[3 * KerasSamePaddingNet.OutputSize];
        net.Predict(inputs, actual);

        for (int sample = 0; sample < 3; sample++)
        {
            double[] x = inputs.AsSpan(sample * KerasSamePaddingNet.InputSize, KerasSamePaddingNet.InputSize).ToArray().Select(v => (double)v).ToArray();
            (double[] h1, int height1, int width1) = SameConvolution(x, 2, 9, 8, net.Conv2D1Weight.ToArray(), net.Conv2D1Bias.ToArray(), 3, 4, 1);
            Assert.Equal((9, 8), (height1, width1));
            h1 = h1.Select(Math.Tanh).ToArray();
            (double[] h2, int height2, int width2) = SameConvolution(h1, 3, height1, width1, net.Conv2D2Weight.ToArray(), net.Conv2D2Bias.ToArray(), 4, 3, 2);
            Assert.Equal((5, 4), (height2, width2));
            h2 = h2.Select(v => v > 0 ? v : Math.Exp(v) - 1).ToArray();
            (double[] h3, int height3, int width3) = SameConvolution(h2, 4, height2, width2, net.Conv2D3Weight.ToArray(), [], 2, 2, 2);
            Assert.Equal((3, 2), (height3, width3));
            float[] dense = net.Dense1Weight.ToArray(), denseBias = net.Dense1Bias.ToArray();
            double[] logits = new double[3];
            for (int o = 0; o < 3; o++)
            {
                logits[o] = denseBias[o];
                for (int i = 0; i < h3.Length; i++) logits[o] += dense[o * h3.Length + i] * h3[i];
            }
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            for (int o = 0; o < 3; o++)
            {
                double expected = Math.Exp(logits[o] - max) / sum;
                Assert.True(Math.Abs(actual[sample * 3 + o] - expected) < 1e-5, $"sample {sample} class {o}: Predict {actual[sample * 3 + o]}, reference {expected}");
            }
        }
    }

    // One sample's convolution with TensorFlow's SAME padding, written from its definition.
    private static (double[] Output, int Height, int Width) SameConvolution(double[] x, int channels, int height, int width,
        float[] weight, float[] bias, int filters, int kernel, int stride)
    {
        int outHeight = (height + stride - 1) / stride, outWidth = (width + stride - 1) / stride;
        int top = Math.Max((outHeight - 1) * stride + kernel - height, 0) / 2, left = Math.Max((outWidth - 1) * stride + kernel - width, 0) / 2;
        var y = new double[filters * outHeight * outWidth];
        for (int f = 0; f < filters; f++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double sum = bias.Length == 0 ? 0 : bias[f];
            for (int c = 0; c < channels; c++)
            for (int kh = 0; kh < kernel; kh++)
            for (int kw = 0; kw < kernel; kw++)
            {
                int ih = oh * stride - top + kh, iw = ow * stride - left + kw;
                if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                sum += weight[((f * channels + c) * kernel + kh) * kernel + kw] * x[(c * height + ih) * width + iw];
            }
            y[(f * outHeight + oh) * outWidth + ow] = sum;
        }
        return (y, outHeight, outWidth);
    }

    /// <summary>
    /// The generated wiring (buffers, im2col scratch reuse, argmax, pooling backward into the right buffer, reshape
    /// aliasing, activation backward in place) against central differences of the network's own training-mode loss
    /// (batch statistics for batch normalization), for every parameter.
    /// Tolerance: eps = 1e-3 (not the shared 1e-2) keeps max-pool windows from switching their winner inside the
    /// difference (a switch is a kink, not a rounding error; at 1e-2 some do). The float loss (about 1) then carries
    /// a rounding noise of about 1e-7 / 2e-3 = 5e-5 in each difference, so 5e-4 absolute plus 1% relative passes
    /// correct gradients and fails a wiring bug, which is off by O(1).
    /// </summary>
    private static void AssertBackwardMatchesFiniteDifferences(INetwork<int> net, int[] labels, int seed)
    {
        var rng = new Rng((ulong)seed);
        var inputs = new float[labels.Length * net.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);

        net.ComputeGradients(inputs, labels);
        float[] analytic = net.Gradients.ToArray();
        int checkedCount = NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic, () => net.ComputeLoss(inputs, labels),
            absolute: 5e-4, relative: 1e-2, epsilon: 1e-3f);
        Assert.Equal(net.ParameterCount, checkedCount);

        // The check means something only if gradients reach (almost) every parameter, the first layer's included.
        int nonZero = analytic.Count(g => Math.Abs(g) > 1e-5);
        Assert.True(nonZero >= net.ParameterCount * 9 / 10, $"only {nonZero} of {net.ParameterCount} gradients are non-zero");
    }

    /// <summary>
    /// Every convolution and pooling path (im2col with padding, stride and dilation, pointwise, the 2x2 and general
    /// pooling kernels, global pooling, reshape), full and partial batches. Small networks: allocation does not
    /// depend on size, and the first calls of a method run unoptimized code.
    /// </summary>
    [Fact]
    public void TrainStep_AllocatesNothing()
    {
        var first = new ConvGradientNet();
        var second = new StridedConvGradientNet();
        var rng = new Rng(3);
        var inputs = new float[3 * StridedConvGradientNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(0, 1);
        int[] labels = [0, 1, 2];
        void Steps()
        {
            first.TrainStep(inputs.AsSpan(0, 3 * ConvGradientNet.InputSize), labels);
            first.TrainStep(inputs.AsSpan(0, 1 * ConvGradientNet.InputSize), labels.AsSpan(0, 1));
            second.TrainStep(inputs.AsSpan(0, 2 * StridedConvGradientNet.InputSize), labels.AsSpan(0, 2));
            second.TrainStep(inputs.AsSpan(0, 1 * StridedConvGradientNet.InputSize), labels.AsSpan(0, 1));
        }

        for (int i = 0; i < 3; i++) Steps();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Steps();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SmallLeNet_LossFallsALot_OnAFewMnistBatches()
    {
        MnistDataset data = MnistDataset.Load(TestPaths.MnistFolder);
        var net = new SmallLeNet();
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, SmallLeNet.BatchSize, seed: 1);
        batches.StartEpoch(0);
        const int Steps = 60;
        var losses = new float[Steps];
        for (int b = 0; b < Steps; b++)
        {
            batches.GetBatch(b, out var images, out var labels);
            losses[b] = net.TrainStep(images, labels);
        }

        // Chance is ln(10) = 2.3; the mean of the last 10 batches must be well under half of the first 10's.
        double first = losses.Take(10).Average(), last = losses.Skip(Steps - 10).Average();
        Assert.True(first > 1.9, $"first batches' loss {first}");
        Assert.True(last < first / 2.5, $"loss went from {first} to {last}");
        double accuracy = net.Evaluate(data.TestImages.AsSpan(0, 500 * MnistDataset.ImageSize), data.TestLabels.AsSpan(0, 500)).Accuracy;
        Assert.True(accuracy > 0.7, $"test accuracy after {Steps} batches {accuracy:P1}");
    }

    [Fact]
    public void DefaultInit_MatchesPyTorchConv2dBounds()
    {
        // PyTorch's Conv2d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = inChannels * 5 * 5.
        var net = new SmallLeNet();
        float bound1 = 1 / MathF.Sqrt(1 * 25), bound2 = 1 / MathF.Sqrt(6 * 25);
        Assert.Equal(6 * 1 * 5 * 5, net.Conv2D1Weight.Length);
        Assert.Equal(8 * 6 * 5 * 5, net.Conv2D2Weight.Length);
        foreach (float w in net.Conv2D1Weight) Assert.InRange(w, -bound1, bound1);
        foreach (float b in net.Conv2D1Bias) Assert.InRange(b, -bound1, bound1);
        foreach (float w in net.Conv2D2Weight) Assert.InRange(w, -bound2, bound2);
        Assert.True(net.Conv2D2Weight.ToArray().Max() > bound2 * 0.9f, "the weights fill their range");
        Assert.Equal(0, new ConvGradientNet().Conv2D2Bias.Length);
    }

    [Fact]
    public void NaNInput_ThrowsNonFiniteLoss_NamingTheInputs()
    {
        var net = new SmallLeNet();
        var inputs = new float[2 * SmallLeNet.InputSize];
        inputs[SmallLeNet.InputSize + 30] = float.NaN;
        var e = Assert.Throws<NonFiniteLossException>(() => net.TrainStep(inputs, [1, 2]));
        Assert.Contains("the inputs (row 1, column 30", e.Message);
    }
}
