using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

/// <summary>The fused cell loops' exp, sigmoid and tanh against double precision, across the range and at the extremes.</summary>
public class RecurrentMathTests
{
    [Fact]
    public void VectorGateFunctions_MatchDoublePrecision_AndSaturateWithoutNaN() => CheckGateFunctions(8, x =>
    {
        var v = Vector256.Create(x);
        return (Lanes(RecurrentMath.Sigmoid(v)), Lanes(RecurrentMath.Tanh(v)), Lanes(RecurrentMath.Exp(v)));
    });

    [Fact]
    public void Vector512GateFunctions_MatchDoublePrecision_AndSaturateWithoutNaN()
    {
        if (!Avx512F.IsSupported) return;   // the 16-lane forms run only where AVX-512 does
        CheckGateFunctions(16, x =>
        {
            var v = Vector512.Create(x);
            return (Lanes(RecurrentMath.Sigmoid(v)), Lanes(RecurrentMath.Tanh(v)), Lanes(RecurrentMath.Exp(v)));
        });
    }

    private static float[] Lanes(Vector256<float> v)
    {
        var lanes = new float[8];
        v.CopyTo(lanes);
        return lanes;
    }

    private static float[] Lanes(Vector512<float> v)
    {
        var lanes = new float[16];
        v.CopyTo(lanes);
        return lanes;
    }

    // sigmoid and tanh within 2e-7 of double precision and inside their ranges, exp within 3e-7 relative where |x| <= 87
    // (beyond, a normal float on 16 lanes), over [-40, 40] in steps of 0.01 and the extremes, `lanes` inputs per call.
    private static void CheckGateFunctions(int lanes, Func<float[], (float[] Sigmoid, float[] Tanh, float[] Exp)> functions)
    {
        var inputs = new List<float> { 0f, -0f, 1e-8f, -1e-8f, 1e-3f, 87f, -87f, 88f, -88f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, float.MinValue };
        for (int i = -4000; i <= 4000; i++) inputs.Add(i * 0.01f);
        while (inputs.Count % lanes != 0) inputs.Add(0.5f);
        for (int start = 0; start < inputs.Count; start += lanes)
        {
            float[] x = inputs.GetRange(start, lanes).ToArray();
            var (sigmoid, tanh, exp) = functions(x);
            for (int lane = 0; lane < lanes; lane++)
            {
                double v = x[lane];
                double expectedSigmoid = 1.0 / (1.0 + Math.Exp(-v)), expectedTanh = Math.Tanh(v);
                Assert.True(Math.Abs(sigmoid[lane] - expectedSigmoid) <= 2e-7, $"sigmoid({v}) = {sigmoid[lane]}, expected {expectedSigmoid}");
                Assert.True(Math.Abs(tanh[lane] - expectedTanh) <= 2e-7, $"tanh({v}) = {tanh[lane]}, expected {expectedTanh}");
                Assert.True(sigmoid[lane] is >= 0f and <= 1f && tanh[lane] is >= -1f and <= 1f, $"out of range at {v}");
                if (Math.Abs(v) <= 87)
                {
                    double expectedExp = Math.Exp(v);
                    Assert.True(Math.Abs(exp[lane] - expectedExp) <= 3e-7 * expectedExp, $"exp({v}) = {exp[lane]}, expected {expectedExp}");
                }
                else if (lanes == 16) Assert.True(float.IsNormal(exp[lane]), $"exp({v}) = {exp[lane]} is not a normal float");   // the 16-lane clamp keeps it normal
            }
        }
    }
}
