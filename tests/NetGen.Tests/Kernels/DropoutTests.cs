using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class DropoutTests
{
    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    [InlineData(0.75f)]
    public void Forward_MaskIsZeroOrInverseKeep_DropsAboutRate_AndKeepsTheMean(float rate)
    {
        const int n = 100_003; // odd: exercises the vector tail of the multiply
        float[] x = new float[n];
        Array.Fill(x, 1f);
        var y = new float[n];
        var mask = new float[n];
        var rng = new Rng(41);
        Dropout.Forward(x, y, mask, rate, ref rng);

        float scale = 1f / (1f - rate);
        int dropped = 0;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            if (mask[i] != 0f && mask[i] != scale) Assert.Fail($"mask[{i}] = {mask[i]}, neither 0 nor {scale}");
            if (y[i] != x[i] * mask[i]) Assert.Fail($"y[{i}] = {y[i]}, expected x·mask = {x[i] * mask[i]}");
            if (mask[i] == 0f) dropped++;
            sum += y[i];
        }
        // Binomial standard deviation of the dropped fraction: sqrt(p(1-p)/n) <= 1.6e-3; 0.01 is > 6 of them.
        Assert.InRange(dropped / (double)n, rate - 0.01, rate + 0.01);
        // Inverted dropout keeps E[y] = x: the mean's relative error is ~sqrt(p/((1-p)n)) <= 5.5e-3, bound 3%.
        Assert.InRange(sum / n, 0.97, 1.03);
    }

    [Fact]
    public void Forward_IsReproducibleFromTheSeed_AndAdvancesTheRng()
    {
        float[] x = Random(37, 42);
        float[] first = new float[37], second = new float[37], replay = new float[37], y = new float[37];
        var rng = new Rng(7);
        Dropout.Forward(x, y, first, 0.5f, ref rng);
        Dropout.Forward(x, y, second, 0.5f, ref rng);
        var again = new Rng(7);
        Dropout.Forward(x, y, replay, 0.5f, ref again);
        Assert.Equal(first, replay);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Forward_RateZeroIsIdentity_RateOneDropsEverything_InPlaceWorks()
    {
        float[] x = Random(19, 43);
        float[] y = (float[])x.Clone();
        var mask = new float[19];
        var rng = new Rng(1);
        Dropout.Forward(y, y, mask, 0f, ref rng);
        Assert.Equal(x, y);
        Dropout.Forward(y, y, mask, 1f, ref rng);
        Assert.All(y, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(x, new float[19], mask, 1.5f, ref rng));
    }

    [Fact]
    public void Backward_WithAFixedMask_MatchesFiniteDifferences()
    {
        float[] x = Random(23, 44), r = Random(23, 45);
        var mask = new float[23];
        var y = new float[23];
        var rng = new Rng(3);
        Dropout.Forward(x, y, mask, 0.4f, ref rng);
        var dx = new float[23];
        Dropout.Backward(mask, r, dx);
        // L = Σ (x·mask)·R is linear in x: central differences are exact to double rounding; dx is one float product.
        double[] expected = CentralDifferences(ToDouble(x), p =>
        {
            double loss = 0;
            for (int i = 0; i < p.Length; i++) loss += p[i] * mask[i] * r[i];
            return loss;
        });
        AssertClose(expected, dx, 1e-7, 1e-6, "dx");
    }
}
