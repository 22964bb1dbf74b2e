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

/// <summary>
/// Inference's fused convolution + max pooling (Predict, PredictClass) gives what the training-mode forward (the
/// convolution and pooling kernels apart) gives.
/// </summary>
public class ConvPoolInferenceTests
{
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
