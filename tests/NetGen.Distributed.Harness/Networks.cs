namespace NetGen.Distributed.Harness;

// The networks the distributed tests and the benchmark train; like every generated network they implement
// INetwork<int>, which is all DataParallel needs.

/// <summary>Parity test network with Adam, the optimizer most sensitive to gradient rounding (it normalizes each update).</summary>
[Network(BatchSize = 64, Seed = 7)]
[Input(48)]
[Dense(32, Activation.ReLU)]
[Dense(16, Activation.Tanh)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class ParityAdamMlp;

/// <summary>Parity test network with SGD and momentum; also the "other" network of the parameter-count mismatch test.</summary>
[Network(BatchSize = 64, Seed = 7)]
[Input(48)]
[Dense(24, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class ParitySgdMlp;

/// <summary>The benchmark workload of pytorch_peer.py: <c>mlp_train 784-1024-1024-10 b256 adam</c>.</summary>
[Network(BatchSize = 256, Seed = 1)]
[Input(784)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class BenchMlp;

/// <summary>Parity test network with batch normalization: matches one process only with synchronized batch norm.</summary>
[Network(BatchSize = 64, Seed = 7)]
[Input(48)]
[Dense(32)]
[BatchNorm]
[Activation(Activation.ReLU)]
[Dense(10, L2 = 1e-3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class ParityBatchNormMlp;
