using NetGen;

namespace Samples.LeNet;

/// <summary>
/// LeNet-5 as PyTorch tutorials write it: two 5x5 convolutions with ReLU and 2x2 max pooling, then a
/// 120-84-10 dense head, trained with Adam on 64-image batches.
/// </summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]    // 6x28x28
[MaxPool2D(2)]                                               // 6x14x14
[Conv2D(16, 5, Activation = Activation.ReLU)]                // 16x10x10
[MaxPool2D(2)]                                               // 16x5x5
[Flatten]                                                    // 400
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class LeNet5;
