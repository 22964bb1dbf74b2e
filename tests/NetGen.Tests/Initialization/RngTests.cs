namespace NetGen.Tests.Initialization;

public class RngTests
{
    [Fact]
    public void Stream_IsPinned_ToXoshiro128StarStarSeededBySplitMix64()
    {
        // Computed independently (Python transcription of Vigna's reference C). Changing these changes every
        // network's initial weights and dropout masks for a given seed.
        var rng = new Rng(42);
        uint[] expected = [1776835114u, 4165204688u, 17111135u, 2317295270u, 2792088233u, 2554630222u];
        foreach (uint value in expected) Assert.Equal(value, rng.NextUInt());
    }

    [Fact]
    public void SameSeed_SameSequence_DifferentSeed_DifferentSequence_CopyReplays()
    {
        var a = new Rng(7);
        var b = new Rng(7);
        var c = new Rng(8);
        int same = 0;
        for (int i = 0; i < 100; i++)
        {
            uint value = a.NextUInt();
            Assert.Equal(value, b.NextUInt());
            if (value == c.NextUInt()) same++;
        }
        Assert.True(same < 3);
        Rng copy = a;
        Assert.Equal(a.NextGaussian(), copy.NextGaussian());
    }

    [Fact]
    public void NextFloat_IsInUnitInterval_WithUniformMoments()
    {
        // n = 200000: the standard error of the mean is sqrt(1/12/n) = 6.5e-4; 4e-3 is six of them.
        var rng = new Rng(1);
        const int n = 200_000;
        double sum = 0, squares = 0;
        for (int i = 0; i < n; i++)
        {
            float value = rng.NextFloat();
            Assert.InRange(value, 0f, 0.99999995f);
            sum += value;
            squares += value * value;
        }
        double mean = sum / n, variance = squares / n - mean * mean;
        Assert.InRange(mean, 0.5 - 4e-3, 0.5 + 4e-3);
        Assert.InRange(variance, 1.0 / 12 * 0.98, 1.0 / 12 * 1.02);
    }

    [Fact]
    public void NextGaussian_HasStandardNormalMoments()
    {
        // n = 200000: standard errors are 2.2e-3 (mean), 3.2e-3 (variance), ~1.1e-2 (kurtosis); bounds are >= 4 of them.
        var rng = new Rng(2);
        const int n = 200_000;
        double sum = 0, squares = 0, fourth = 0;
        int beyondTwo = 0;
        for (int i = 0; i < n; i++)
        {
            double value = rng.NextGaussian();
            sum += value;
            squares += value * value;
            fourth += value * value * value * value;
            if (Math.Abs(value) > 2) beyondTwo++;
        }
        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(squares / n, 0.985, 1.015);
        Assert.InRange(fourth / n, 2.9, 3.1);
        Assert.InRange(beyondTwo / (double)n, 0.0455 - 0.003, 0.0455 + 0.003); // P(|Z| > 2) = 0.0455
    }

    [Fact]
    public void NextInt_CoversTheRangeEvenly_AndRejectsNonPositiveBounds()
    {
        var rng = new Rng(3);
        var counts = new int[7];
        const int n = 70_000;
        for (int i = 0; i < n; i++) counts[rng.NextInt(7)]++;
        // Chi-square with 6 degrees of freedom: P(> 22.5) = 0.001.
        double chiSquare = counts.Sum(c => (c - n / 7.0) * (c - n / 7.0) / (n / 7.0));
        Assert.True(chiSquare < 22.5, $"chi-square {chiSquare}, counts {string.Join(",", counts)}");
        Assert.Equal(0, rng.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void NextUniform_StaysInItsInterval()
    {
        var rng = new Rng(4);
        for (int i = 0; i < 10_000; i++) Assert.InRange(rng.NextUniform(-0.25f, 0.75f), -0.25f, 0.75f);
    }
}
