namespace NetGen.Tests.Transformers;

// Small transformer networks for the gradient checks: shapes chosen so that every path of the kernels runs (odd steps,
// head sizes that are not a multiple of the vector width) while a double-precision reference stays quick.

/// <summary>Tokens -> embedding + learned positions -> one causal head -> logits at every position.</summary>
[Network(BatchSize = 2, Seed = 3)]
[Input(5)]
[Embedding(7, 6)]
[PositionalEmbedding(Name = "wpe")]
[MultiHeadAttention(1, Causal = true, Name = "attn")]
[Dense(7, Name = "head")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class CausalOneHeadNet;

/// <summary>A float sequence -> three heads without a mask (every position sees every other) -> classes at every step.</summary>
[Network(BatchSize = 2, Seed = 4)]
[Input(4, 9)]
[MultiHeadAttention(3, Name = "attn")]
[Dense(4, Name = "head")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class UnmaskedThreeHeadNet;

/// <summary>nanoGPT's MLP: c_fc with GELU, then c_proj back to the width.</summary>
[NetworkBlock]
[Dense(32, Activation.GELU, Name = "c_fc")]
[Dense(8, Name = "c_proj")]
public static class TinyMlp;

/// <summary>A pre-LayerNorm GPT block, named as nanoGPT's: ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj.</summary>
[NetworkBlock]
[Residual]
[LayerNorm(Name = "ln_1")]
[MultiHeadAttention(2, Causal = true, Name = "attn")]
[EndResidual]
[Residual]
[LayerNorm(Name = "ln_2")]
[Block(typeof(TinyMlp), Name = "mlp")]
[EndResidual]
public static class TinyGptBlock;

/// <summary>A two-block character GPT in miniature: tokens of 11, width 8, 2 heads, 6 positions.</summary>
[Network(BatchSize = 2, Seed = 5)]
[Input(6)]
[Embedding(11, 8, Name = "wte")]
[PositionalEmbedding(Name = "wpe")]
[Block(typeof(TinyGptBlock), Repeat = 2, Name = "h")]
[LayerNorm(Name = "ln_f")]
[Dense(11, Name = "lm_head")]
[SoftmaxCrossEntropy]
[AdamW(LearningRate = 1e-2, WeightDecay = 0.1)]
[ClipGradients(MaxNorm = 1)]
public partial class TinyGpt;

/// <summary>Causal attention with dropout on the attention weights: the mask drawn in forward must be the one backward recomputes.</summary>
[Network(BatchSize = 2, Seed = 6)]
[Input(7)]
[Embedding(9, 8)]
[MultiHeadAttention(2, Causal = true, Dropout = 0.3, Name = "attn")]
[Dense(9, Name = "head")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class AttentionDropoutNet;
