using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetGen.Kernels;

namespace NetGen.Tests.Recurrent;

/// <summary>The fused cell loops' exp, sigmoid and tanh against double precision, across the range and at the extremes.</summary>
public class RecurrentMathTests
{
    [Fact]
    public void VectorGateFunctions_MatchDoublePrecision_AndSaturateWithoutNaN()
    {
        var inputs = new List<float> { 0f, -0f, 1e-8f, -1e-8f, 1e-3f, 88f, -88f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, float.MinValue };
        for (int i = -4000; i <= 4000; i++) inputs.Add(i * 0.01f);   // [-40, 40] in steps of 0.01
        while (inputs.Count % 8 != 0) inputs.Add(0.5f);
        for (int start = 0; start < inputs.Count; start += 8)
        {
            var x = Vector256.Create(inputs.GetRange(start, 8).ToArray());
            Vector256<float> sigmoid = RecurrentMath.Sigmoid(x), tanh = RecurrentMath.Tanh(x), exp = RecurrentMath.Exp(x);
            for (int lane = 0; lane < 8; lane++)
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
            }
        }
    }

    [Fact]
    public void Vector512GateFunctions_MatchDoublePrecision_AndSaturateWithoutNaN()
    {
        if (!Avx512F.IsSupported) return;   // the 16-lane forms run only where AVX-512 does
        var inputs = new List<float> { 0f, -0f, 1e-8f, -1e-8f, 1e-3f, 87f, -87f, 88f, -88f, 100f, -100f, 1e30f, -1e30f, float.MaxValue, float.MinValue };
        for (int i = -4000; i <= 4000; i++) inputs.Add(i * 0.01f);   // [-40, 40] in steps of 0.01
        while (inputs.Count % 16 != 0) inputs.Add(0.5f);
        for (int start = 0; start < inputs.Count; start += 16)
        {
            var x = Vector512.Create(inputs.GetRange(start, 16).ToArray());
            Vector512<float> sigmoid = RecurrentMath.Sigmoid(x), tanh = RecurrentMath.Tanh(x), exp = RecurrentMath.Exp(x);
            for (int lane = 0; lane < 16; lane++)
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
                else Assert.True(float.IsNormal(exp[lane]), $"exp({v}) = {exp[lane]} is not a normal float");
            }
        }
    }
}
