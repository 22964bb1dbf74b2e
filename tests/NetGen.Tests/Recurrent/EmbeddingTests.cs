using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

public sealed class EmbeddingTests
{
    private const int Vocabulary = 7, Width = 5;
    // B = 3, T = 4 with repeats (token 2 three times) and the first and last ids, 0 and 6
    private static readonly int[] Tokens = [2, 0, 6, 2, 5, 5, 1, 2, 3, 0, 4, 6];

    private static float[] Table() => RecurrentProblem.Uniform(new Random(1), Vocabulary * Width, 1f);

    [Fact]
    public void Forward_CopiesTheRowOfEachToken()
    {
        float[] table = Table(), output = new float[Tokens.Length * Width];
        Embedding.Forward(Tokens, table, output, Tokens.Length, Vocabulary, Width);
        for (int n = 0; n < Tokens.Length; n++)
            Assert.Equal(table.AsSpan(Tokens[n] * Width, Width).ToArray(), output.AsSpan(n * Width, Width).ToArray());
    }

    [Fact]
    public void Backward_MatchesFiniteDifferences_AndAccumulates()
    {
        float[] table = Table(), outputWeights = RecurrentProblem.Uniform(new Random(2), Tokens.Length * Width, 1f);
        float[] output = new float[Tokens.Length * Width];
        double Loss()   // L = sum(output * R), summed in double
        {
            Embedding.Forward(Tokens, table, output, Tokens.Length, Vocabulary, Width);
            double sum = 0;
            for (int i = 0; i < output.Length; i++) sum += (double)output[i] * outputWeights[i];
            return sum;
        }

        float[] dtable = new float[Vocabulary * Width];
        Embedding.Backward(Tokens, outputWeights, dtable, Tokens.Length, Vocabulary, Width);

        // L is linear in the table, so central differences are exact up to the rounding of table[i] +- eps in
        // float (~1e-8 relative): 1e-4 is ample.
        const float eps = 1e-2f;
        for (int i = 0; i < table.Length; i++)
        {
            float saved = table[i];
            table[i] = saved + eps;
            double plus = Loss();
            table[i] = saved - eps;
            double minus = Loss();
            table[i] = saved;
            double numeric = (plus - minus) / ((double)(saved + eps) - (saved - eps));
            Assert.True(Math.Abs(dtable[i] - numeric) <= 1e-4, $"dtable[{i}]: analytic {dtable[i]} vs finite difference {numeric}");
        }

        float[] once = (float[])dtable.Clone();
        Embedding.Backward(Tokens, outputWeights, dtable, Tokens.Length, Vocabulary, Width);
        for (int i = 0; i < dtable.Length; i++) Assert.Equal(2 * once[i], dtable[i], 6);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(Vocabulary)]
    public void TokenOutsideVocabulary_ThrowsNamingPositionAndToken(int badToken)
    {
        int[] tokens = (int[])Tokens.Clone();
        tokens[9] = badToken;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Embedding.Forward(tokens, Table(), new float[tokens.Length * Width], tokens.Length, Vocabulary, Width));
        Assert.Contains("position 9", error.Message);
        Assert.Contains($"Token {badToken}", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Embedding.Backward(tokens, new float[tokens.Length * Width], new float[Vocabulary * Width], tokens.Length, Vocabulary, Width));
    }

    [Fact]
    public void ShortTable_ThrowsNamingTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Embedding.Forward(Tokens, new float[Vocabulary * Width - 1], new float[Tokens.Length * Width], Tokens.Length, Vocabulary, Width));
        Assert.Equal("table", error.ParamName);
    }

    [Fact]
    public void ForwardAndBackward_AllocateNothing()
    {
        float[] table = Table(), output = new float[Tokens.Length * Width], dtable = new float[table.Length];
        Embedding.Forward(Tokens, table, output, Tokens.Length, Vocabulary, Width);
        Embedding.Backward(Tokens, output, dtable, Tokens.Length, Vocabulary, Width);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Embedding.Forward(Tokens, table, output, Tokens.Length, Vocabulary, Width);
        Embedding.Backward(Tokens, output, dtable, Tokens.Length, Vocabulary, Width);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
