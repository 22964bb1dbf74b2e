using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace NetGen.Text;

/// <summary>
/// A token n-gram language model with interpolated Kneser-Ney smoothing (modified by default; see
/// <see cref="NGramSmoothing"/>), orders 1 to 7: the classic baseline a character RNN must beat.
/// </summary>
/// <remarks>
/// <para>
/// Every distinct sequence of 1..order tokens of the training text is a node of a trie keyed by
/// <c>(parent node, token)</c> in one hash map. A node keeps its count c(x) and its continuation count
/// N1+(. x), the number of distinct tokens seen just before x. For a context u (its last order-1
/// tokens) the probability of w is, from the shortest context up, with u' = u minus its first token,
/// <code>
///   p(w | u) = max(c(u w) - D(c(u w)), 0) / c(u .) + gamma(u) p(w | u'),  gamma(u) = sum_w D(c(u w)) / c(u .)
/// </code>
/// where c is the raw count at the longest context in use and the continuation count at every
/// shorter one, the empty context interpolates with the uniform 1/V, and the discounts D of each
/// order come from its counts of counts n1..n4 (Chen and Goodman's estimates). A context never seen
/// passes its shorter context's distribution through unchanged, so every distribution sums to 1.
/// </para>
/// <para>Not thread-safe: <see cref="Sample"/> and <see cref="NegativeLogLikelihood"/> share a buffer,
/// and the first query after <see cref="Train"/> builds the child lists.</para>
/// </remarks>
public sealed class NGramModel
{
    /// <summary>The highest order this model supports.</summary>
    public const int MaximumOrder = 7;

    private const int Root = 0;
    private const float MinimumDiscount = 0.01f;   // keeps gamma > 0, so no token ever gets probability 0

    private readonly Dictionary<long, int> _children = new();   // key = parent * V + token -> node
    private int[] _count = new int[1024];
    private int[] _continuation = new int[1024];
    private int[] _token = new int[1024];
    private byte[] _length = new byte[1024];
    private int _nodeCount = 1;   // node 0 is the empty sequence

    // Built lazily after training: child lists (CSR) and the discounts per order.
    private bool _finalized;
    private int[] _childStart = [];
    private int[] _childNodes = [];
    private readonly float[] _rawDiscounts;            // [order + 1, 3]: D1, D2, D3+ from raw counts of n-grams of each length
    private readonly float[] _continuationDiscounts;   // [order + 1, 3]: the same from continuation counts
    private readonly float[] _buffer;                  // [V] for Sample and NegativeLogLikelihood

    /// <summary>An untrained model of the given order (1 to 7) over tokens [0, <paramref name="vocabularySize"/>).</summary>
    public NGramModel(int order, int vocabularySize, NGramSmoothing smoothing = NGramSmoothing.ModifiedKneserNey)
    {
        if (order < 1 || order > MaximumOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, $"The order must lie in [1, {MaximumOrder}].");
        if (vocabularySize < 1)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "The vocabulary must hold at least one token.");
        if (smoothing is not (NGramSmoothing.ModifiedKneserNey or NGramSmoothing.KneserNey))
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "Unknown smoothing.");
        Order = order;
        VocabularySize = vocabularySize;
        Smoothing = smoothing;
        _rawDiscounts = new float[(order + 1) * 3];
        _continuationDiscounts = new float[(order + 1) * 3];
        _buffer = new float[vocabularySize];
    }

    /// <summary>n: the model predicts a token from the previous n - 1.</summary>
    public int Order { get; }

    /// <summary>V: tokens are ids in [0, V).</summary>
    public int VocabularySize { get; }

    /// <summary>The smoothing method.</summary>
    public NGramSmoothing Smoothing { get; }

    /// <summary>Distinct n-grams of lengths 1..order seen in training.</summary>
    public int NGramCount => _nodeCount - 1;

    /// <summary>
    /// Counts every n-gram of lengths 1..order in <paramref name="tokens"/>. Several calls add up, as
    /// separate texts: no n-gram spans two calls.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token lies outside [0, V); the message names its position.</exception>
    public void Train(ReadOnlySpan<int> tokens)
    {
        _finalized = false;
        // ends[L] = node of the L tokens ending at the previous position; next[L] the same at this one
        Span<int> ends = stackalloc int[MaximumOrder + 1];
        Span<int> next = stackalloc int[MaximumOrder + 1];
        ends[0] = next[0] = Root;
        int available = 0;   // how many tokens precede the current one in this call, capped at order - 1
        for (int position = 0; position < tokens.Length; position++)
        {
            int token = CheckToken(tokens[position], position, nameof(tokens));
            int longest = Math.Min(available + 1, Order);
            for (int length = 1; length <= longest; length++)
            {
                int node = ChildOrAdd(ends[length - 1], token, length, out bool added);
                _count[node]++;
                // a new sequence x = (u, rest): rest, the sequence one shorter ending here, gains a left neighbour u
                if (added && length >= 2) _continuation[next[length - 1]]++;
                next[length] = node;
            }
            next.Slice(0, longest + 1).CopyTo(ends);
            available = Math.Min(available + 1, Order - 1);
        }
    }

    /// <summary>
    /// Writes p(w | context) for every token w into <paramref name="distribution"/> [V] (it sums to 1).
    /// Only the last order - 1 tokens of <paramref name="context"/> matter; it may be empty or unseen.
    /// </summary>
    public void Probabilities(ReadOnlySpan<int> context, Span<float> distribution)
    {
        if (distribution.Length != VocabularySize)
            throw new ArgumentException($"distribution holds {distribution.Length} floats; the vocabulary has {VocabularySize}.", nameof(distribution));
        for (int i = 0; i < context.Length; i++) CheckToken(context[i], i, nameof(context));
        EnsureFinalized();

        int longestContext = Math.Min(context.Length, Order - 1);
        distribution.Fill(1f / VocabularySize);
        for (int length = 0; length <= longestContext; length++)
        {
            int contextNode = Find(context.Slice(context.Length - length));
            if (contextNode < 0) break;   // unseen: so is every longer context ending here
            bool raw = length == longestContext;
            int[] counts = raw ? _count : _continuation;
            ReadOnlySpan<float> discounts = (raw ? _rawDiscounts : _continuationDiscounts).AsSpan((length + 1) * 3, 3);
            ReadOnlySpan<int> children = _childNodes.AsSpan(_childStart[contextNode], _childStart[contextNode + 1] - _childStart[contextNode]);

            long total = 0;
            double discounted = 0;
            foreach (int child in children)
            {
                int count = counts[child];
                if (count == 0) continue;
                total += count;
                discounted += discounts[Math.Min(count, 3) - 1];
            }
            if (total == 0) continue;   // the context only ends the text: nothing follows it
            float scale = (float)(1.0 / total);
            TensorPrimitives.Multiply(distribution, (float)(discounted / total), distribution);   // gamma(u) p(w | u')
            foreach (int child in children)
            {
                int count = counts[child];
                if (count > 0) distribution[_token[child]] += (count - discounts[Math.Min(count, 3) - 1]) * scale;
            }
        }
    }

    /// <summary>
    /// Mean negative log-likelihood in nats per token of <paramref name="tokens"/>, each predicted from
    /// the up to order - 1 tokens before it (the first ones from shorter contexts).
    /// </summary>
    public double NegativeLogLikelihood(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty) throw new ArgumentException("tokens is empty; the mean loss needs at least one token.", nameof(tokens));
        double sum = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            int target = CheckToken(tokens[i], i, nameof(tokens));
            int start = Math.Max(0, i - (Order - 1));
            Probabilities(tokens.Slice(start, i - start), _buffer);
            sum -= Math.Log(_buffer[target]);
        }
        return sum / tokens.Length;
    }

    /// <summary>
    /// Draws the next token after <paramref name="context"/> from p(w | context), advancing
    /// <paramref name="state"/> (SplitMix64) so that a seed gives a reproducible text.
    /// </summary>
    public int Sample(ReadOnlySpan<int> context, ref ulong state)
    {
        Probabilities(context, _buffer);
        double u = (NextRandom(ref state) >> 11) * (1.0 / (1UL << 53));
        double cumulative = 0;
        int last = 0;
        for (int w = 0; w < _buffer.Length; w++)
        {
            if (_buffer[w] <= 0f) continue;
            cumulative += _buffer[w];
            last = w;
            if (u < cumulative) return w;
        }
        return last;   // u fell past the float rounding of the sum
    }

    private int CheckToken(int token, int position, string name)
    {
        if ((uint)token >= (uint)VocabularySize)
            throw new ArgumentOutOfRangeException(name, token, $"Token {token} at position {position} is outside the vocabulary [0, {VocabularySize}).");
        return token;
    }

    private int ChildOrAdd(int parent, int token, int length, out bool added)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_children, (long)parent * VocabularySize + token, out bool exists);
        added = !exists;
        if (exists) return slot;
        if (_nodeCount == _count.Length)
        {
            int capacity = checked(_count.Length * 2);
            Array.Resize(ref _count, capacity);
            Array.Resize(ref _continuation, capacity);
            Array.Resize(ref _token, capacity);
            Array.Resize(ref _length, capacity);
        }
        int node = _nodeCount++;
        _token[node] = token;
        _length[node] = (byte)length;
        slot = node;
        return node;
    }

    // node of the sequence, or -1 when it never occurred
    private int Find(ReadOnlySpan<int> sequence)
    {
        int node = Root;
        foreach (int token in sequence)
            if (!_children.TryGetValue((long)node * VocabularySize + token, out node)) return -1;
        return node;
    }

    private void EnsureFinalized()
    {
        if (_finalized) return;

        // child lists: nodes grouped by parent (CSR)
        _childStart = new int[_nodeCount + 1];
        _childNodes = new int[_nodeCount];
        foreach (long key in _children.Keys) _childStart[(int)(key / VocabularySize) + 1]++;
        for (int node = 0; node < _nodeCount; node++) _childStart[node + 1] += _childStart[node];
        int[] fill = (int[])_childStart.Clone();
        foreach (KeyValuePair<long, int> entry in _children) _childNodes[fill[(int)(entry.Key / VocabularySize)]++] = entry.Value;

        // counts of counts n1..n4 per n-gram length, raw and continuation
        long[] rawCounts = new long[(Order + 1) * 4], continuationCounts = new long[(Order + 1) * 4];
        for (int node = 1; node < _nodeCount; node++)
        {
            int length = _length[node];
            if (_count[node] is >= 1 and <= 4) rawCounts[length * 4 + _count[node] - 1]++;
            if (_continuation[node] is >= 1 and <= 4) continuationCounts[length * 4 + _continuation[node] - 1]++;
        }
        for (int length = 1; length <= Order; length++)
        {
            Discounts(rawCounts.AsSpan(length * 4, 4), _rawDiscounts.AsSpan(length * 3, 3));
            Discounts(continuationCounts.AsSpan(length * 4, 4), _continuationDiscounts.AsSpan(length * 3, 3));
        }
        _finalized = true;
    }

    // Chen and Goodman (1998): Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3;
    // plain Kneser-Ney uses D = Y for every count. Each D is kept in [MinimumDiscount, its count].
    private void Discounts(ReadOnlySpan<long> n, Span<float> discounts)
    {
        double n1 = n[0], n2 = n[1], n3 = n[2], n4 = n[3];
        double y = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5;
        if (Smoothing == NGramSmoothing.KneserNey)
        {
            discounts.Fill((float)Math.Clamp(y, MinimumDiscount, 1.0));
            return;
        }
        discounts[0] = (float)Math.Clamp(n1 > 0 ? 1 - 2 * y * n2 / n1 : y, MinimumDiscount, 1.0);
        discounts[1] = (float)Math.Clamp(n2 > 0 ? 2 - 3 * y * n3 / n2 : 2 * y, MinimumDiscount, 2.0);
        discounts[2] = (float)Math.Clamp(n3 > 0 ? 3 - 4 * y * n4 / n3 : 3 * y, MinimumDiscount, 3.0);
    }

    // SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator whose whole state is one ulong.
    private static ulong NextRandom(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
