namespace NetGen.Benchmarks;

// The recurrent workloads. `char_lstm_train v65 e32 h128 t64 b32 adam` is ../shared/bench/pytorch_peer.py's CharLstm:
// nn.Embedding(65, 32), nn.LSTM(32, 128, batch_first=True) starting from a zero state every step, nn.Linear(128, 65)
// at every step, cross-entropy over all B*T positions, clip_grad_norm_(1.0), Adam lr 2e-3. The `recall_*` workloads
// are NetGen's own (no peer): samples/CharRnn's part-1 networks at T = 100, the small-hidden, long-sequence shape
// whose step time decides how far that sample gets in its budget.

/// <summary>The peer's character LSTM: embedding 65->32, LSTM 128, dense 65 per step, T = 64, B = 32.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 32)]
[Lstm(128)]
[Dense(65)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3)]
[ClipGradients(MaxNorm = 1)]
public partial class CharLstmPeer;

/// <summary>samples/CharRnn's RecallLstm100: 100 tokens of 16, embedding 16, LSTM 32, last state to 8 classes.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[Lstm(32, ReturnSequences = false, ForgetBias = 5)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallLstmBench;

/// <summary>samples/CharRnn's RecallGru100.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[Gru(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallGruBench;

#pragma warning disable NG0072 // a plain RNN over 100 steps: the sample's contestant, timed as it is
/// <summary>samples/CharRnn's RecallSimpleRnn100.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(100)]
[Embedding(16, 16)]
[SimpleRnn(32, ReturnSequences = false)]
[Dense(8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
[ClipGradients(MaxNorm = 1)]
public partial class RecallSimpleRnnBench;
#pragma warning restore NG0072

/// <summary>The recurrent workloads, registered in <see cref="Workloads.All"/>.</summary>
internal static class RecurrentWorkloads
{
    public static readonly Workload[] All =
    [
        new("char_lstm_train v65 e32 h128 t64 b32 adam", 32 * 64, Flops(65, 32, 128, 4, 64, 32, outputSteps: 64), CharLstmTrain),
        new("recall_lstm_train v16 e16 h32 t100 b32 adam", 32, Flops(8, 16, 32, 4, 100, 32, outputSteps: 1), () => RecallTrain(new RecallLstmBench().TrainStep)),
        new("recall_gru_train v16 e16 h32 t100 b32 adam", 32, Flops(8, 16, 32, 3, 100, 32, outputSteps: 1), () => RecallTrain(new RecallGruBench().TrainStep)),
        new("recall_rnn_train v16 e16 h32 t100 b32 adam", 32, Flops(8, 16, 32, 1, 100, 32, outputSteps: 1), () => RecallTrain(new RecallSimpleRnnBench().TrainStep)),
    ];

    // Counted like pytorch_peer.py's MLPs (2 flops per multiply-add of the products, a training step = 3 forward
    // passes): per sample and step the cell's gates·H·(E + H) multiply-adds, plus the dense layer on the steps that have one.
    private static double Flops(int classes, int embedding, int hidden, int gates, int steps, int batch, int outputSteps)
    {
        double cell = 2.0 * gates * hidden * (embedding + hidden) * steps;
        double dense = 2.0 * hidden * classes * outputSteps;
        return 3 * batch * (cell + dense);
    }

    // Uniform tokens and per-step targets, as torch.randint gives the peer.
    private static Action CharLstmTrain()
    {
        var network = new CharLstmPeer();
        int[] inputs = RandomTokens(CharLstmPeer.BatchSize * CharLstmPeer.InputSize, 65, seed: 1);
        int[] labels = RandomTokens(CharLstmPeer.BatchSize * CharLstmPeer.InputSize, 65, seed: 2);
        return () => network.TrainStep(inputs, labels);
    }

    private delegate float TokenTrainStep(ReadOnlySpan<int> inputs, ReadOnlySpan<int> labels);

    // The generated token networks share no interface: the step is passed as a delegate (one call per step, no allocation).
    private static Action RecallTrain(TokenTrainStep trainStep)
    {
        int[] inputs = RandomTokens(32 * 100, 16, seed: 1);
        int[] labels = RandomTokens(32, 8, seed: 2);
        return () => trainStep(inputs, labels);
    }

    private static int[] RandomTokens(int length, int vocabulary, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = rng.NextInt(vocabulary);
        return tokens;
    }
}
