namespace NetGen.Gpu.Tests;

// Small networks with awkward sizes that run on both backends. Together they cover every activation
// (Identity, ReLU, Sigmoid, Tanh), both losses, and SGD (plain, momentum, Nesterov) and Adam.

[Network(BatchSize = 8, Seed = 7)]
[Input(13)]
[Dense(17, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dense(5)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01, WeightDecay = 1e-3)]
public partial class ReluAdamNet;

[Network(BatchSize = 6, Seed = 11)]
[Input(1, 3, 3)]
[Flatten]
[Dense(11, Activation.Sigmoid)]
[Dense(7, Activation.Tanh, UseBias = false)]
[Dense(4)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class SigmoidTanhMomentumNet;

[Network(BatchSize = 9, Seed = 5)]
[Input(6)]
[Dense(9, Activation.Tanh)]
[Dense(3)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05, Momentum = 0.9, Nesterov = true)]
public partial class TanhNesterovRegression;

[Network(BatchSize = 3, Seed = 2)]
[Input(5)]
[Dense(4, Activation.Identity)]
[Dense(2, Activation.Sigmoid)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05, WeightDecay = 1e-3)]
public partial class IdentityPlainSgdRegression;

// Wide enough that every product spans several 16 x 16 tiles (rows 20, inputs 40, units 33), with edges.
[Network(BatchSize = 20, Seed = 3)]
[Input(40)]
[Dense(33, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
public partial class TiledNet;

// Just past one 16 x 16 tile in every dimension but the batch: the shared-memory kernels' edges, with few groups
// (on the CPU accelerator each 256-thread group and barrier is slow).
[Network(BatchSize = 5, Seed = 13)]
[Input(17)]
[Dense(18, Activation.ReLU)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01)]
public partial class TileEdgeNet;
