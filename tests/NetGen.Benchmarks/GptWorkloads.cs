namespace NetGen.Benchmarks;

// The transformer workloads, ../shared/bench/pytorch_peer.py's Gpt: vocabulary 65, width 128, 4 pre-LayerNorm blocks
// of causal 4-head self-attention (fused qkv and output projections with bias) and a GELU MLP (4x), learned positional
// embeddings, a final LayerNorm and a linear head without weight tying; 64 positions, batch 32; AdamW lr 1e-3, weight
// decay 0.1 on every parameter, gradient clipping at norm 1.0, no dropout. Cross-entropy over all B*T positions.

/// <summary>One pre-LayerNorm block of the peer's Gpt (its Block: ln1, qkv, proj, ln2, fc, fc2).</summary>
[NetworkBlock]
[Residual]
[LayerNorm(Name = "ln1")]
[MultiHeadAttention(4, Causal = true, Name = "attn")]
[EndResidual]
[Residual]
[LayerNorm(Name = "ln2")]
[Dense(512, Activation.GELU, Name = "fc")]
[Dense(128, Name = "fc2")]
[EndResidual]
public static class GptPeerBlock;

/// <summary>The peer's Gpt at batch 32, trained.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 128, Name = "tok")]
[PositionalEmbedding(Name = "pos")]
[Block(typeof(GptPeerBlock), Repeat = 4, Name = "blocks")]
[LayerNorm(Name = "ln")]
[Dense(65, Name = "head")]
[SoftmaxCrossEntropy]
[AdamW(LearningRate = 1e-3, WeightDecay = 0.1)]
[ClipGradients(MaxNorm = 1)]
public partial class GptPeer;

/// <summary>The same model at batch 1, for the one-sequence inference workload.</summary>
[Network(BatchSize = 1, Seed = 1)]
[Input(64)]
[Embedding(65, 128, Name = "tok")]
[PositionalEmbedding(Name = "pos")]
[Block(typeof(GptPeerBlock), Repeat = 4, Name = "blocks")]
[LayerNorm(Name = "ln")]
[Dense(65, Name = "head")]
[SoftmaxCrossEntropy]
[AdamW(LearningRate = 1e-3, WeightDecay = 0.1)]
[ClipGradients(MaxNorm = 1)]
public partial class GptPeerOne;

internal static class GptWorkloads
{
    public static readonly Workload[] All =
    [
        new("gpt_char_train v65 d128 h4 l4 t64 b32 adamw", 32 * 64, Flops(GptPeer.ParameterCount, 32), GptTrain),
        new("gpt_char_infer v65 d128 h4 l4 t64 b1", 1, Flops(GptPeerOne.ParameterCount, 1) / 3, GptInfer),
    ];

    // pytorch_peer.py's gpt_flops: per token 6 N for the weights of a training step plus the attention products
    // (forward 2·2·T·d per token and layer, times 3 with backward); inference is a third of it (the peer reports none).
    private static double Flops(int parameters, int batch) => (double)batch * 64 * (6.0 * parameters + 3.0 * 4 * 64 * 128 * 4);

    // Uniform tokens and per-position targets, as torch.randint gives the peer.
    private static Action GptTrain()
    {
        var network = new GptPeer();
        int[] inputs = RandomTokens(GptPeer.BatchSize * GptPeer.InputSize, 65, seed: 1);
        int[] labels = RandomTokens(GptPeer.BatchSize * GptPeer.InputSize, 65, seed: 2);
        return () => network.TrainStep(inputs, labels);
    }

    // One sequence of 64 tokens to the probabilities at every position (the peer's m(x1) returns the logits).
    private static Action GptInfer()
    {
        var network = new GptPeerOne();
        int[] inputs = RandomTokens(GptPeerOne.InputSize, 65, seed: 3);
        var outputs = new float[GptPeerOne.OutputSize];
        return () => network.Predict(inputs, outputs);
    }

    private static int[] RandomTokens(int length, int vocabulary, ulong seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[length];
        for (int i = 0; i < length; i++) tokens[i] = rng.NextInt(vocabulary);
        return tokens;
    }
}
