using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Kernels;

public class DenseTests
{
    public static TheoryData<int, int, int> AwkwardShapes => new()
    {
        { 1, 1, 1 }, { 3, 7, 5 }, { 17, 33, 9 }, { 2, 64, 16 }, { 5, 1, 13 }, { 1, 19, 1 }, { 4, 9, 31 },
    };

    // Fast (Gemm-based) and naive kernels do the same sums in different orders; with |values| <= 1 and K <= 64
    // terms, float reassociation error stays below ~64 · 6e-8 · Σ|terms| ~ 1e-5.
    private const double Absolute = 2e-5, Relative = 1e-5;

    [Theory, MemberData(nameof(AwkwardShapes))]
    public void Forward_MatchesReference_WithAndWithoutBias(int batch, int inputs, int units)
    {
        float[] input = Random(batch * inputs, 1), weight = Random(units * inputs, 2), bias = Random(units, 3);
        foreach (float[] b in new[] { bias, Array.Empty<float>() })
        {
            var fast = new float[batch * units];
            var reference = new float[batch * units];
            Dense.Forward(input, weight, b, fast, batch, inputs, units);
            Dense.ForwardReference(input, weight, b, reference, batch, inputs, units);
            AssertClose(reference, fast, Absolute, Relative, $"output (bias: {b.Length > 0})");
        }
    }

    [Theory, MemberData(nameof(AwkwardShapes))]
    public void Backward_MatchesReference_OverwritesDinput_AccumulatesDweightAndDbias(int batch, int inputs, int units)
    {
        float[] doutput = Random(batch * units, 4), input = Random(batch * inputs, 5), weight = Random(units * inputs, 6);
        // Garbage in dinput must be overwritten; the prior contents of dweight/dbias must be kept and added to.
        float[] dinputFast = Random(batch * inputs, 7, 50, 60), dinputReference = (float[])dinputFast.Clone();
        float[] dweightFast = Random(units * inputs, 8), dweightReference = (float[])dweightFast.Clone();
        float[] dbiasFast = Random(units, 9), dbiasReference = (float[])dbiasFast.Clone();

        Dense.Backward(doutput, input, weight, dinputFast, dweightFast, dbiasFast, batch, inputs, units);
        Dense.BackwardReference(doutput, input, weight, dinputReference, dweightReference, dbiasReference, batch, inputs, units);

        AssertClose(dinputReference, dinputFast, Absolute, Relative, "dinput");
        AssertClose(dweightReference, dweightFast, Absolute, Relative, "dweight");
        AssertClose(dbiasReference, dbiasFast, Absolute, Relative, "dbias");
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 7, 5)]
    [InlineData(4, 9, 17)]
    public void Backward_MatchesFiniteDifferences_ForInputWeightAndBias(int batch, int inputs, int units)
    {
        float[] input = Random(batch * inputs, 10), weight = Random(units * inputs, 11), bias = Random(units, 12);
        float[] r = Random(batch * units, 13); // L = Σ output · R, so dL/doutput = R
        var dinput = new float[batch * inputs];
        var dweight = new float[units * inputs];
        var dbias = new float[units];
        Dense.Backward(r, input, weight, dinput, dweight, dbias, batch, inputs, units);

        double Objective(double[] x, double[] w, double[] b)
        {
            double loss = 0;
            for (int i = 0; i < batch; i++)
                for (int n = 0; n < units; n++)
                {
                    double sum = b[n];
                    for (int k = 0; k < inputs; k++) sum += x[i * inputs + k] * w[n * inputs + k];
                    loss += sum * r[i * units + n];
                }
            return loss;
        }
        double[] xd = ToDouble(input), wd = ToDouble(weight), bd = ToDouble(bias);
        // L is linear in each argument, so central differences are exact up to double rounding; the analytic side is
        // float with at most 17 terms per sum: 1e-5 covers its rounding.
        AssertClose(CentralDifferences(xd, p => Objective(p, wd, bd)), dinput, 1e-5, 1e-5, "dinput");
        AssertClose(CentralDifferences(wd, p => Objective(xd, p, bd)), dweight, 1e-5, 1e-5, "dweight");
        AssertClose(CentralDifferences(bd, p => Objective(xd, wd, p)), dbias, 1e-5, 1e-5, "dbias");
    }

    [Fact]
    public void Backward_EmptyDinputAndDbias_AreSkipped()
    {
        float[] doutput = Random(6, 14), input = Random(9, 15), weight = Random(6, 16);
        var dweight = new float[6];
        var expected = new float[6];
        Dense.Backward(doutput, input, weight, Span<float>.Empty, dweight, Span<float>.Empty, 3, 3, 2);
        Dense.BackwardReference(doutput, input, weight, Span<float>.Empty, expected, Span<float>.Empty, 3, 3, 2);
        AssertClose(expected, dweight, Absolute, Relative, "dweight");
    }

    [Fact]
    public void Forward_ShortWeight_ThrowsNamingWeightAndSizes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Dense.Forward(new float[6], new float[5], Array.Empty<float>(), new float[4], 2, 3, 2));
        Assert.Equal("weight", error.ParamName);
        Assert.Contains("[2, 3] needs 6", error.Message);
    }
}
