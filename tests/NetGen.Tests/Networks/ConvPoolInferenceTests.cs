using NetGen.Kernels;

namespace NetGen.Tests.Networks;

/// <summary>Both fused kernels' shapes (6 channels on 28x28: planes; 16 on 14x14: channels) and a strided identity convolution.</summary>
[Network(BatchSize = 5, Seed = 3)]
[Input(3, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]                    // 6x28x28, planes kernel
[MaxPool2D(2)]                                                                // 6x14x14
[Conv2D(16, 5, Activation = Activation.ReLU)]                                 // 16x10x10, channels kernel
[MaxPool2D(2)]                                                                // 16x5x5
[Conv2D(17, 3, Stride = 2, Padding = 2)]                                      // 17x4x4, channels kernel (stride 2)
[MaxPool2D(2)]                                                                // 17x2x2
[Flatten]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam]
public partial class FusedPoolingNet;

/// <summary>FusedPoolingNet with its activations as layers of their own: no convolution is fused with its pooling.</summary>
[Network(BatchSize = 5, Seed = 3)]
[Input(3, 28, 28)]
[Conv2D(6, 5, Padding = 2)]
[Activation(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5)]
[Activation(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(17, 3, Stride = 2, Padding = 2)]
[Reshape(17, 4, 4)]   // a no-op that keeps the pooling apart ([Activation(Activation.Identity)] emits code that does not compile)
[MaxPool2D(2)]
[Flatten]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam]
public partial class UnfusedPoolingNet;

/// <summary>ReLU convolutions before max pools (2x2 and an overlapping 3x3): their ReLU backward runs on the pooled gradient.</summary>
[Network(BatchSize = 3, Seed = 5)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Padding = 1, Activation = Activation.ReLU)]   // 4x9x9
[MaxPool2D(3, Stride = 2, Padding = 1)]                     // 4x5x5
[Conv2D(3, 2, Activation = Activation.ReLU)]                // 3x4x4
[MaxPool2D(2, Stride = 1)]                                  // 3x3x3
[Flatten]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class ReluPoolGradientNet;

/// <summary>ReluPoolGradientNet with its ReLUs as layers of their own: their backward runs on the convolutions' full gradients.</summary>
[Network(BatchSize = 3, Seed = 5)]
[Input(2, 9, 9)]
[Conv2D(4, 3, Padding = 1)]
[Activation(Activation.ReLU)]
[MaxPool2D(3, Stride = 2, Padding = 1)]
[Conv2D(3, 2)]
[Activation(Activation.ReLU)]
[MaxPool2D(2, Stride = 1)]
[Flatten]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class SeparateReluPoolGradientNet;

/// <summary>
/// Inference's fused convolution + max pooling (Predict, PredictClass) gives what the training-mode forward (the
/// convolution and pooling kernels apart) gives.
/// </summary>
public class ConvPoolInferenceTests
{
    // The ReLU mask taken on the pooled gradient gives the gradients that the mask on the convolution's gives, bit for bit.
    [Fact]
    public void Backward_WithReluMaskedOnThePooledGradient_GivesTheSeparateReluGradients()
    {
        var fused = new ReluPoolGradientNet();
        var separate = new SeparateReluPoolGradientNet();
        Assert.Equal(ReluPoolGradientNet.ParameterCount, SeparateReluPoolGradientNet.ParameterCount);
        fused.Parameters.CopyTo(separate.Parameters);
        var rng = new Rng(6);
        int[] labels = [2, 0, 1];
        var inputs = new float[labels.Length * ReluPoolGradientNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        Assert.Equal(separate.ComputeGradients(inputs, labels), fused.ComputeGradients(inputs, labels));
        float[] expected = separate.Gradients.ToArray();
        Assert.Equal(expected, fused.Gradients.ToArray());
        int nonZero = expected.Count(g => g != 0f);
        Assert.True(nonZero >= expected.Length * 3 / 4, $"only {nonZero} of {expected.Length} gradients are non-zero");
    }

    // Training's fused convolution + pooling (channel kernel, argmax from the kernel, no convolution output) gives the
    // unfused layers' loss and gradients, to the rounding of a different summation order in the forward.
    [Fact]
    public void ComputeGradients_WithConvolutionFusedWithPooling_MatchesTheUnfusedLayers()
    {
        var fused = new FusedPoolingNet();
        var unfused = new UnfusedPoolingNet();
        Assert.Equal(FusedPoolingNet.ParameterCount, UnfusedPoolingNet.ParameterCount);
        fused.Parameters.CopyTo(unfused.Parameters);
        var random = new Random(12);
        foreach (int rows in new[] { FusedPoolingNet.BatchSize, 2 })
        {
            float[] inputs = Convolution.TestData.Uniform(random, rows * FusedPoolingNet.InputSize);
            int[] labels = Enumerable.Range(0, rows).Select(i => (3 * i + 1) % 10).ToArray();
            float expectedLoss = unfused.ComputeGradients(inputs, labels), loss = fused.ComputeGradients(inputs, labels);
            Assert.True(Math.Abs(expectedLoss - loss) <= 1e-5f * Math.Abs(expectedLoss), $"rows {rows}: loss {loss} against {expectedLoss}");
            float[] expected = unfused.Gradients.ToArray(), actual = fused.Gradients.ToArray();
            float largest = expected.Max(Math.Abs);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * largest, $"rows {rows}, gradient {i}: {actual[i]} against {expected[i]} (largest {largest})");
            Assert.True(expected.Count(g => g != 0f) >= expected.Length / 2);
        }
    }

    [Fact]
    public void TrainStepAndPredict_AllocateNothing()
    {
        var network = new FusedPoolingNet();
        float[] inputs = Convolution.TestData.Uniform(new Random(2), FusedPoolingNet.BatchSize * FusedPoolingNet.InputSize);
        int[] labels = [1, 2, 3, 4, 5];
        float[] outputs = new float[FusedPoolingNet.BatchSize * FusedPoolingNet.OutputSize];
        void Steps()
        {
            network.TrainStep(inputs, labels);
            network.Predict(inputs, outputs);
            network.Predict(inputs.AsSpan(0, FusedPoolingNet.InputSize), outputs.AsSpan(0, FusedPoolingNet.OutputSize));
        }

        for (int i = 0; i < 3; i++) Steps();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Steps();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Predict_WithFusedConvolutionAndPooling_MatchesTheTrainingForward()
    {
        var network = new FusedPoolingNet();
        var random = new Random(8);
        foreach (int rows in new[] { 1, 3, FusedPoolingNet.BatchSize })
        {
            float[] inputs = Convolution.TestData.Uniform(random, rows * FusedPoolingNet.InputSize);
            float[] logits = network.Forward(inputs).ToArray();
            float[] expected = new float[logits.Length];
            Activations.SoftmaxForward(logits, expected, rows, FusedPoolingNet.OutputSize);
            float[] predicted = new float[logits.Length];
            network.Predict(inputs, predicted);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - predicted[i]) <= 1e-5f, $"rows {rows}, output {i}: {predicted[i]} against {expected[i]}");
            int best = Array.IndexOf(expected, expected.AsSpan(0, FusedPoolingNet.OutputSize).ToArray().Max());
            Assert.Equal(best, network.PredictClass(inputs.AsSpan(0, FusedPoolingNet.InputSize)));
        }
    }
}
