using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Generated source for a small GPT is pinned by a reviewed snapshot and compiles cleanly.</summary>
public class TransformerSnapshotTests
{
    /// <summary>Two pre-LayerNorm blocks (nanoGPT's names), learned positions, per-position LayerNorm, generation with the cache.</summary>
    public const string SmallGpt = """
        using NetGen;

        [NetworkBlock]
        [Dense(64, Activation.GELU, Name = "c_fc")]
        [Dense(16, Name = "c_proj")]
        public static class Mlp;

        [NetworkBlock]
        [Residual]
        [LayerNorm(Name = "ln_1")]
        [MultiHeadAttention(2, Causal = true, Name = "attn")]
        [EndResidual]
        [Residual]
        [LayerNorm(Name = "ln_2")]
        [Block(typeof(Mlp), Name = "mlp")]
        [EndResidual]
        public static class GptBlock;

        [Network(BatchSize = 4, Seed = 1)]
        [Input(8)]
        [Embedding(20, 16, Name = "wte")]
        [PositionalEmbedding(Name = "wpe")]
        [Block(typeof(GptBlock), Repeat = 2, Name = "h")]
        [LayerNorm(Name = "ln_f")]
        [Dense(20, Name = "lm_head")]
        [SoftmaxCrossEntropy]
        [AdamW(LearningRate = 1e-3, WeightDecay = 0.1)]
        [ClipGradients(MaxNorm = 1)]
        public partial class SmallGpt;
        """;

    /// <summary>Sinusoidal positions and rotary attention without a mask on float features: no generation members.</summary>
    public const string RotaryEncoder = """
        using NetGen;

        [Network(BatchSize = 2, Seed = 1)]
        [Input(5, 8)]
        [PositionalEmbedding(PositionEncoding.Sinusoidal)]
        [MultiHeadAttention(2, Rotary = true, Dropout = 0.1, UseBias = false)]
        [Softmax]
        [Dense(3)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class RotaryEncoder;
        """;

    [Fact]
    public void SmallGpt_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("SmallGpt", GeneratorHarness.RunClean(SmallGpt), "SmallGpt.g.cs");

    [Fact]
    public void RotaryEncoder_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("RotaryEncoder", GeneratorHarness.RunClean(RotaryEncoder), "RotaryEncoder.g.cs");
}

/// <summary>Attention declarations that cannot work.</summary>
public partial class DiagnosticTests
{
    [Fact]
    public void AttentionOnAVector_ReportsNG0070_AtTheLayer()
    {
        Diagnostic d = AssertSingle("NG0070", """
            [Network] [Input(16)] [[|MultiHeadAttention(2)|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("[MultiHeadAttention] receives a 16 tensor", d.GetMessage());
    }

    [Fact]
    public void HeadsNotDividingTheWidth_ReportsNG0009_AtTheHeads()
    {
        Diagnostic d = AssertSingle("NG0009", """
            [Network] [Input(4, 10)] [MultiHeadAttention([|3|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("a divisor of the sequence's width 10", d.GetMessage());
    }

    [Fact]
    public void RotaryWithAnOddHeadSize_ReportsNG0009_AtRotary() => AssertSingle("NG0009", """
        [Network] [Input(4, 6)] [MultiHeadAttention(2, [|Rotary = true|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void AttentionDropoutOfOne_ReportsNG0009_AtDropout() => AssertSingle("NG0009", """
        [Network] [Input(4, 6)] [MultiHeadAttention(2, [|Dropout = 1.0|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void PositionalEmbeddingOnAVector_ReportsNG0070() => AssertSingle("NG0070", """
        [Network] [Input(16)] [[|PositionalEmbedding|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);
}
