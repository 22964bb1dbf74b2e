using NetGen;

namespace Samples.Pitfalls;

// (1) Overfitting: a wide network on few images, plain versus with its cures.

[Network(BatchSize = 64, Seed = 7)]
[Input(784)]
[Dense(512, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dense(512, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class WidePlain;

[Network(BatchSize = 64, Seed = 7)]
[Input(784)]
[Dropout(0.2)]
[Dense(512, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dropout(0.5)]
[Dense(512, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dropout(0.5)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Regularization(L2 = 3e-3)]
[Adam(LearningRate = 1e-3)]
public partial class WideRegularized;

// (2) Vanishing gradients: eight sigmoid layers with the naive initializer, versus ReLU with He, versus batch norm.

#pragma warning disable NG0040 // The deep saturating stack is the pitfall this sample shows.
[Network(BatchSize = 64, Seed = 3)]
[Input(784)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(128, Activation.Sigmoid)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class DeepSigmoid;
#pragma warning restore NG0040

[Network(BatchSize = 64, Seed = 3)]
[Input(784)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(128, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class DeepReluHe;

[Network(BatchSize = 64, Seed = 3)]
[Input(784)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(128)] [BatchNorm] [Activation(Activation.Sigmoid)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class DeepSigmoidBatchNorm;

// (3) Slow convergence: the same small MLP under four optimizers.

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.01)]
public partial class PlainSgd;

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.01, Momentum = 0.9, Nesterov = true)]
public partial class MomentumSgd;

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class AdamMlp;

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9, Nesterov = true)]
[LinearWarmup(Steps = 125, StartFactor = 0.1)]
[CosineAnnealing(TotalSteps = 1125, MinLearningRate = 1e-3)]
public partial class CosineSgd;

// (4) Depth: 31 hidden layers of 64 with PyTorch's default initializer, plain versus with a residual connection around
// each pair of layers (the same layers and parameters; only the shortcuts differ).

[NetworkBlock]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
public static class PlainPair;

[NetworkBlock]
[Residual]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[EndResidual]
public static class ResidualPair;

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(64, Activation.ReLU)]
[Block(typeof(PlainPair), Repeat = 15, Name = "pairs")]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.02, Momentum = 0.9)]
public partial class DeepPlain;

[Network(BatchSize = 64, Seed = 5)]
[Input(784)]
[Dense(64, Activation.ReLU)]
[Block(typeof(ResidualPair), Repeat = 15, Name = "pairs")]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.02, Momentum = 0.9)]
public partial class DeepResidual;
