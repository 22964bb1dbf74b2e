using NetGen.Text;

namespace NetGen.Tests.Text;

public sealed class NGramModelTests
{
    // A prefix of Hamlet's soliloquy: enough repeated n-grams for non-trivial discounts, fast to train.
    private const string Text =
        "To be, or not to be, that is the question:\n" +
        "Whether 'tis nobler in the mind to suffer\n" +
        "The slings and arrows of outrageous fortune,\n" +
        "Or to take arms against a sea of troubles\n" +
        "And by opposing end them. To die-to sleep,\n" +
        "No more; and by a sleep to say we end\n" +
        "The heart-ache and the thousand natural shocks\n" +
        "That flesh is heir to: 'tis a consummation\n" +
        "Devoutly to be wish'd. To die, to sleep;\n" +
        "To sleep, perchance to dream-ay, there's the rub:\n";

    private static readonly CharCorpus Corpus = CharCorpus.FromText(Text);

    public static TheoryData<int, NGramSmoothing> OrdersAndSmoothings()
    {
        var data = new TheoryData<int, NGramSmoothing>();
        for (int order = 1; order <= NGramModel.MaximumOrder; order++)
        {
            data.Add(order, NGramSmoothing.ModifiedKneserNey);
            data.Add(order, NGramSmoothing.KneserNey);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(OrdersAndSmoothings))]
    public void Distributions_SumToOne_AndArePositive_ForSeenUnseenAndEmptyContexts(int order, NGramSmoothing smoothing)
    {
        // One vocabulary slot more than the text uses: a token never seen in training must still get p > 0.
        int vocabulary = Corpus.VocabularySize + 1, unseenToken = Corpus.VocabularySize;
        var model = new NGramModel(order, vocabulary, smoothing);
        model.Train(Corpus.Train);
        int[][] contexts =
        [
            [],
            Corpus.Encode("T"),
            Corpus.Encode("to be"),
            Corpus.Encode("the question"),                    // longer than any order: only the tail matters
            Corpus.Encode("qqqqq"),                          // never seen
            [unseenToken, unseenToken],
            [.. Corpus.Encode("sleep"), unseenToken],
            Corpus.Validation.AsSpan(0, 6).ToArray(),
        ];
        var distribution = new float[vocabulary];
        foreach (int[] context in contexts)
        {
            model.Probabilities(context, distribution);
            double sum = 0;
            foreach (float p in distribution) sum += p;
            // float accumulation over at most 7 orders of V = 40 terms: 1e-5
            Assert.True(Math.Abs(sum - 1) < 1e-5, $"order {order}, context [{string.Join(",", context)}]: sum {sum}");
            Assert.All(distribution, p => Assert.True(p > 0f, $"order {order}: zero probability"));
        }
    }

    [Theory]
    [InlineData(1, NGramSmoothing.ModifiedKneserNey)]
    [InlineData(2, NGramSmoothing.ModifiedKneserNey)]
    [InlineData(3, NGramSmoothing.ModifiedKneserNey)]
    [InlineData(5, NGramSmoothing.ModifiedKneserNey)]
    [InlineData(3, NGramSmoothing.KneserNey)]
    [InlineData(4, NGramSmoothing.KneserNey)]
    public void Probabilities_MatchBruteForceKneserNey_OnStrings(int order, NGramSmoothing smoothing)
    {
        var model = new NGramModel(order, Corpus.VocabularySize, smoothing);
        model.Train(Corpus.Train);
        var bruteForce = new BruteForceKneserNey(Corpus.Train, order, Corpus.VocabularySize, smoothing == NGramSmoothing.ModifiedKneserNey);
        var distribution = new float[Corpus.VocabularySize];
        int[] sequence = [.. Corpus.Train.AsSpan(0, 30), .. Corpus.Validation.AsSpan(0, 30)];
        for (int end = 0; end <= sequence.Length; end += 3)
        {
            ReadOnlySpan<int> context = sequence.AsSpan(0, end);
            model.Probabilities(context, distribution);
            for (int w = 0; w < Corpus.VocabularySize; w++)
            {
                double expected = bruteForce.Probability(context, w);
                // float accumulation against a double recursion: 1e-6 absolute on probabilities <= 1
                Assert.True(Math.Abs(distribution[w] - expected) < 1e-6, $"order {order} end {end} token {w}: {distribution[w]} vs {expected}");
            }
        }

        // NegativeLogLikelihood is the mean of -log p of each token given the tokens before it.
        double expectedLoss = 0;
        for (int i = 0; i < sequence.Length; i++) expectedLoss -= Math.Log(bruteForce.Probability(sequence.AsSpan(0, i), sequence[i]));
        Assert.Equal(expectedLoss / sequence.Length, model.NegativeLogLikelihood(sequence), 5);
    }

    [Fact]
    public void HeldOutLoss_ApproachesTheTrueEntropy_OfASecondOrderMarkovSource()
    {
        // Tokens from a known order-2 Markov chain (next token depends on the previous two): an order-3 model
        // should reach the source's own loss on held-out text, and lower orders must do worse.
        const int vocabulary = 5;
        var random = new Random(17);
        double[] table = new double[vocabulary * vocabulary * vocabulary];   // p(w | a, b) at [(a V + b) V + w]
        for (int context = 0; context < vocabulary * vocabulary; context++)
        {
            double sum = 0;
            for (int w = 0; w < vocabulary; w++) sum += table[context * vocabulary + w] = Math.Pow(random.NextDouble(), 3);
            for (int w = 0; w < vocabulary; w++) table[context * vocabulary + w] /= sum;
        }
        int[] Generate(int length, out double trueLoss)
        {
            var tokens = new int[length];
            double loss = 0;
            for (int i = 2; i < length; i++)
            {
                int context = tokens[i - 2] * vocabulary + tokens[i - 1];
                double u = random.NextDouble(), cumulative = 0;
                int w = 0;
                while (w < vocabulary - 1 && u >= (cumulative += table[context * vocabulary + w])) w++;
                tokens[i] = w;
                loss -= Math.Log(table[context * vocabulary + w]);
            }
            trueLoss = loss / (length - 2);
            return tokens;
        }
        int[] train = Generate(40_000, out _), test = Generate(10_000, out double sourceLoss);

        double[] loss = new double[6];
        for (int order = 1; order <= 5; order++)
        {
            var model = new NGramModel(order, vocabulary);
            model.Train(train);
            loss[order] = model.NegativeLogLikelihood(test.AsSpan(2));
        }
        Assert.True(loss[1] > loss[2] && loss[2] > loss[3], $"losses by order: {string.Join(", ", loss.Skip(1))}");
        // 25 contexts x 5 tokens from 40k samples: the estimate's excess loss is ~(parameters / 2N) = 0.002 nats
        Assert.True(loss[3] - sourceLoss < 0.01, $"order 3: {loss[3]} vs source {sourceLoss}");
        // Higher orders split the data further but smoothing keeps them close
        Assert.True(loss[5] - sourceLoss < 0.03, $"order 5: {loss[5]} vs source {sourceLoss}");
    }

    [Fact]
    public void Sample_IsReproducible_AndFollowsTheDistribution()
    {
        var model = new NGramModel(3, Corpus.VocabularySize);
        model.Train(Corpus.Train);
        int[] context = Corpus.Encode("to");
        var distribution = new float[Corpus.VocabularySize];
        model.Probabilities(context, distribution);

        const int draws = 20_000;
        var frequency = new double[Corpus.VocabularySize];
        ulong state = 99, replay = 99;
        for (int i = 0; i < draws; i++)
        {
            int token = model.Sample(context, ref state);
            Assert.Equal(token, model.Sample(context, ref replay));
            frequency[token] += 1.0 / draws;
        }
        // binomial standard deviation <= sqrt(0.25 / 20000) = 0.0035: 0.015 is over 4 sigma
        for (int w = 0; w < frequency.Length; w++)
            Assert.True(Math.Abs(frequency[w] - distribution[w]) < 0.015, $"token {w}: frequency {frequency[w]}, p {distribution[w]}");
    }

    [Fact]
    public void Train_CallsAddUp_WithoutNGramsAcrossCalls()
    {
        // "abcab": a, b, c, ab, bc, ca -> 6 distinct; "ab" then "cab": a, b, c, ab, ca -> 5 (no "bc")
        var corpus = CharCorpus.FromText("abc");
        var whole = new NGramModel(2, 3);
        whole.Train(corpus.Encode("abcab"));
        var parts = new NGramModel(2, 3);
        parts.Train(corpus.Encode("ab"));
        parts.Train(corpus.Encode("cab"));
        Assert.Equal(6, whole.NGramCount);
        Assert.Equal(5, parts.NGramCount);
    }

    [Fact]
    public void TokenOutsideVocabulary_ThrowsNamingPosition()
    {
        var model = new NGramModel(3, 4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Train([0, 1, 4, 2]));
        Assert.Contains("position 2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NGramModel(8, 4));
        Assert.Throws<ArgumentException>(() => model.Probabilities([0], new float[3]));
    }

    /// <summary>
    /// Interpolated Kneser-Ney written the slow, obvious way: n-grams as strings in dictionaries and the
    /// recursion p(w | u) = max(c(uw) - D, 0) / c(u.) + gamma(u) p(w | u'), from the longest context down.
    /// </summary>
    private sealed class BruteForceKneserNey
    {
        private readonly Dictionary<string, int> _raw = new(), _continuation = new();
        private readonly double[,] _rawDiscounts, _continuationDiscounts;
        private readonly int _order, _vocabulary;

        public BruteForceKneserNey(int[] tokens, int order, int vocabulary, bool modified)
        {
            _order = order;
            _vocabulary = vocabulary;
            string text = Key(tokens);
            for (int length = 1; length <= order; length++)
                for (int start = 0; start + length <= text.Length; start++)
                    _raw[text.Substring(start, length)] = _raw.GetValueOrDefault(text.Substring(start, length)) + 1;
            foreach (string ngram in _raw.Keys)
                if (ngram.Length >= 2) _continuation[ngram[1..]] = _continuation.GetValueOrDefault(ngram[1..]) + 1;
            _rawDiscounts = Discounts(_raw, modified);
            _continuationDiscounts = Discounts(_continuation, modified);
        }

        private static string Key(ReadOnlySpan<int> tokens)
        {
            var characters = new char[tokens.Length];
            for (int i = 0; i < tokens.Length; i++) characters[i] = (char)('!' + tokens[i]);
            return new string(characters);
        }

        private double[,] Discounts(Dictionary<string, int> counts, bool modified)
        {
            var discounts = new double[_order + 1, 3];
            for (int length = 1; length <= _order; length++)
            {
                var n = new double[5];
                foreach ((string ngram, int count) in counts)
                    if (ngram.Length == length && count <= 4) n[count]++;
                double y = n[1] + 2 * n[2] > 0 ? n[1] / (n[1] + 2 * n[2]) : 0.5;
                double[] d = modified
                    ? [n[1] > 0 ? 1 - 2 * y * n[2] / n[1] : y, n[2] > 0 ? 2 - 3 * y * n[3] / n[2] : 2 * y, n[3] > 0 ? 3 - 4 * y * n[4] / n[3] : 3 * y]
                    : [y, y, y];
                for (int k = 0; k < 3; k++) discounts[length, k] = Math.Clamp(d[k], 0.01, k + 1);   // the model's floor and ceilings
            }
            return discounts;
        }

        public double Probability(ReadOnlySpan<int> context, int token)
        {
            int length = Math.Min(context.Length, _order - 1);
            return Level(Key(context[^length..]), (char)('!' + token), top: true);
        }

        private double Level(string context, char token, bool top)
        {
            double lower = context.Length == 0 ? 1.0 / _vocabulary : Level(context[1..], token, top: false);
            Dictionary<string, int> counts = top ? _raw : _continuation;
            double[,] discounts = top ? _rawDiscounts : _continuationDiscounts;
            int n = context.Length + 1;
            double total = 0, discounted = 0, own = 0;
            for (int w = 0; w < _vocabulary; w++)
            {
                char next = (char)('!' + w);
                int count = counts.GetValueOrDefault(context + next);
                if (count == 0) continue;
                double d = discounts[n, Math.Min(count, 3) - 1];
                total += count;
                discounted += d;
                if (next == token) own = count - d;
            }
            return total == 0 ? lower : own / total + discounted / total * lower;
        }
    }
}
