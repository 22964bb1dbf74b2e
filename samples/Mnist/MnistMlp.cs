using NetGen;

namespace Samples.Mnist;

/// <summary>
/// The classic 784-256-128-10 ReLU MLP, trained with Adam on 64-image batches. [Bfloat16Inference] adds PredictBfloat16,
/// which the sample runs on the test digits after training to print the accuracy with bfloat16 weights.
/// </summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(784)]                      // a 28x28 image, already flattened: TensorFlow's reshape(-1, 784)
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
[Bfloat16Inference]
public partial class MnistMlp;
