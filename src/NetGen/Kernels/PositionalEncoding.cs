using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Fixed sinusoidal positional encodings ("Attention is all you need", section 3.5), added to a sequence of
/// embeddings. Learned positions need no kernel of their own: forward adds a row of the table per position (as
/// <see cref="Forward"/> does with a learned table), and the table's gradient is <see cref="Embedding.Backward"/>
/// with the positions 0..T-1 as the tokens of every sample.
/// </summary>
public static class SinusoidalPositions
{
    // table[t, 2i] = sin(t / 10000^(2i/width));  table[t, 2i+1] = cos(t / 10000^(2i/width))
    /// <summary>
    /// Writes the table [positions, width]: even features sin(t·ω_i), odd ones cos(t·ω_i), ω_i = 10000^(-2i/width)
    /// for the pair i (an odd width ends with a sine). Computed in double, rounded once.
    /// </summary>
    public static void Table(Span<float> table, int positions, int width)
    {
        if (positions < 1) throw new ArgumentOutOfRangeException(nameof(positions), positions, "the table needs at least one position.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "the table needs a width of at least 1.");
        if (table.Length < (long)positions * width)
            throw new ArgumentException($"sinusoidal positions: table holds {table.Length} floats; {positions}x{width} needs {(long)positions * width}.", nameof(table));
        for (int t = 0; t < positions; t++)
            for (int f = 0; f < width; f++)
            {
                double angle = t * Math.Pow(10000.0, -(f & ~1) / (double)width);
                table[t * width + f] = (float)((f & 1) == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
    }

    // y[b,t,:] = x[b,t,:] + table[t,:]     x, y [B,T,W], table [≥T, W]
    /// <summary>
    /// Adds row t of <paramref name="table"/> to position t of every sample: y[B, T, width] = x + table[t]. y may be x.
    /// The backward pass is the identity (dx = dy): the fixed table has no gradient, so the generator passes dy on.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> table, Span<float> y, int batch, int steps, int width)
    {
        long size = (long)batch * steps * width;
        if (x.Length < size) throw new ArgumentException($"sinusoidal positions: x holds {x.Length} floats; {batch}x{steps}x{width} needs {size}.", nameof(x));
        if (y.Length < size) throw new ArgumentException($"sinusoidal positions: y holds {y.Length} floats; {batch}x{steps}x{width} needs {size}.", nameof(y));
        if (table.Length < (long)steps * width)
            throw new ArgumentException($"sinusoidal positions: table holds {table.Length} floats; {steps}x{width} needs {(long)steps * width}.", nameof(table));
        int sample = steps * width;
        for (int b = 0; b < batch; b++)
            TensorPrimitives.Add(x.Slice(b * sample, sample), table.Slice(0, sample), y.Slice(b * sample, sample));
    }
}

/// <summary>
/// Rotary position embeddings (RoPE; Su et al. 2021), in GPT-NeoX's and Hugging Face LLaMA's layout: within each
/// head, feature i and feature i + headSize/2 form a pair, rotated by the angle t·θ^(-2i/headSize) at position t
/// (θ = 10000). Applied in place to the q and k blocks of a fused qkv buffer [B, T, 3·heads·headSize] (after the qkv
/// projection, before <see cref="Attention.Forward"/>); v is left as it is. The rotation is orthogonal, so backward
/// rotates the gradients of q and k by the opposite angle.
/// </summary>
public static class RotaryEmbedding
{
    // cosine[t, i] = cos(t·θ^(-2i/hs)),  sine[t, i] = sin(...)   for t < positions, i < hs/2
    /// <summary>
    /// Writes the angle tables [positions, headSize/2] that <see cref="Forward"/> and <see cref="Backward"/> read:
    /// constants of the shape, computed once (in double, rounded once).
    /// </summary>
    public static void Tables(Span<float> cosine, Span<float> sine, int positions, int headSize, double theta = 10000.0)
    {
        if (positions < 1) throw new ArgumentOutOfRangeException(nameof(positions), positions, "the tables need at least one position.");
        CheckHeadSize(headSize);
        int half = headSize / 2;
        CheckTable(cosine.Length, positions, half, nameof(cosine));
        CheckTable(sine.Length, positions, half, nameof(sine));
        for (int t = 0; t < positions; t++)
            for (int i = 0; i < half; i++)
            {
                double angle = t * Math.Pow(theta, -2.0 * i / headSize);
                cosine[t * half + i] = (float)Math.Cos(angle);
                sine[t * half + i] = (float)Math.Sin(angle);
            }
    }

    // For x = q or k of head h at position p = firstPosition + t, pairs (x_i, x_{i+hs/2}), c = cosine[p,i], s = sine[p,i]:
    // x_i <- x_i·c - x_{i+hs/2}·s;   x_{i+hs/2} <- x_{i+hs/2}·c + x_i·s
    /// <summary>
    /// Rotates q and k of every head in place; the sequence's positions are <paramref name="firstPosition"/> onwards
    /// (0 in training; the cache length in a generation step, with steps = 1). The tables must cover
    /// firstPosition + steps positions.
    /// </summary>
    public static void Forward(Span<float> qkv, ReadOnlySpan<float> cosine, ReadOnlySpan<float> sine,
        int batch, int steps, int heads, int headSize, int firstPosition = 0) =>
        Rotate(qkv, cosine, sine, batch, steps, heads, headSize, firstPosition, 1f);

    // dx_i <- dx_i·c + dx_{i+hs/2}·s;   dx_{i+hs/2} <- dx_{i+hs/2}·c - dx_i·s      (the transposed rotation)
    /// <summary>
    /// In place on the q and k blocks of <paramref name="dqkv"/> [B, T, 3·heads·headSize]: the gradients with respect
    /// to the rotated q and k (what <see cref="Attention.Backward"/> wrote) become those with respect to q and k
    /// before <see cref="Forward"/>. The v block is left as it is.
    /// </summary>
    public static void Backward(Span<float> dqkv, ReadOnlySpan<float> cosine, ReadOnlySpan<float> sine,
        int batch, int steps, int heads, int headSize, int firstPosition = 0) =>
        Rotate(dqkv, cosine, sine, batch, steps, heads, headSize, firstPosition, -1f);

    private static unsafe void Rotate(Span<float> qkv, ReadOnlySpan<float> cosine, ReadOnlySpan<float> sine,
        int batch, int steps, int heads, int headSize, int firstPosition, float direction)
    {
        CheckHeadSize(headSize);
        if (batch < 1 || steps < 1 || heads < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"rotary embedding: batch {batch}, steps {steps} and heads {heads} must be at least 1.");
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        int half = headSize / 2, width = heads * headSize;
        long size = (long)batch * steps * 3 * width;
        if (qkv.Length < size)
            throw new ArgumentException($"rotary embedding: qkv holds {qkv.Length} floats; {batch}x{steps}x3x{heads}x{headSize} needs {size}.", nameof(qkv));
        CheckTable(cosine.Length, firstPosition + steps, half, nameof(cosine));
        CheckTable(sine.Length, firstPosition + steps, half, nameof(sine));
        fixed (float* data = qkv, pc = cosine, ps = sine)
        {
            for (long row = 0; row < (long)batch * steps; row++)
            {
                int p = firstPosition + (int)(row % steps);
                float* c = pc + (long)p * half, s = ps + (long)p * half, position = data + row * 3 * width;
                for (int head = 0; head < 2 * heads; head++)   // q's heads, then k's
                    RotatePairs(position + head * headSize, position + head * headSize + half, c, s, half, direction);
            }
        }
    }

    // first' = first·c - direction·second·s;  second' = second·c + direction·first·s
    private static unsafe void RotatePairs(float* first, float* second, float* c, float* s, int count, float direction)
    {
        int i = 0;
        var sign = Vector512.Create(direction);
        for (; i + 16 <= count; i += 16)
        {
            Vector512<float> x = Vector512.Load(first + i), y = Vector512.Load(second + i), cv = Vector512.Load(c + i), sv = Vector512.Load(s + i) * sign;
            (x * cv - y * sv).Store(first + i);
            (y * cv + x * sv).Store(second + i);
        }
        for (; i < count; i++)
        {
            float x = first[i], y = second[i], si = direction * s[i];
            first[i] = x * c[i] - y * si;
            second[i] = y * c[i] + x * si;
        }
    }

    private static void CheckHeadSize(int headSize)
    {
        if (headSize < 2 || headSize % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headSize), headSize, "rotary embedding rotates pairs of features: the head size must be even.");
    }

    private static void CheckTable(int length, int positions, int half, string name)
    {
        if (length < (long)positions * half)
            throw new ArgumentException($"rotary embedding: {name} holds {length} floats; {positions} positions x {half} pairs need {(long)positions * half}.", name);
    }
}

/// <summary>
/// Learned positional embeddings (GPT-2's <c>wpe</c>): a table [steps, width] whose row t is added to position t of
/// every sample, as <see cref="SinusoidalPositions.Forward"/> adds its fixed table. Its gradient is the sum over the
/// batch of the output's gradient at each position.
/// </summary>
public static class LearnedPositions
{
    // dtable[t,:] += Σ_b dy[b,t,:]     dy [B,T,W], dtable [T,W]
    /// <summary>Adds the gradient of the table, Σ_b dy[b, t, :], to <paramref name="dtable"/>[steps, width] (ACCUMULATED).</summary>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dtable, int batch, int steps, int width)
    {
        long size = (long)batch * steps * width;
        if (dy.Length < size) throw new ArgumentException($"learned positions: dy holds {dy.Length} floats; {batch}x{steps}x{width} needs {size}.", nameof(dy));
        if (dtable.Length < (long)steps * width)
            throw new ArgumentException($"learned positions: dtable holds {dtable.Length} floats; {steps}x{width} needs {(long)steps * width}.", nameof(dtable));
        int sample = steps * width;
        Span<float> table = dtable.Slice(0, sample);
        for (int b = 0; b < batch; b++) TensorPrimitives.Add(table, dy.Slice(b * sample, sample), table);
    }
}
