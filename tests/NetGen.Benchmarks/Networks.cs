namespace NetGen.Benchmarks;

// The networks of the shared peers (../shared/bench/pytorch_peer.py, onnxruntime/models.py): Linear layers with ReLU
// between them, softmax cross-entropy, Adam at lr 1e-3. Initialization differs from PyTorch's seed-0 weights, which
// changes no timing.

/// <summary>784-256-128-10 MLP, batch 64: `mlp_train 784-256-128-10 b64 adam` and the small inference workloads.</summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class SmallMlp;

/// <summary>784-1024-1024-10 MLP, batch 256: `mlp_train 784-1024-1024-10 b256 adam` and its inference workload.</summary>
[Network(BatchSize = 256, Seed = 1)]
[Input(784)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class BigMlp;
