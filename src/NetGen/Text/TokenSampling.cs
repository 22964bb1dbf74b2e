namespace NetGen.Text;

/// <summary>
/// Draws the next token from a language model's logits, as nanoGPT's <c>generate</c>: divide by the temperature, keep the
/// <c>topK</c> largest (ties at the k-th value kept), softmax, draw. Allocates nothing (a stack buffer up to 4096 classes).
/// </summary>
public static class TokenSampling
{
    /// <summary>
    /// A token drawn from softmax(logits / <paramref name="temperature"/>) restricted to the <paramref name="topK"/> largest
    /// logits (0 or at least the vocabulary: all). A temperature of 0 returns the most likely token.
    /// </summary>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, int topK, ref Rng rng)
    {
        if (logits.IsEmpty) throw new ArgumentException("sampling needs at least one logit.", nameof(logits));
        if (!(temperature >= 0) || float.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be finite and at least 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        if (temperature == 0) return best;

        // The k-th largest logit: the threshold below which a logit is dropped.
        float threshold = float.NegativeInfinity;
        if (topK > 0 && topK < logits.Length)
        {
            Span<float> sorted = logits.Length <= 4096 ? stackalloc float[logits.Length] : new float[logits.Length];
            logits.CopyTo(sorted);
            sorted.Sort();
            threshold = sorted[logits.Length - topK];
        }

        double total = 0, max = logits[best];
        for (int i = 0; i < logits.Length; i++) if (logits[i] >= threshold) total += Math.Exp((logits[i] - max) / temperature);
        double draw = rng.NextFloat() * total;
        int last = best;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < threshold) continue;
            last = i;
            draw -= Math.Exp((logits[i] - max) / temperature);
            if (draw < 0) return i;
        }

        return last;
    }
}
