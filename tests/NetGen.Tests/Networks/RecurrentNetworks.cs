namespace NetGen.Tests.Networks;

// Generated recurrent networks that the recurrent tests check, train and compare.

/// <summary>Every recurrent piece stacked, odd sizes, 4 steps: embedding, Lstm, Gru, SimpleRnn, a per-step dense.</summary>
[Network(BatchSize = 3, Seed = 7)]
[Input(4)]
[Embedding(5, 3)]
[Lstm(3)]
[Gru(2)]
[SimpleRnn(3)]
[Dense(5)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class RecurrentGradientCheckNet;

/// <summary>Float sequences into an Lstm whose last state feeds a classifier (ReturnSequences = false).</summary>
[Network(BatchSize = 2, Seed = 5)]
[Input(3, 2)]
[Gru(3)]
[Lstm(4, ReturnSequences = false)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class LastStateGradientCheckNet;

/// <summary>Stateful stack over 3 steps; <see cref="StatefulLongNet"/> is the same over 6 steps.</summary>
[Network(BatchSize = 2, Seed = 9)]
[Input(3)]
[Embedding(6, 4)]
[Lstm(5, Stateful = true)]
[Gru(3, Stateful = true)]
[SimpleRnn(4, Stateful = true)]
[Dense(6)]
[SoftmaxCrossEntropy]
[Adam]
public partial class StatefulShortNet;

/// <summary>Same layers as <see cref="StatefulShortNet"/>, not stateful, over 6 steps.</summary>
[Network(BatchSize = 2, Seed = 9)]
[Input(6)]
[Embedding(6, 4)]
[Lstm(5)]
[Gru(3)]
[SimpleRnn(4)]
[Dense(6)]
[SoftmaxCrossEntropy]
[Adam]
public partial class StatefulLongNet;

/// <summary>Recall: the label is the token seen 10 steps earlier (the first one), read from the last state.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(10)]
[Embedding(8, 8)]
[Lstm(16, ReturnSequences = false)]
[Dense(4)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.02)]
public partial class RecallLstmNet;
