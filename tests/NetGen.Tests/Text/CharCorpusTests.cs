using NetGen.Text;

namespace NetGen.Tests.Text;

public sealed class CharCorpusTests
{
    private const string Verse = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n";

    [Theory]
    [InlineData(1000, 900, 100)]
    [InlineData(1001, 900, 101)]   // (int)(0.9 * 1001) = 900: train gets the floor, as in char-rnn and nanoGPT
    [InlineData(2, 1, 1)]
    public void FromText_SplitsFirstNinetyPercentTrain_LastTenValidation(int length, int train, int validation)
    {
        string text = string.Concat(Enumerable.Repeat(Verse, length / Verse.Length + 1)).Substring(0, length);
        var corpus = CharCorpus.FromText(text);
        Assert.Equal(train, corpus.Train.Length);
        Assert.Equal(validation, corpus.Validation.Length);
        Assert.Equal(text, corpus.Decode(corpus.Train) + corpus.Decode(corpus.Validation));
    }

    [Fact]
    public void Vocabulary_IsSortedDistinctCharacters_AndEncodeDecodeRoundTrip()
    {
        var corpus = CharCorpus.FromText(Verse);
        string expected = new(Verse.Distinct().OrderBy(c => c, Comparer<char>.Create((a, b) => a.CompareTo(b))).ToArray());
        Assert.Equal(expected, corpus.Vocabulary);
        Assert.Equal(expected.Length, corpus.VocabularySize);
        for (int token = 0; token < corpus.VocabularySize; token++) Assert.Equal(token, corpus.Encode(corpus.Decode(token)));
        Assert.Equal(Verse, corpus.Decode(corpus.Encode(Verse)));
        var error = Assert.Throws<ArgumentException>(() => corpus.Encode('Z'));
        Assert.Contains("U+005A", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => corpus.Decode(corpus.VocabularySize));
    }

    [Fact]
    public void Load_ReadsUtf8File()
    {
        string path = Path.Combine(Path.GetTempPath(), $"netgen-corpus-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, Verse);
            var corpus = CharCorpus.Load(path);
            Assert.Equal(Verse, corpus.Decode(corpus.Train) + corpus.Decode(corpus.Validation));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SampleBatch_DrawsContiguousWindows_WithNextTokenTargets_FromEveryStart()
    {
        // Source token i has value i, so a window's first input is its start. N = 12, T = 3: starts 0..8.
        const int length = 12, batch = 4, steps = 3;
        var corpus = CharCorpus.FromText("ab");
        int[] source = Enumerable.Range(0, length).ToArray();
        int[] inputs = new int[batch * steps], targets = new int[batch * steps];
        var seen = new bool[length - steps];
        ulong state = 7;
        for (int draw = 0; draw < 200; draw++)
        {
            corpus.SampleBatch(source, inputs, targets, batch, steps, ref state);
            for (int b = 0; b < batch; b++)
            {
                int start = inputs[b * steps];
                seen[start] = true;
                for (int t = 0; t < steps; t++)
                {
                    Assert.Equal(start + t, inputs[b * steps + t]);
                    Assert.Equal(start + t + 1, targets[b * steps + t]);
                }
            }
        }
        Assert.All(seen, Assert.True);   // 800 windows over 9 starts: every start, the last (8) included
    }

    [Fact]
    public void SampleBatch_IsReproducibleFromTheSeed_AndAllocatesNothing()
    {
        var corpus = CharCorpus.FromText(string.Concat(Enumerable.Repeat(Verse, 20)));
        int[] first = new int[5 * 8], second = new int[5 * 8], targets = new int[5 * 8];
        ulong a = 123, b = 123, c = 124;
        corpus.SampleBatch(corpus.Train, first, targets, 5, 8, ref a);
        corpus.SampleBatch(corpus.Train, second, targets, 5, 8, ref b);
        Assert.Equal(first, second);
        Assert.Equal(a, b);
        corpus.SampleBatch(corpus.Train, second, targets, 5, 8, ref c);
        Assert.NotEqual(first, second);

        long before = GC.GetAllocatedBytesForCurrentThread();
        corpus.SampleBatch(corpus.Train, first, targets, 5, 8, ref a);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SampleBatch_WrongSizes_ThrowNamingTheArgument()
    {
        var corpus = CharCorpus.FromText(Verse);
        ulong state = 1;
        var error = Assert.Throws<ArgumentException>(() => corpus.SampleBatch(corpus.Train, new int[11], new int[12], 3, 4, ref state));
        Assert.Equal("inputs", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => corpus.SampleBatch(corpus.Train.AsSpan(0, 4), new int[12], new int[12], 3, 4, ref state));
        Assert.Equal("source", error.ParamName);
    }

    [Fact]
    public void Sequential_EachBatchContinuesThePreviousOne_PerStream_ThenTheEpochEnds()
    {
        // N = 50, B = 3: streams of L = 49 / 3 = 16 tokens starting at 0, 16, 32; T = 4: 4 batches per epoch.
        int[] source = Enumerable.Range(0, 50).ToArray();
        var batches = CharCorpus.FromText("ab").Sequential(source, 3, 4);
        Assert.Equal(16, batches.StreamLength);
        Assert.Equal(4, batches.BatchesPerEpoch);
        int[] inputs = new int[12], targets = new int[12];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            for (int k = 0; k < 4; k++)
            {
                Assert.True(batches.Next(inputs, targets));
                for (int b = 0; b < 3; b++)
                    for (int t = 0; t < 4; t++)
                    {
                        Assert.Equal(b * 16 + k * 4 + t, inputs[b * 4 + t]);
                        Assert.Equal(b * 16 + k * 4 + t + 1, targets[b * 4 + t]);
                    }
            }
            Assert.False(batches.Next(inputs, targets));
            batches.Reset();
        }
        Assert.Throws<ArgumentException>(() => new SequentialBatches(new int[12], 3, 4));   // needs B*T + 1 = 13
    }
}
