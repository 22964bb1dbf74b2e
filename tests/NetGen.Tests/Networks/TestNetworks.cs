namespace NetGen.Tests.Networks;

// Small generated networks that the tests train, check and break.

[Network(BatchSize = 4, Seed = 3)]
[Input(2)]
[Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.05)]
public partial class XorNet;

[Network(BatchSize = 5, Seed = 11)]
[Input(1, 2, 3)]
[Flatten]
[Dense(7, Activation.Sigmoid)]
[Dense(5, Activation.ReLU, Init = WeightInit.HeNormal)]
[Dense(4, Activation.Tanh, UseBias = false)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class GradientCheckNet;

[Network(BatchSize = 8, Seed = 5)]
[Input(3)]
[Dense(6, Activation.Tanh)]
[Dense(2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05, Momentum = 0.9, Nesterov = true)]
public partial class RegressionNet;

[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(64, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3)]
public partial class SmallMnistNet;

[Network(BatchSize = 4, Seed = 9)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Activation(Activation.Identity)]
[Dense(2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05)]
public partial class IdentityLayerNet;

// IdentityLayerNet without its identity layer: the same parameters from the same seed.
[Network(BatchSize = 4, Seed = 9)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05)]
public partial class IdentityFreeNet;
