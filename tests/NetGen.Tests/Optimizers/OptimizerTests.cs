using NetGen.Optimizers;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// Each optimizer runs several steps on a 37-element buffer (4 full vectors and a scalar tail) with fresh gradients
/// every step, against the published torch.optim update rule written out here in double. Float state drifts from the
/// double one by a few ulp per step; 1e-6 absolute + 1e-5 relative over 6 steps allows for that and nothing more.
/// </summary>
public class OptimizerTests
{
    private const int Length = 37, Steps = 6;
    private const double Absolute = 1e-6, Relative = 1e-5;

    private static float[] Gradient(int step) => Random(Length, 100 + (ulong)step, -2, 2);

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0f, 0.01f, false)]
    [InlineData(0.9f, 0f, false)]
    [InlineData(0.9f, 0.05f, false)]
    [InlineData(0.9f, 0f, true)]
    [InlineData(0.8f, 0.05f, true)]
    public void Sgd_MatchesTorchRule(float momentum, float weightDecay, bool nesterov)
    {
        const float lr = 0.1f;
        float[] parameters = Random(Length, 90);
        float[] velocity = momentum == 0f ? [] : new float[Length];
        double[] p = ToDouble(parameters), v = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            Sgd.Step(parameters, grad, velocity, lr, momentum, weightDecay, nesterov);
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i] + (double)weightDecay * p[i];
                if (momentum != 0)
                {
                    v[i] = step == 1 ? g : momentum * v[i] + g; // torch clones the first gradient into the buffer
                    g = nesterov ? g + momentum * v[i] : v[i];
                }
                p[i] -= lr * g;
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            if (momentum != 0) AssertClose(v, velocity, Absolute, Relative, $"velocity after step {step}");
        }
    }

    [Theory]
    [InlineData(0f, false, false)]
    [InlineData(0.01f, false, false)] // Adam, L2 penalty added to the gradient
    [InlineData(0.01f, true, false)]  // AdamW, decoupled decay
    [InlineData(0f, false, true)]     // AMSGrad
    [InlineData(0.1f, true, true)]    // AdamW + AMSGrad
    public void Adam_MatchesTorchRule(float weightDecay, bool decoupled, bool amsgrad)
    {
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        float[] parameters = Random(Length, 91);
        float[] m = new float[Length], v = new float[Length], vMax = amsgrad ? new float[Length] : [];
        double[] p = ToDouble(parameters), md = new double[Length], vd = new double[Length], vMaxD = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            // Shrinking gradients make v decrease, so AMSGrad's max actually differs from v.
            float[] grad = Gradient(step);
            for (int i = 0; i < Length; i++) grad[i] /= step * step;
            Adam.Step(parameters, grad, m, v, vMax, step, lr, beta1, beta2, epsilon, weightDecay, decoupled);
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i];
                if (decoupled) p[i] *= 1 - (double)lr * weightDecay;
                else g += weightDecay * p[i];
                md[i] = beta1 * md[i] + (1 - (double)beta1) * g;
                vd[i] = beta2 * vd[i] + (1 - (double)beta2) * g * g;
                double second = vd[i];
                if (amsgrad) second = vMaxD[i] = Math.Max(vMaxD[i], vd[i]);
                double mHat = md[i] / (1 - Math.Pow(beta1, step)), vHat = second / (1 - Math.Pow(beta2, step));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + epsilon);
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(md, m, Absolute, Relative, $"m after step {step}");
            AssertClose(vd, v, 1e-9, Relative, $"v after step {step}");
            if (amsgrad) AssertClose(vMaxD, vMax, 1e-9, Relative, $"vMax after step {step}");
        }
        if (amsgrad) Assert.NotEqual(v, vMax);
    }

    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0.01f, 0f, false)]
    [InlineData(0f, 0.9f, false)]
    [InlineData(0f, 0f, true)]
    [InlineData(0.01f, 0.5f, true)]
    public void RmsProp_MatchesTorchRule(float weightDecay, float momentum, bool centered)
    {
        const float lr = 0.01f, alpha = 0.99f, epsilon = 1e-8f;
        float[] parameters = Random(Length, 92);
        float[] square = new float[Length], buffer = momentum > 0 ? new float[Length] : [], average = centered ? new float[Length] : [];
        double[] p = ToDouble(parameters), s = new double[Length], b = new double[Length], a = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            RmsProp.Step(parameters, grad, square, buffer, average, lr, alpha, epsilon, weightDecay, momentum, centered);
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i] + (double)weightDecay * p[i];
                s[i] = alpha * s[i] + (1 - (double)alpha) * g * g;
                double variance = s[i];
                if (centered)
                {
                    a[i] = alpha * a[i] + (1 - (double)alpha) * g;
                    variance -= a[i] * a[i];
                }
                double denominator = Math.Sqrt(variance) + epsilon;
                if (momentum > 0)
                {
                    b[i] = momentum * b[i] + g / denominator;
                    p[i] -= lr * b[i];
                }
                else p[i] -= lr * g / denominator;
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(s, square, 1e-9, Relative, $"squareAverage after step {step}");
            // a sums terms (1-α)·g ~ 0.02 of both signs, each rounded to ~1e-9: absolute 1e-8 over 6 steps.
            if (centered) AssertClose(a, average, 1e-8, Relative, $"gradientAverage after step {step}");
        }
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(0.1f, 0f)]
    [InlineData(0f, 0.01f)]
    public void Adagrad_MatchesTorchRule(float learningRateDecay, float weightDecay)
    {
        const float lr = 0.1f, epsilon = 1e-10f;
        float[] parameters = Random(Length, 93), sum = new float[Length];
        double[] p = ToDouble(parameters), s = new double[Length];
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            Adagrad.Step(parameters, grad, sum, step, lr, learningRateDecay, weightDecay, epsilon);
            double clr = lr / (1 + (step - 1) * (double)learningRateDecay);
            for (int i = 0; i < Length; i++)
            {
                double g = grad[i] + (double)weightDecay * p[i];
                s[i] += g * g;
                p[i] -= clr * g / (Math.Sqrt(s[i]) + epsilon);
            }
            AssertClose(p, parameters, Absolute, Relative, $"parameters after step {step}");
            AssertClose(s, sum, 1e-9, Relative, $"sum after step {step}");
        }
    }

    [Fact]
    public void Sgd_NesterovWithoutMomentum_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Sgd.Step(new float[3], new float[3], [], 0.1f, 0f, 0f, nesterov: true));
        Assert.Equal("nesterov", error.ParamName);
    }

    [Fact]
    public void Adam_WrongLengthOrZeroStep_ThrowsNamingTheArgument()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Adam.Step(new float[4], new float[4], new float[3], new float[4], [], 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false));
        Assert.Equal("m", error.ParamName);
        Assert.Contains("expected 4", error.Message);
        var stepError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Adam.Step(new float[4], new float[4], new float[4], new float[4], [], 0, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false));
        Assert.Equal("step", stepError.ParamName);
    }
    [Theory]
    [InlineData(0f, false, false)]
    [InlineData(0.01f, true, true)]
    public void Adam_LargeBuffer_SplitAcrossCores_IsBitIdenticalToTheElementwiseFormula(float weightDecay, bool decoupled, bool amsgrad)
    {
        // Above Adam.ParallelThreshold the update is split across the worker pool in chunks of Vector512s, with a
        // Vector256 and scalar tail: every element must still get exactly the float operations of the one-element
        // formula below (same order, no fused multiply-add), whatever the split and the vector width. An odd length
        // leaves a tail for both narrower paths.
        const int Large = Adam.ParallelThreshold * 2 + 16 + 8 + 5;
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        float[] parameters = Random(Large, 5), m = new float[Large], v = new float[Large], vMax = amsgrad ? new float[Large] : [];
        float[] p = (float[])parameters.Clone(), mf = new float[Large], vf = new float[Large], vMaxF = new float[Large];
        for (int step = 1; step <= 3; step++)
        {
            float[] grad = Random(Large, 50 + (ulong)step, -2, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Adam.Step(parameters, grad, m, v, vMax, step, lr, beta1, beta2, epsilon, weightDecay, decoupled);
            if (step > 1) Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);   // the pool starts on first use
            float stepSize = (float)(lr / (1.0 - Math.Pow(beta1, step)));
            float inverse = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(beta2, step)));
            float decay = decoupled ? (float)(1.0 - (double)lr * weightDecay) : 1f, couple = decoupled ? 0f : weightDecay;
            for (int i = 0; i < Large; i++)
            {
                float g = grad[i] + couple * p[i];
                float pi = p[i] * decay;
                mf[i] += (1f - beta1) * (g - mf[i]);
                vf[i] = beta2 * vf[i] + (1f - beta2) * g * g;
                float second = vf[i];
                if (amsgrad) second = vMaxF[i] = MathF.Max(vMaxF[i], second);
                p[i] = pi - stepSize * mf[i] / (MathF.Sqrt(second) * inverse + epsilon);
            }
            for (int i = 0; i < Large; i++)
            {
                Assert.True(p[i] == parameters[i] && mf[i] == m[i] && vf[i] == v[i],
                    $"step {step}, element {i} of {Large}: parameter {parameters[i]:R} (formula {p[i]:R}), m {m[i]:R} ({mf[i]:R}), v {v[i]:R} ({vf[i]:R}).");
            }
        }
    }
}
