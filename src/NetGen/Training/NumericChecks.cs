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
