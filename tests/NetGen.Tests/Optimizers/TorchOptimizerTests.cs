using NetGen.Optimizers;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// Adadelta, NAdam, RAdam and Lion: each against its published update rule written out here in double (random
/// gradients, several steps, every vector width and the scalar tail), and against the trajectories PyTorch computed
/// (TorchOptimizerReference.cs, written by make_reference.py, so these tests need no Python).
/// </summary>
public class TorchOptimizerTests
{
    private const int Length = 37, Steps = 8;   // 37: two Vector512s and a scalar tail; 8 steps reach RAdam's rectified branch
    private const double Absolute = 1e-6, Relative = 1e-5;

    private static float[] Gradient(int step) => Random(Length, 200 + (ulong)step, -2, 2);

    [Theory]
    [InlineData(1.0, 0.9, 1e-6, 0.0)]     // PyTorch's defaults (its MNIST example)
    [InlineData(0.5, 0.95, 1e-5, 0.01)]
    [InlineData(0.1, 0.0, 1e-6, 0.0)]     // ρ = 0: no memory
    public void Adadelta_MatchesTorchRule(double lr, double rho, double epsilon, double weightDecay)
    {
        float[] parameters = Random(Length, 94), square = new float[Length], delta = new float[Length];
        double[] p = ToDouble(parameters), s = new double[Length], a = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            Adadelta.Step(parameters, grad, square, delta, lr, rho, epsilon, weightDecay);
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i] + weightDecay * p[i];
                s[i] = rho * s[i] + (1 - rho) * g * g;
                double d = Math.Sqrt(a[i] + epsilon) / Math.Sqrt(s[i] + epsilon) * g;
                a[i] = rho * a[i] + (1 - rho) * d * d;
                p[i] -= lr * d;
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(s, square, 1e-9, Relative, $"square_avg after step {step}");
            AssertClose(a, delta, 1e-9, Relative, $"acc_delta after step {step}");
        }
    }

    [Theory]
    [InlineData(2e-3, 0.9, 0.999, 0.0, 4e-3, false)]   // PyTorch's defaults
    [InlineData(1e-2, 0.8, 0.99, 0.01, 4e-3, false)]   // L2 penalty added to the gradient
    [InlineData(1e-2, 0.9, 0.999, 0.1, 4e-3, true)]    // NAdamW: decoupled decay
    [InlineData(5e-3, 0.9, 0.999, 0.0, 0.05, false)]   // a faster momentum schedule
    [InlineData(1e-2, 0.0, 0.99, 0.0, 4e-3, false)]    // β1 = 0: μ = 0, no momentum term
    public void NAdam_MatchesTorchRule(double lr, double beta1, double beta2, double weightDecay, double momentumDecay, bool decoupled)
    {
        const double epsilon = 1e-8;
        float[] parameters = Random(Length, 95), m = new float[Length], v = new float[Length];
        double[] p = ToDouble(parameters), md = new double[Length], vd = new double[Length];
        double muProduct = 1.0, product = 1.0;
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            NAdam.Step(parameters, grad, m, v, ref muProduct, step, lr, beta1, beta2, epsilon, weightDecay, momentumDecay, decoupled);
            double mu = beta1 * (1 - 0.5 * Math.Pow(0.96, step * momentumDecay));
            double muNext = beta1 * (1 - 0.5 * Math.Pow(0.96, (step + 1) * momentumDecay));
            product *= mu;
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i];
                if (decoupled) p[i] *= 1 - lr * weightDecay;
                else g += weightDecay * p[i];
                md[i] = beta1 * md[i] + (1 - beta1) * g;
                vd[i] = beta2 * vd[i] + (1 - beta2) * g * g;
                double denominator = Math.Sqrt(vd[i] / (1 - Math.Pow(beta2, step))) + epsilon;
                p[i] -= lr * ((1 - mu) / (1 - product) * g + muNext / (1 - product * muNext) * md[i]) / denominator;
            }
            Assert.Equal(product, muProduct, 1e-15);
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(md, m, Absolute, Relative, $"exp_avg after step {step}");
            AssertClose(vd, v, 1e-9, Relative, $"exp_avg_sq after step {step}");
        }
        Assert.Equal(muProduct, NAdam.MuProduct(Steps, beta1, momentumDecay));
    }

    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 0.0, false)]   // PyTorch's defaults
    [InlineData(1e-2, 0.8, 0.9, 0.01, false)]    // L2 penalty added to the gradient
    [InlineData(1e-2, 0.9, 0.99, 0.1, true)]     // decoupled decay
    public void RAdam_MatchesTorchRule_BothBranches(double lr, double beta1, double beta2, double weightDecay, bool decoupled)
    {
        const double epsilon = 1e-8;
        // ρ_t ≤ 5 for the first five steps whatever β2: SGD with momentum there, the rectified update from step 6.
        Assert.Equal(0.0, RAdam.Rectification(5, beta2));
        Assert.True(RAdam.Rectification(6, beta2) > 0);
        float[] parameters = Random(Length, 96), m = new float[Length], v = new float[Length];
        double[] p = ToDouble(parameters), md = new double[Length], vd = new double[Length];
        double rhoInfinity = 2 / (1 - beta2) - 1;
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            RAdam.Step(parameters, grad, m, v, step, lr, beta1, beta2, epsilon, weightDecay, decoupled);
            double correction2 = 1 - Math.Pow(beta2, step);
            double rho = rhoInfinity - 2 * step * Math.Pow(beta2, step) / correction2;
            double rect = Math.Sqrt((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho));
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i];
                if (decoupled) p[i] *= 1 - lr * weightDecay;
                else g += weightDecay * p[i];
                md[i] = beta1 * md[i] + (1 - beta1) * g;
                vd[i] = beta2 * vd[i] + (1 - beta2) * g * g;
                double mHat = md[i] / (1 - Math.Pow(beta1, step));
                if (rho > 5) p[i] -= lr * mHat * rect * Math.Sqrt(correction2) / (Math.Sqrt(vd[i]) + epsilon);
                else p[i] -= lr * mHat;
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(md, m, Absolute, Relative, $"exp_avg after step {step}");
            AssertClose(vd, v, 1e-9, Relative, $"exp_avg_sq after step {step}");
        }
    }

    [Theory]
    [InlineData(1e-4, 0.9, 0.99, 0.0)]    // the reference implementation's defaults
    [InlineData(1e-2, 0.95, 0.98, 0.5)]
    public void Lion_MatchesPublishedRule(double lr, double beta1, double beta2, double weightDecay)
    {
        float[] parameters = Random(Length, 97), m = new float[Length];
        double[] p = ToDouble(parameters), md = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            if (step == 1) grad[3] = 0f;   // m = 0 and g = 0: sign(0) = 0 leaves the parameter to the decay alone
            Lion.Step(parameters, grad, m, lr, beta1, beta2, weightDecay);
            for (int i = 0; i < Length; i++)
            {
                p[i] = p[i] * (1 - lr * weightDecay) - lr * Math.Sign(beta1 * md[i] + (1 - beta1) * grad[i]);
                md[i] = beta2 * md[i] + (1 - beta2) * grad[i];
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(md, m, Absolute, Relative, $"exp_avg after step {step}");
        }
    }

    public static TheoryData<int> TorchCases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < TorchOptimizerReference.Cases.Length; i++) data.Add(i);
        return data;
    }

    /// <summary>
    /// The parameters after 8 steps against PyTorch's (make_reference.py; inputs exact in float32). Both sides are float
    /// with differently rounded steps (PyTorch fuses lerp and addcmul into multiply-adds): at most 1.2e-7 apart (one
    /// ulp of the parameters, all below 1.3) on an AVX-512 machine; 5e-7 allows a few ulps, and nothing like a wrong
    /// coefficient (which moves a parameter by 1e-5 or more here). Lion's ±lr steps agree exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(TorchCases))]
    public void MatchesPyTorchTrajectory(int index)
    {
        var c = TorchOptimizerReference.Cases[index];
        int length = TorchOptimizerReference.Length;
        float[] parameters = new float[length], a = new float[length], b = new float[length];
        for (int i = 0; i < length; i++) parameters[i] = (i * 5 % 11 - 5) / 4f;
        double muProduct = 1.0;
        for (int step = 1; step <= TorchOptimizerReference.Steps; step++)
        {
            float[] grad = new float[length];
            for (int i = 0; i < length; i++) grad[i] = (float)(((i * 7 + step * 13) % 17 - 8) / 8.0 * (1 + step / 4.0));
            switch (c.Optimizer)
            {
                case "Adadelta": Adadelta.Step(parameters, grad, a, b, c.LearningRate, c.Rho, c.Epsilon, c.WeightDecay); break;
                case "NAdam":
                    NAdam.Step(parameters, grad, a, b, ref muProduct, step, c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, c.WeightDecay,
                        c.MomentumDecay, c.Decoupled);
                    break;
                case "RAdam": RAdam.Step(parameters, grad, a, b, step, c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, c.WeightDecay, c.Decoupled); break;
                case "Lion": Lion.Step(parameters, grad, a, c.LearningRate, c.Beta1, c.Beta2, c.WeightDecay); break;
                default: throw new InvalidOperationException(c.Optimizer);
            }
        }
        AssertClose(c.Parameters, parameters, 5e-7, 0, $"{c.Optimizer} ({c.Source}) parameters after {TorchOptimizerReference.Steps} steps");
        // PyTorch keeps mu_product in float32: 1e-7 relative of it.
        if (c.Optimizer == "NAdam") Assert.True(Math.Abs(muProduct - c.MuProduct) <= 2e-7 * c.MuProduct, $"mu_product {muProduct} vs {c.MuProduct}");
    }

    [Theory]
    [InlineData("Adadelta")]
    [InlineData("NAdam")]
    [InlineData("RAdam")]
    [InlineData("Lion")]
    public void LargeBuffer_SplitAcrossCores_IsBitIdenticalToSmallSlices(string optimizer)
    {
        // Above the parallel threshold the update is split across the worker pool in chunks of 64 floats; slices of 1000
        // run on one thread with other Vector512/Vector256/scalar boundaries. Elementwise updates with the same float
        // operations in every width must agree bit for bit.
        const int Large = ElementwiseSplit.ParallelThreshold * 2 + 29, Slice = 1000;
        float[] whole = Random(Large, 7), a = new float[Large], b = new float[Large];
        float[] sliced = (float[])whole.Clone(), aSliced = new float[Large], bSliced = new float[Large];
        double muWhole = 1.0;
        for (int step = 1; step <= 4; step++)
        {
            float[] grad = Random(Large, 60 + (ulong)step, -2, 2);
            double muBefore = muWhole, muSliced = 0;
            Run(whole, grad, a, b, ref muWhole, step, 0, Large);
            for (int start = 0; start < Large; start += Slice)
            {
                double mu = muBefore;   // every slice starts from the same product
                Run(sliced, grad, aSliced, bSliced, ref mu, step, start, Math.Min(Slice, Large - start));
                muSliced = mu;
            }
            Assert.Equal(muWhole, muSliced);
            for (int i = 0; i < Large; i++)
            {
                if (whole[i] != sliced[i] || a[i] != aSliced[i] || b[i] != bSliced[i])
                    Assert.Fail($"{optimizer} step {step}, element {i}: parameter {whole[i]:R} vs {sliced[i]:R}, state {a[i]:R}/{b[i]:R} vs {aSliced[i]:R}/{bSliced[i]:R}.");
            }
        }

        void Run(float[] p, float[] g, float[] s1, float[] s2, ref double mu, int step, int start, int count)
        {
            Span<float> ps = p.AsSpan(start, count), s1s = s1.AsSpan(start, count), s2s = s2.AsSpan(start, count);
            ReadOnlySpan<float> gs = g.AsSpan(start, count);
            switch (optimizer)
            {
                case "Adadelta": Adadelta.Step(ps, gs, s1s, s2s, 1.0, 0.9, 1e-6, 0.01); break;
                case "NAdam": NAdam.Step(ps, gs, s1s, s2s, ref mu, step, 2e-3, 0.9, 0.999, 1e-8, 0.01, 4e-3, false); break;
                case "RAdam": RAdam.Step(ps, gs, s1s, s2s, step, 1e-3, 0.9, 0.999, 1e-8, 0.01, true); break;
                case "Lion": Lion.Step(ps, gs, s1s, 1e-4, 0.9, 0.99, 0.1); break;
            }
        }
    }

    [Fact]
    public void NAdam_MuProductFromStepCount_MatchesTheCarriedProduct()
    {
        Assert.Equal(1.0, NAdam.MuProduct(0, 0.9, 4e-3));
        float[] p = new float[5], g = [1, -2, 3, -4, 5], m = new float[5], v = new float[5];
        double carried = 1.0;
        for (int step = 1; step <= 50; step++)
        {
            NAdam.Step(p, g, m, v, ref carried, step, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false);
            Assert.Equal(carried, NAdam.MuProduct(step, 0.9, 4e-3));
        }
        // Far along, the product is below 1e-20 (the loop stops there): 1 - product is exactly 1.
        double late = NAdam.MuProduct(1_000_000, 0.9, 4e-3);
        Assert.True(late < 1e-20 && 1.0 - late == 1.0, $"{late}");
    }

    [Fact]
    public void WrongLengthOrArgument_ThrowsNamingIt_AndChangesNothing()
    {
        float[] p = [1, 2, 3, 4], g = [1, 1, 1, 1], m = new float[4], v = new float[4];
        var error = Assert.Throws<ArgumentException>(() => Adadelta.Step(p, g, new float[3], v, 1, 0.9, 1e-6, 0));
        Assert.Equal("squareAverage", error.ParamName);
        Assert.Contains("expected 4", error.Message);
        Assert.Equal("accumulatedDelta", Assert.Throws<ArgumentException>(() => Adadelta.Step(p, g, m, new float[5], 1, 0.9, 1e-6, 0)).ParamName);
        Assert.Equal("rho", Assert.Throws<ArgumentOutOfRangeException>(() => Adadelta.Step(p, g, m, v, 1, 1.5, 1e-6, 0)).ParamName);

        double mu = 1.0;
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => NAdam.Step(p, g, m, new float[2], ref mu, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => NAdam.Step(p, g, m, v, ref mu, 0, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false)).ParamName);
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => NAdam.Step(p, g, m, v, ref mu, 1, 2e-3, 1.0, 0.999, 1e-8, 0, 4e-3, false)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => NAdam.Step(p, g, m, v, ref mu, 1, double.NaN, 0.9, 0.999, 1e-8, 0, 4e-3, false)).ParamName);
        double bad = 1.5;
        Assert.Equal("muProduct", Assert.Throws<ArgumentOutOfRangeException>(() => NAdam.Step(p, g, m, v, ref bad, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false)).ParamName);
        Assert.Equal(1.0, mu);

        Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => RAdam.Step(p, new float[3], m, v, 1, 1e-3, 0.9, 0.999, 1e-8, 0, false)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => RAdam.Step(p, g, m, v, 1, 1e-3, 0.9, -0.1, 1e-8, 0, false)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentException>(() => Lion.Step(p, g, new float[3], 1e-4, 0.9, 0.99, 0)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => Lion.Step(p, g, m, 1e-4, 0.9, 0.99, -1)).ParamName);

        Assert.Equal([1f, 2, 3, 4], p);
        Assert.All(m, x => Assert.Equal(0f, x));
        Assert.All(v, x => Assert.Equal(0f, x));
    }
}
