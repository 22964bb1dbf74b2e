using NetGen;

namespace Samples.CharRnn;

// Part 1: recall the key token (one of 8) seen T steps earlier, among distractors; 16 tokens, the last state classifies.
// The Lstm's forget bias of 5 (sigmoid(5) = 0.993) opens its memory at the start, as for long-lag tasks, and Program.cs
// nearly closes its input gate (bias -3) so that the distractors do not saturate the cell; the Gru's update-gate bias
// gets the forget gate's treatment in Program.cs (neither has an attribute).

[Network(BatchSize = 32, Seed = 1)]
[Input(10)]
[Embedding(16, 16)]
[SimpleRnn(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallSimpleRnn10;

[Network(BatchSize = 32, Seed = 1)]
[Input(10)]
[Embedding(16, 16)]
[Lstm(32, ReturnSequences = false, ForgetBias = 5)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallLstm10;

[Network(BatchSize = 32, Seed = 1)]
[Input(10)]
[Embedding(16, 16)]
[Gru(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallGru10;

#pragma warning disable NG0072 // a plain RNN over a long sequence: the point of the experiment
[Network(BatchSize = 32, Seed = 1)]
[Input(50)]
[Embedding(16, 16)]
[SimpleRnn(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallSimpleRnn50;
#pragma warning restore NG0072

[Network(BatchSize = 32, Seed = 1)]
[Input(50)]
[Embedding(16, 16)]
[Lstm(32, ReturnSequences = false, ForgetBias = 5)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallLstm50;

[Network(BatchSize = 32, Seed = 1)]
[Input(50)]
[Embedding(16, 16)]
[Gru(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallGru50;

#pragma warning disable NG0072 // a plain RNN over a long sequence: the point of the experiment
[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[SimpleRnn(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallSimpleRnn100;
#pragma warning restore NG0072

[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[Lstm(32, ReturnSequences = false, ForgetBias = 5)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallLstm100;

[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[Gru(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallGru100;

// Part 2: character language models over tinyshakespeare (65 characters), stateful truncated BPTT over 64 steps.

#pragma warning disable NG0072 // the plain RNN is one of the contestants
[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 32)]
[SimpleRnn(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharSimpleRnn;
#pragma warning restore NG0072

[Network(BatchSize = 1, Seed = 1)]
[Input(1)]
[Embedding(65, 32)]
[SimpleRnn(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharSimpleRnnSampler;

[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 32)]
[Lstm(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharLstm;

[Network(BatchSize = 1, Seed = 1)]
[Input(1)]
[Embedding(65, 32)]
[Lstm(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharLstmSampler;

[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 32)]
[Gru(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharGru;

[Network(BatchSize = 1, Seed = 1)]
[Input(1)]
[Embedding(65, 32)]
[Gru(128, Stateful = true)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
[ClipGradients(MaxNorm = 5)]
public partial class CharGruSampler;
