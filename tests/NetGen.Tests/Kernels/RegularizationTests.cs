using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class RegularizationTests
{
    private const float Lambda = 0.03f;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(37)]
    public void L2_PenaltyIsLambdaSumOfSquares_AndGradientMatchesFiniteDifferences(int length)
    {
        float[] w = Random(length, 71, -2, 2), g = Random(length, 72);
        float[] before = (float[])g.Clone();
        double expected = Lambda * w.Sum(v => (double)v * v);
        Assert.Equal(expected, Regularization.L2Penalty(w, Lambda), 1e-6 * Math.Max(1, expected));

        Regularization.AddL2Gradient(w, g, Lambda);
        double[] numeric = CentralDifferences(ToDouble(w), p => Lambda * p.Sum(v => v * v));
        for (int i = 0; i < length; i++) numeric[i] += before[i]; // added to, not overwritten
        AssertClose(numeric, g, 1e-6, 1e-6, "gradients");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    public void L1_PenaltyIsLambdaSumOfAbsolutes_AndGradientMatchesFiniteDifferencesAwayFromZero(int length)
    {
        float[] w = Random(length, 73, -2, 2), g = new float[length];
        for (int i = 0; i < length; i++) if (Math.Abs(w[i]) < 1e-3f) w[i] = 0.5f; // the kink at 0 has no derivative
        double expected = Lambda * w.Sum(v => Math.Abs((double)v));
        Assert.Equal(expected, Regularization.L1Penalty(w, Lambda), 1e-6 * Math.Max(1, expected));
        Regularization.AddL1Gradient(w, g, Lambda);
        AssertClose(CentralDifferences(ToDouble(w), p => Lambda * p.Sum(Math.Abs)), g, 1e-7, 1e-6, "gradients");
    }

    [Fact]
    public void AddL1Gradient_AtZero_AddsNothing()
    {
        float[] w = new float[11], g = Random(11, 74);
        float[] before = (float[])g.Clone();
        Regularization.AddL1Gradient(w, g, Lambda);
        Assert.Equal(before, g);
    }

    [Fact]
    public void GlobalNorm_IsTheL2Norm_AndDoesNotOverflow()
    {
        float[] g = Random(37, 75);
        Assert.Equal(Math.Sqrt(g.Sum(v => (double)v * v)), Regularization.GlobalNorm(g), 1e-6);
        // Σ g² = 2·(3e30)² = 1.8e61 overflows float; in double it does not.
        Assert.Equal(3e30 * Math.Sqrt(2), Regularization.GlobalNorm([3e30f, -3e30f]), 1e25);
    }

    [Fact]
    public void ClipByGlobalNorm_ScalesToMaxNorm_AndReturnsTheNormBefore()
    {
        float[] g = [3f, 4f, 0f, 0f, 0f, 0f, 0f, 0f, 12f]; // norm 13
        float norm = Regularization.ClipByGlobalNorm(g, 6.5f);
        Assert.Equal(13f, norm, 1e-6f);
        double coefficient = 6.5 / (13 + 1e-6);
        AssertClose(new double[] { 3 * coefficient, 4 * coefficient, 0, 0, 0, 0, 0, 0, 12 * coefficient }, g, 1e-7, 1e-6, "clipped");
        Assert.Equal(6.5, Regularization.GlobalNorm(g), 1e-5);
    }

    [Fact]
    public void ClipByGlobalNorm_BelowMaxNorm_OrNonFinite_LeavesGradientsAlone()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, Regularization.ClipByGlobalNorm(g, 10f), 1e-6f);
        Assert.Equal([3f, 4f], g);
        float[] bad = [float.PositiveInfinity, 1f];
        Assert.True(float.IsPositiveInfinity(Regularization.ClipByGlobalNorm(bad, 1f)));
        Assert.Equal(1f, bad[1]);
    }

    [Fact]
    public void ClipByValue_ClampsIntoTheLimit()
    {
        float[] g = [-3f, -0.5f, 0f, 0.5f, 3f, 1f, -1f, 2f, 0.25f];
        Regularization.ClipByValue(g, 1f);
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 1f, 1f, -1f, 1f, 0.25f], g);
    }
}
