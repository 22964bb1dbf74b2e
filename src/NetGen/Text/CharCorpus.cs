namespace NetGen.Text;

/// <summary>
/// A character-level text corpus: a sorted vocabulary of the distinct UTF-16 characters, the text
/// encoded as token ids, and a split into the first 90% for training and the last 10% for validation
/// (Karpathy's char-rnn / nanoGPT split: <c>n = (int)(0.9 * length)</c>).
/// </summary>
public sealed class CharCorpus
{
    /// <summary>The fraction of the text, from its start, that goes to <see cref="Train"/>.</summary>
    public const double TrainFraction = 0.9;

    private readonly int[] _tokenOfCharacter;   // indexed by char, -1 where the character is not in the vocabulary

    private CharCorpus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 2) throw new ArgumentException($"The text holds {text.Length} characters; a corpus needs at least 2.", nameof(text));
        bool[] present = new bool[char.MaxValue + 1];
        int highest = 0;
        foreach (char c in text)
        {
            present[c] = true;
            if (c > highest) highest = c;
        }
        var vocabulary = new System.Text.StringBuilder();
        _tokenOfCharacter = new int[highest + 1];
        for (int c = 0; c <= highest; c++)
        {
            _tokenOfCharacter[c] = present[c] ? vocabulary.Length : -1;
            if (present[c]) vocabulary.Append((char)c);
        }
        Vocabulary = vocabulary.ToString();

        int trainLength = (int)(TrainFraction * text.Length);
        Train = new int[trainLength];
        Validation = new int[text.Length - trainLength];
        for (int i = 0; i < text.Length; i++)
        {
            int token = _tokenOfCharacter[text[i]];
            if (i < trainLength) Train[i] = token;
            else Validation[i - trainLength] = token;
        }
    }

    /// <summary>Reads a UTF-8 text file and builds its corpus.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist (the message names it).</exception>
    public static CharCorpus Load(string path) => new(File.ReadAllText(path));

    /// <summary>Builds the corpus of <paramref name="text"/> (at least 2 characters).</summary>
    public static CharCorpus FromText(string text) => new(text);

    /// <summary>The distinct characters of the text in ordinal order; token i is <c>Vocabulary[i]</c>.</summary>
    public string Vocabulary { get; }

    /// <summary>The number of distinct characters, V.</summary>
    public int VocabularySize => Vocabulary.Length;

    /// <summary>The first 90% of the text as token ids.</summary>
    public int[] Train { get; }

    /// <summary>The last 10% of the text as token ids.</summary>
    public int[] Validation { get; }

    /// <summary>The token id of <paramref name="character"/>.</summary>
    /// <exception cref="ArgumentException">The character does not occur in the corpus.</exception>
    public int Encode(char character)
    {
        int token = character < _tokenOfCharacter.Length ? _tokenOfCharacter[character] : -1;
        if (token < 0)
            throw new ArgumentException($"Character U+{(int)character:X4} '{character}' is not in the corpus vocabulary.", nameof(character));
        return token;
    }

    /// <summary>The token ids of every character of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new int[text.Length];
        for (int i = 0; i < text.Length; i++) tokens[i] = Encode(text[i]);
        return tokens;
    }

    /// <summary>The character of <paramref name="token"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token lies outside [0, V).</exception>
    public char Decode(int token)
    {
        if ((uint)token >= (uint)Vocabulary.Length)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"Token {token} is outside the vocabulary [0, {Vocabulary.Length}).");
        return Vocabulary[token];
    }

    /// <summary>The text of a sequence of token ids.</summary>
    public string Decode(ReadOnlySpan<int> tokens)
    {
        var characters = new char[tokens.Length];
        for (int i = 0; i < tokens.Length; i++) characters[i] = Decode(tokens[i]);
        return new string(characters);
    }

    // inputs[B,T] = source[s_b .. s_b+T), targets[B,T] = source[s_b+1 .. s_b+T+1), s_b uniform in [0, N-T-1]
    /// <summary>
    /// Fills <paramref name="inputs"/> [B, T] with <paramref name="batch"/> random contiguous windows of
    /// <paramref name="source"/> (typically <see cref="Train"/>) and <paramref name="targets"/> [B, T] with
    /// the next token of each position. The windows are drawn from <paramref name="state"/> (SplitMix64),
    /// which advances, so a seed gives a reproducible sequence of batches. Allocates nothing.
    /// </summary>
    public void SampleBatch(ReadOnlySpan<int> source, Span<int> inputs, Span<int> targets, int batch, int steps, ref ulong state)
    {
        CheckBatch(source.Length, inputs.Length, targets.Length, batch, steps);
        int starts = source.Length - steps;   // a window needs steps + 1 tokens
        for (int b = 0; b < batch; b++)
        {
            int start = (int)(((NextRandom(ref state) >> 32) * (ulong)starts) >> 32);
            source.Slice(start, steps).CopyTo(inputs.Slice(b * steps, steps));
            source.Slice(start + 1, steps).CopyTo(targets.Slice(b * steps, steps));
        }
    }

    /// <summary>
    /// Sequential batches for stateful truncated BPTT over <paramref name="source"/>: <paramref name="batch"/>
    /// parallel streams, each batch continuing where the previous one stopped (see <see cref="SequentialBatches"/>).
    /// </summary>
    public SequentialBatches Sequential(int[] source, int batch, int steps) => new(source, batch, steps);

    internal static void CheckBatch(int sourceLength, int inputsLength, int targetsLength, int batch, int steps)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        if (steps <= 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of steps must be positive.");
        if (sourceLength < steps + 1)
            throw new ArgumentException($"source holds {sourceLength} tokens; a window of {steps} steps needs {steps + 1}.", "source");
        if (inputsLength != (long)batch * steps)
            throw new ArgumentException($"inputs holds {inputsLength} ids; [{batch}, {steps}] needs {(long)batch * steps}.", "inputs");
        if (targetsLength != (long)batch * steps)
            throw new ArgumentException($"targets holds {targetsLength} ids; [{batch}, {steps}] needs {(long)batch * steps}.", "targets");
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
