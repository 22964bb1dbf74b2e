using NetGen;

namespace Samples.Gpt;

// A character GPT in nanoGPT's shape and names (transformer.h.0.attn.c_attn.weight becomes h.0.attn.c_attn.weight):
// token and learned position embeddings, 4 pre-LayerNorm blocks of causal 4-head self-attention and a GELU MLP (4x),
// a final LayerNorm and a linear head. The benchmark's model (tests/NetGen.Benchmarks, gpt_char_train): width 128,
// 64 positions, batch 32, AdamW lr 1e-3 with weight decay 0.1, clipping at norm 1, no dropout.

/// <summary>nanoGPT's MLP: c_fc (4x, GELU), then c_proj back to the width.</summary>
[NetworkBlock]
[Dense(512, Activation.GELU, Name = "c_fc")]
[Dense(128, Name = "c_proj")]
public static class Mlp;

/// <summary>One pre-LayerNorm block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
[NetworkBlock]
[Residual]
[LayerNorm(Name = "ln_1")]
[MultiHeadAttention(4, Causal = true, Name = "attn")]
[EndResidual]
[Residual]
[LayerNorm(Name = "ln_2")]
[Block(typeof(Mlp), Name = "mlp")]
[EndResidual]
public static class GptBlock;

/// <summary>The character GPT: 65 characters, width 128, 4 blocks, 64 positions.</summary>
[Network(BatchSize = 32, Seed = 1)]
[Input(64)]
[Embedding(65, 128, Name = "wte")]
[PositionalEmbedding(Name = "wpe")]
[Block(typeof(GptBlock), Repeat = 4, Name = "h")]
[LayerNorm(Name = "ln_f")]
[Dense(65, Name = "lm_head")]
[SoftmaxCrossEntropy]
[AdamW(LearningRate = 1e-3, WeightDecay = 0.1)]
[ClipGradients(MaxNorm = 1)]
public partial class CharGpt;
