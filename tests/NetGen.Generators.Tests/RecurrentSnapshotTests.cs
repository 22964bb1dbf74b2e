using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Generated source for recurrent declarations is pinned by reviewed snapshots, and compiles cleanly.</summary>
public class RecurrentSnapshotTests
{
    /// <summary>A stateful character LSTM: token inputs, per-step dense, one label per step, ResetState.</summary>
    public const string CharLstm = """
        using NetGen;

        namespace Samples.CharRnn;

        [Network(BatchSize = 32, Seed = 1)]
        [Input(64)]
        [Embedding(65, 32)]
        [Lstm(128, Stateful = true)]
        [Dense(65)]
        [SoftmaxCrossEntropy]
        [Adam(LearningRate = 2e-3)]
        [ClipGradients(MaxNorm = 5)]
        public partial class CharLstm;
        """;

    /// <summary>A GRU sequence classifier on float features, reading the last state only.</summary>
    public const string GruClassifier = """
        using NetGen;

        [Network(BatchSize = 16, Seed = 3)]
        [Input(20, 3)]
        [Gru(24, ReturnSequences = false)]
        [Dense(4)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class GruClassifier;
        """;

    [Fact]
    public void StatefulCharLstm_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("CharLstm", GeneratorHarness.RunClean(CharLstm), "CharLstm.g.cs");

    [Fact]
    public void GruLastStateClassifier_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("GruClassifier", GeneratorHarness.RunClean(GruClassifier), "GruClassifier.g.cs");
}
