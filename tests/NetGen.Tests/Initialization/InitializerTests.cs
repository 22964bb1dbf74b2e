using NetGen.Initialization;

namespace NetGen.Tests.Initialization;

public class InitializerTests
{
    private const int FanIn = 50, FanOut = 30, Rows = 800; // 40000 weights

    private static float[] Filled(WeightInit init, double scale = double.NaN, int fanIn = FanIn, int fanOut = FanOut, int rows = Rows, ulong seed = 5)
    {
        var weights = new float[rows * fanIn];
        var rng = new Rng(seed);
        Initializers.Fill(weights, init, fanIn, fanOut, scale, ref rng);
        return weights;
    }

    private static (double Mean, double StandardDeviation, double MaxAbs) Moments(float[] values)
    {
        double sum = 0, squares = 0, maxAbs = 0;
        foreach (float v in values)
        {
            sum += v;
            squares += (double)v * v;
            maxAbs = Math.Max(maxAbs, Math.Abs(v));
        }
        double mean = sum / values.Length;
        return (mean, Math.Sqrt(squares / values.Length - mean * mean), maxAbs);
    }

    public static TheoryData<WeightInit, double, double> UniformCases => new()
    {
        { WeightInit.Default, double.NaN, 1 / Math.Sqrt(FanIn) },
        { WeightInit.Uniform, 0.2, 0.2 },
        { WeightInit.GlorotUniform, double.NaN, Math.Sqrt(6.0 / (FanIn + FanOut)) },
        { WeightInit.HeUniform, double.NaN, Math.Sqrt(6.0 / FanIn) },
        { WeightInit.LeCunUniform, double.NaN, Math.Sqrt(3.0 / FanIn) },
    };

    // 40000 samples: the standard deviation's relative standard error is below 0.5%, so 3% is > 6 of them; the largest
    // of 40000 U(-a, a) draws is below 0.999a with probability (0.999)^40000 ~ 4e-18.
    [Theory, MemberData(nameof(UniformCases))]
    public void UniformInits_StayWithinTheirBound_WithTheUniformStandardDeviation(WeightInit init, double scale, double bound)
    {
        var (mean, std, maxAbs) = Moments(Filled(init, scale));
        Assert.True(maxAbs <= bound * (1 + 1e-6), $"max |w| {maxAbs} > bound {bound}");
        Assert.True(maxAbs >= 0.999 * bound, $"max |w| {maxAbs} far below bound {bound}");
        Assert.InRange(std, bound / Math.Sqrt(3) * 0.97, bound / Math.Sqrt(3) * 1.03);
        Assert.InRange(mean, -0.02 * bound, 0.02 * bound);
    }

    public static TheoryData<WeightInit, double, double> NormalCases => new()
    {
        { WeightInit.Normal, 0.05, 0.05 },
        { WeightInit.GlorotNormal, double.NaN, Math.Sqrt(2.0 / (FanIn + FanOut)) },
        { WeightInit.HeNormal, double.NaN, Math.Sqrt(2.0 / FanIn) },
        { WeightInit.LeCunNormal, double.NaN, Math.Sqrt(1.0 / FanIn) },
    };

    // Same sample size: 3% on the standard deviation is > 6 standard errors, and inside the brief's 5%.
    [Theory, MemberData(nameof(NormalCases))]
    public void NormalInits_HaveTheirStandardDeviation(WeightInit init, double scale, double std)
    {
        var (mean, measured, _) = Moments(Filled(init, scale));
        Assert.InRange(measured, std * 0.97, std * 1.03);
        Assert.InRange(mean, -0.03 * std, 0.03 * std);
    }

    [Fact]
    public void ZerosAndConstant_FillExactly()
    {
        Assert.True(Array.TrueForAll(Filled(WeightInit.Zeros, 3.0), w => w == 0f));
        Assert.True(Array.TrueForAll(Filled(WeightInit.Constant, 0.25), w => w == 0.25f));
    }

    [Theory]
    [InlineData(WeightInit.Constant)]
    [InlineData(WeightInit.Uniform)]
    [InlineData(WeightInit.Normal)]
    public void ScaledInits_WithoutScale_ThrowNamingInitScale(WeightInit init)
    {
        var error = Assert.Throws<ArgumentException>(() => Filled(init, double.NaN));
        Assert.Contains("InitScale", error.Message);
        Assert.Contains(init.ToString(), error.Message);
    }

    [Theory]
    [InlineData(7, 7)]   // square
    [InlineData(5, 17)]  // wide: rows orthonormal
    [InlineData(23, 6)]  // tall: columns orthonormal
    [InlineData(1, 9)]
    public void Orthogonal_IsOrthonormal_AndScaledByGain(int rows, int fanIn)
    {
        foreach (double gain in new[] { double.NaN, 2.5 })
        {
            float[] w = Filled(WeightInit.Orthogonal, gain, fanIn, rows, rows);
            double g = double.IsNaN(gain) ? 1 : gain;
            bool wide = rows <= fanIn;
            int size = wide ? rows : fanIn;
            // wide: W·W^T = g²I over rows; tall: W^T·W = g²I over columns. Float storage: 1e-5 off the identity.
            for (int a = 0; a < size; a++)
                for (int b = 0; b < size; b++)
                {
                    double dot = 0;
                    for (int k = 0; k < (wide ? fanIn : rows); k++)
                        dot += wide ? (double)w[a * fanIn + k] * w[b * fanIn + k] : (double)w[k * fanIn + a] * w[k * fanIn + b];
                    Assert.True(Math.Abs(dot / (g * g) - (a == b ? 1 : 0)) < 1e-5, $"({a},{b}) = {dot / (g * g)} for gain {g}");
                }
        }
    }

    [Fact]
    public void SameSeed_GivesTheSameWeights_DifferentSeed_Different()
    {
        Assert.Equal(Filled(WeightInit.Orthogonal, seed: 9, rows: 6, fanIn: 4), Filled(WeightInit.Orthogonal, seed: 9, rows: 6, fanIn: 4));
        Assert.NotEqual(Filled(WeightInit.HeNormal, seed: 9, rows: 4), Filled(WeightInit.HeNormal, seed: 10, rows: 4));
    }

    [Fact]
    public void FillBias_DefaultIsPyTorchUniform_OthersAreZero()
    {
        var bias = new float[4000];
        var rng = new Rng(11);
        Initializers.FillBias(bias, WeightInit.Default, 25, ref rng);
        Assert.True(Array.TrueForAll(bias, b => b >= -0.2f && b <= 0.2f));
        Assert.True(bias.Max() > 0.19f && bias.Min() < -0.19f);
        Initializers.FillBias(bias, WeightInit.HeNormal, 25, ref rng);
        Assert.True(Array.TrueForAll(bias, b => b == 0f));
    }

    [Fact]
    public void Orthogonal_LengthNotAMultipleOfFanIn_Throws()
    {
        var rng = new Rng(1);
        var error = Assert.Throws<ArgumentException>(() => Initializers.Fill(new float[10], WeightInit.Orthogonal, 3, 3, double.NaN, ref rng));
        Assert.Equal("weights", error.ParamName);
    }
}
