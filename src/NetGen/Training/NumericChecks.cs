using System.Numerics.Tensors;

namespace NetGen.Training;

/// <summary>Finds NaN and infinities, to say where a diverging network went wrong.</summary>
public static class NumericChecks
{
    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        // x - x is 0 for finite x and NaN for NaN and infinities; the sum is NaN when any value is not finite.
        const int Chunk = 4096;
        for (int start = 0; start < values.Length; start += Chunk)
        {
            ReadOnlySpan<float> chunk = values.Slice(start, Math.Min(Chunk, values.Length - start));
            if (float.IsFinite(TensorPrimitives.Sum(chunk))) continue;
            for (int i = 0; i < chunk.Length; i++)
            {
                if (!float.IsFinite(chunk[i])) return start + i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Throws when <paramref name="values"/> hold a NaN or an infinity, naming the network, the argument and the first
    /// such value's row and column (from <paramref name="columns"/>; 0 gives a flat index). The check a generated
    /// <c>TrainStep</c> runs on its inputs and targets before the step changes anything: an infinite input through a
    /// saturating activation (tanh) gives a finite loss and non-finite weights, so the loss check alone misses it. All
    /// finite (the common case), it is one vectorized sum per 4096 values.
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite; <see cref="ArgumentException.ParamName"/> is <paramref name="argument"/>.</exception>
    public static void ThrowIfNonFinite(ReadOnlySpan<float> values, string network, string argument, int columns)
    {
        int index = FirstNonFinite(values);
        if (index < 0) return;
        string where = columns > 0 ? $"row {index / columns}, column {index % columns}" : $"index {index}";
        throw new ArgumentException($"{network}: {argument} ({where}) is {values[index]}; every value must be finite.", argument);
    }

    /// <summary>
    /// Null when every value is finite; otherwise "<paramref name="what"/> (row r, column c): value", with row and
    /// column from <paramref name="columns"/> (0: a flat index).
    /// </summary>
    public static string? Describe(string what, ReadOnlySpan<float> values, int columns)
    {
        int index = FirstNonFinite(values);
        if (index < 0) return null;
        string where = columns > 0 ? $"row {index / columns}, column {index % columns}" : $"index {index}";
        return $"{what} ({where}: {values[index]})";
    }
}
