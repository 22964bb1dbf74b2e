using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Token embedding lookup (PyTorch <c>nn.Embedding</c>): each token id selects one row of a
/// [V, E] table. The gradient is a scatter-add of output rows into the table rows they came from.
/// </summary>
public static class Embedding
{
    // output[N,E] = table[tokens[n], :]   tokens[N] (N = B*T), table[V,E]
    /// <summary>
    /// Copies row <c>tokens[n]</c> of <paramref name="table"/> [V, E] into row n of
    /// <paramref name="output"/> [count, E], for n in [0, count).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token lies outside [0, V); the message names its position and value.</exception>
    public static void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> table, Span<float> output,
        int count, int vocabulary, int embedding)
    {
        CheckSizes(tokens, table.Length, nameof(table), output.Length, nameof(output), count, vocabulary, embedding);
        for (int n = 0; n < count; n++)
        {
            int token = CheckToken(tokens[n], n, vocabulary);
            table.Slice(token * embedding, embedding).CopyTo(output.Slice(n * embedding, embedding));
        }
    }

    // dtable[V,E] += scatter-add: dtable[tokens[n], :] += doutput[n, :]   tokens[N], doutput[N,E]
    /// <summary>
    /// Accumulates the gradient of the table: row n of <paramref name="doutput"/> [count, E] is added
    /// into row <c>tokens[n]</c> of <paramref name="dtable"/> [V, E]. Repeated tokens add up.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token lies outside [0, V); the message names its position and value.</exception>
    public static void Backward(ReadOnlySpan<int> tokens, ReadOnlySpan<float> doutput, Span<float> dtable,
        int count, int vocabulary, int embedding)
    {
        CheckSizes(tokens, dtable.Length, nameof(dtable), doutput.Length, nameof(doutput), count, vocabulary, embedding);
        for (int n = 0; n < count; n++)
        {
            int token = CheckToken(tokens[n], n, vocabulary);
            Span<float> row = dtable.Slice(token * embedding, embedding);
            TensorPrimitives.Add(row, doutput.Slice(n * embedding, embedding), row);
        }
    }

    private static int CheckToken(int token, int position, int vocabulary)
    {
        if ((uint)token >= (uint)vocabulary)
            throw new ArgumentOutOfRangeException("tokens", token,
                $"Token {token} at position {position} is outside the vocabulary [0, {vocabulary}).");
        return token;
    }

    private static void CheckSizes(ReadOnlySpan<int> tokens, int tableLength, string tableName, int rowsLength, string rowsName,
        int count, int vocabulary, int embedding)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The token count must not be negative.");
        if (vocabulary <= 0) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "The vocabulary must hold at least one token.");
        if (embedding <= 0) throw new ArgumentOutOfRangeException(nameof(embedding), embedding, "The embedding width must be positive.");
        if (tokens.Length < count)
            throw new ArgumentException($"tokens holds {tokens.Length} ids; count is {count}.", nameof(tokens));
        if (tableLength < (long)vocabulary * embedding)
            throw new ArgumentException($"{tableName} holds {tableLength} floats; {vocabulary}x{embedding} needs {(long)vocabulary * embedding}.", tableName);
        if (rowsLength < (long)count * embedding)
            throw new ArgumentException($"{rowsName} holds {rowsLength} floats; {count}x{embedding} needs {(long)count * embedding}.", rowsName);
    }
}
