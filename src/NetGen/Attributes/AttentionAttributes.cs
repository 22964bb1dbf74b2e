namespace NetGen;

/// <summary>
/// Multi-head scaled dot-product self-attention over a (steps, width) sequence, as nanoGPT's
/// <c>CausalSelfAttention</c>: one fused projection to q|k|v (<c>c_attn</c>, weight [3·width, width]), the heads'
/// attention (one fused kernel: scores, softmax and the weighted sum of the values, no T x T buffer kept), and the
/// output projection (<c>c_proj</c>, weight [width, width]). The head size is width / heads. Output: (steps, width).
/// </summary>
/// <remarks>
/// Checkpoint tensors are named <c>{Name}.c_attn.weight</c>, <c>{Name}.c_attn.bias</c>, <c>{Name}.c_proj.weight</c> and
/// <c>{Name}.c_proj.bias</c>, PyTorch's Linear layout, so inside <c>[Block(..., Name = "blocks")]</c> a layer named
/// <c>attn</c> reads nanoGPT's <c>blocks.0.attn.c_attn.weight</c>. PyTorch's <c>nn.MultiheadAttention</c> keeps the
/// same two matrices as <c>in_proj_weight</c> and <c>out_proj.weight</c>.
/// </remarks>
/// <example>
/// <code>
/// [NetworkBlock]
/// [Residual] [LayerNorm(Name = "ln_1")] [MultiHeadAttention(4, Causal = true, Name = "attn")] [EndResidual]
/// [Residual] [LayerNorm(Name = "ln_2")] [Dense(512, Activation.GELU, Name = "c_fc")] [Dense(128, Name = "c_proj")] [EndResidual]
/// public static class GptBlock;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MultiHeadAttentionAttribute : LayerAttribute
{
    /// <summary>Declares attention with <paramref name="heads"/> heads; the sequence's width must be a multiple of it.</summary>
    public MultiHeadAttentionAttribute(int heads) => Heads = heads;

    /// <summary>Number of heads; each attends with width / heads features.</summary>
    public int Heads { get; }

    /// <summary>
    /// Whether position t attends only to positions 0..t (a language model's mask; the kernel skips the masked half
    /// rather than computing it). Default false, as PyTorch's <c>nn.MultiheadAttention</c> without a mask.
    /// </summary>
    public bool Causal { get; set; }

    /// <summary>Probability of dropping an attention weight in training (nanoGPT's <c>attn_dropout</c>). Default 0.</summary>
    public double Dropout { get; set; }

    /// <summary>Whether the two projections have biases. Default true.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// Rotates q and k by their position (rotary embeddings, GPT-NeoX's layout) before the scores; the head size must
    /// be even. Default false.
    /// </summary>
    public bool Rotary { get; set; }
}

/// <summary>How <see cref="PositionalEmbeddingAttribute"/> encodes positions.</summary>
public enum PositionEncoding
{
    /// <summary>A learned table [steps, width], N(0, 1) initialized as nn.Embedding (GPT-2's <c>wpe</c>).</summary>
    Learned = 0,
    /// <summary>The fixed sine and cosine table of "Attention is all you need" (no parameters).</summary>
    Sinusoidal = 1,
}

/// <summary>
/// Adds a position's embedding to every position of a (steps, width) sequence, usually right after the token
/// [Embedding]: <c>y[t] = x[t] + table[t]</c>. Learned (default, checkpoint tensor <c>{Name}.weight</c> [steps, width])
/// or sinusoidal. For rotary embeddings set <see cref="MultiHeadAttentionAttribute.Rotary"/> instead.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PositionalEmbeddingAttribute : LayerAttribute
{
    /// <summary>Declares positional embeddings of the given kind.</summary>
    public PositionalEmbeddingAttribute(PositionEncoding encoding = PositionEncoding.Learned) => Encoding = encoding;

    /// <summary>Learned or sinusoidal.</summary>
    public PositionEncoding Encoding { get; }
}
