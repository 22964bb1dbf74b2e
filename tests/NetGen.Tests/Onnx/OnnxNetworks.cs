namespace NetGen.Tests.Onnx;

// Generated networks that the ONNX export tests train, export and run in ONNX Runtime.

/// <summary>Every activation, dropout, batch norm over features, layer norm, a dense layer without bias.</summary>
[Network(BatchSize = 8, Seed = 3)]
[Input(12)]
[Dense(16, Activation.ReLU)]
[Dropout(0.3)]
[Dense(16, Activation.GELU)]
[BatchNorm]
[Dense(12, Activation.SiLU)]
[LayerNorm]
[Dense(12, Activation.GELUTanh)]
[Activation(Activation.ELU, Alpha = 0.7)]
[Dense(10, Activation.LeakyReLU, ActivationAlpha = 0.2)]
[Dense(10, Activation.Softplus, UseBias = false)]
[Dense(10, Activation.Sigmoid)]
[Dense(8, Activation.Tanh)]
[Dense(4)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01)]
public partial class OnnxMlpNet;

/// <summary>LeNet-like: padded 5x5 convolution, batch norm per channel, max pool, 3x3 convolution, average pool, flatten, dense with dropout.</summary>
[Network(BatchSize = 16, Seed = 1)]
[Input(1, 16, 16)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]   // 6x16x16
[BatchNorm]
[MaxPool2D(2)]                                              // 6x8x8
[Conv2D(8, 3, Activation = Activation.ReLU)]                // 8x6x6
[AvgPool2D(2)]                                              // 8x3x3
[Flatten]
[Dense(32, Activation.ReLU)]
[Dropout(0.25)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.003)]
public partial class OnnxLeNet;

/// <summary>Tokens through an embedding, Lstm, Gru and SimpleRnn over every step, a per-step classifier.</summary>
[Network(BatchSize = 4, Seed = 5)]
[Input(7)]
[Embedding(11, 6)]
[Lstm(8)]
[Gru(5)]
[SimpleRnn(4)]
[Dense(11)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.02)]
public partial class OnnxSequenceNet;

/// <summary>Tokens into a Gru whose last state feeds a classifier.</summary>
[Network(BatchSize = 4, Seed = 6)]
[Input(9)]
[Embedding(7, 5)]
[Gru(6, ReturnSequences = false)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.02)]
public partial class OnnxGruLastStateNet;

/// <summary>Regression on a (2, 3) sequence: softmax at each step, a per-step dense layer, layer norm at each step over 4 features.</summary>
[Network(BatchSize = 4, Seed = 2)]
[Input(2, 3)]
[Softmax]
[Dense(4, Activation.Tanh)]
[LayerNorm]
[Dense(3)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05)]
public partial class OnnxSequenceRegressionNet;
