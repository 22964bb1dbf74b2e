using NetGen.Optimizers;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Optimizers;

/// <summary>
/// The optimizers' constants as PyTorch forms them: <c>1 - β2</c> (Adam, AdamW, AMSGrad) and <c>1 - α</c> (RMSprop) in a
/// Python float (double) from the setting as written, rounded to float32 only where the kernel receives it; the decay
/// factors themselves (β2, α) reach the float32 kernel rounded to float. The reference below is that recurrence in
/// double. With the float settings, 1f - 0.999f = 0.00099998713 put the saved second moment 1.3e-5 (relative) off it
/// in every element (issue 21). The double overloads must agree with it within 1e-7 relative over the whole buffer
/// (sum of |error| over sum of |value|: a systematic constant error shows in full, while float32 storage rounds each
/// element by up to 6e-8 in either direction), and bit for bit with the same recurrence run in float32 in PyTorch's
/// operation order (mul_ by β2, then addcmul_ of (1-β2)·g·g), which is what torch.optim computes.
/// </summary>
public class OptimizerConstantsTests
{
    private const int Length = 37, Steps = 10;
    private const double SecondMomentRelative = 1e-7;

    private static float[] Gradient(int step) => Random(Length, 200 + (ulong)step, -2, 2);

    [Theory]
    [InlineData(0.999, false, false)]
    [InlineData(0.999, true, false)]   // AdamW
    [InlineData(0.999, false, true)]   // AMSGrad
    [InlineData(0.99, false, false)]
    [InlineData(0.9999, true, true)]
    [InlineData(0.95, false, false)]
    public void Adam_DoubleSettings_SecondMomentMatchesPyTorchFormula(double beta2, bool decoupled, bool amsgrad)
    {
        const double beta1 = 0.9, epsilon = 1e-8, weightDecay = 0.01;
        const float lr = 0.01f;
        float[] parameters = Random(Length, 93);
        float[] m = new float[Length], v = new float[Length], vMax = amsgrad ? new float[Length] : [];
        double[] vd = new double[Length];
        float[] vTorch = new float[Length];
        float decayFactor = (float)beta2, oneMinusBeta2 = (float)(1.0 - beta2);
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step), before = (float[])parameters.Clone();
            Adam.Step(parameters, grad, m, v, vMax, step, lr, beta1, beta2, epsilon, weightDecay, decoupled);
            for (int i = 0; i < Length; i++)
            {
                // The gradient the kernel squares, formed as PyTorch's float32 kernel forms it (coupled decay adds
                // wd·p in float to the parameter it held), so that only the constants are under test.
                float g = decoupled ? grad[i] : grad[i] + (float)weightDecay * before[i];
                vd[i] = (double)decayFactor * vd[i] + (double)oneMinusBeta2 * g * g;
                vTorch[i] = decayFactor * vTorch[i] + oneMinusBeta2 * g * g;
            }
            AssertBufferClose(vd, v, $"v (exp_avg_sq) after step {step}");
            Assert.Equal(vTorch, v);
        }
    }

    [Fact]
    public void Adam_FloatSettings_AreTheDoubleOverloadWithTheFloatsWidened()
    {
        // The float overload forwards: same bits as the double overload given (double)0.999f, so existing callers
        // (and checkpoints they wrote) see no change.
        float[] p1 = Random(Length, 94), p2 = (float[])p1.Clone();
        float[] m1 = new float[Length], v1 = new float[Length], m2 = new float[Length], v2 = new float[Length];
        for (int step = 1; step <= 3; step++)
        {
            float[] grad = Gradient(step);
            Adam.Step(p1, grad, m1, v1, [], step, 0.01f, 0.9f, 0.999f, 1e-8f, 0.01f, true);
            Adam.Step(p2, grad, m2, v2, [], step, 0.01f, (double)0.9f, (double)0.999f, (double)1e-8f, (double)0.01f, true);
        }
        Assert.Equal(p1, p2);
        Assert.Equal(v1, v2);
    }

    [Fact]
    public void Adam_FloatSettings_SecondMomentIsOffByTheFloatConstant()
    {
        // What the double overload fixes, pinned: one step from zeros gives v = (1 - β2)·g², and 1f - 0.999f is
        // 0.00099998713, 1.3e-5 below 0.001.
        float[] grad = Gradient(1);
        float[] vFloat = new float[Length], vDouble = new float[Length];
        Adam.Step(new float[Length], grad, new float[Length], vFloat, [], 1, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, false);
        Adam.Step(new float[Length], grad, new float[Length], vDouble, [], 1, 0.01f, 0.9, 0.999, 1e-8, 0.0, false);
        double relativeFloat = Math.Abs(vFloat[0] / (0.001 * grad[0] * grad[0]) - 1);
        double relativeDouble = Math.Abs(vDouble[0] / (0.001 * grad[0] * grad[0]) - 1);
        Assert.InRange(relativeFloat, 1.2e-5, 1.4e-5);
        Assert.True(relativeDouble < 2e-7, $"double settings: v is {relativeDouble:E2} (relative) off 0.001·g².");
    }

    [Theory]
    [InlineData(0.99, false, 0.0)]
    [InlineData(0.9, true, 0.0)]
    [InlineData(0.99, false, 0.9)]
    public void RmsProp_DoubleSettings_SquareAverageMatchesPyTorchFormula(double alpha, bool centered, double momentum)
    {
        const float lr = 0.01f;
        float[] parameters = Random(Length, 95);
        float[] square = new float[Length], buffer = momentum > 0 ? new float[Length] : [], average = centered ? new float[Length] : [];
        double[] s = new double[Length];
        float[] sTorch = new float[Length];
        float decayFactor = (float)alpha, oneMinusAlpha = (float)(1.0 - alpha);
        for (int step = 1; step <= Steps; step++)
        {
            float[] grad = Gradient(step);
            RmsProp.Step(parameters, grad, square, buffer, average, lr, alpha, 1e-8, 0.0, momentum, centered);
            for (int i = 0; i < Length; i++)
            {
                s[i] = (double)decayFactor * s[i] + (double)oneMinusAlpha * grad[i] * grad[i];
                sTorch[i] = decayFactor * sTorch[i] + oneMinusAlpha * grad[i] * grad[i];
            }
            AssertBufferClose(s, square, $"square_avg after step {step}");
            Assert.Equal(sTorch, square);
        }
    }

    private static void AssertBufferClose(double[] expected, float[] actual, string what)
    {
        double error = 0, size = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            error += Math.Abs(actual[i] - expected[i]);
            size += Math.Abs(expected[i]);
        }
        Assert.True(error <= SecondMomentRelative * size, $"{what}: {error / size:E2} (relative) off the double reference.");
    }
}
