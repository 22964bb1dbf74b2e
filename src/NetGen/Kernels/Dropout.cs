using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Inverted dropout (PyTorch's <c>nn.Dropout</c> in training mode): each element is kept with probability 1 - rate and
/// scaled by 1/(1 - rate), so inference needs no rescaling (dropout is then the identity and is not called).
/// The mask comes from the caller's <see cref="Rng"/>, so a seed reproduces it exactly.
/// </summary>
public static class Dropout
{
    // mask[n] = u_n >= rate ? 1/(1-rate) : 0   (u_n uniform from rng);   y[n] = x[n] · mask[n]
    /// <summary>
    /// Draws a fresh mask (0 or 1/(1 - rate) per element, one <see cref="Rng.NextUInt"/> each, in order) and writes
    /// y = x · mask. <paramref name="rate"/> is the probability of dropping, in [0, 1]: 0 keeps everything (mask all 1,
    /// no random numbers drawn), 1 drops everything (mask all 0, as PyTorch). y may be x.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> mask, float rate, ref Rng rng)
    {
        if (y.Length != x.Length) throw new ArgumentException($"y holds {y.Length} floats; expected {x.Length} (the length of x).", nameof(y));
        if (mask.Length != x.Length) throw new ArgumentException($"mask holds {mask.Length} floats; expected {x.Length} (the length of x).", nameof(mask));
        if (!(rate >= 0f && rate <= 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "rate must be in [0, 1].");

        if (rate == 0f) mask.Fill(1f);
        else if (rate == 1f) mask.Clear();
        else
        {
            // Keep when the 32-bit draw is >= rate·2^32: P(drop) = threshold / 2^32 = rate to within 2^-32.
            uint threshold = (uint)Math.Min(Math.Round(rate * 4294967296.0), uint.MaxValue);
            float scale = 1f / (1f - rate);
            for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextUInt() >= threshold ? scale : 0f;
        }
        TensorPrimitives.Multiply(x, mask, y);
    }

    // dx[n] = dy[n] · mask[n]
    /// <summary>dx = dy · mask with the mask of the matching <see cref="Forward"/>; dx is overwritten and may be dy.</summary>
    public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (mask.Length != dy.Length) throw new ArgumentException($"mask holds {mask.Length} floats; expected {dy.Length} (the length of dy).", nameof(mask));
        if (dx.Length != dy.Length) throw new ArgumentException($"dx holds {dx.Length} floats; expected {dy.Length} (the length of dy).", nameof(dx));
        TensorPrimitives.Multiply(dy, mask, dx);
    }
}
