namespace NetGen.Tests.Kernels;

/// <summary>Shared helpers for the kernel tests: seeded random data, central differences in double, tolerance checks.</summary>
internal static class Numerics
{
    public static float[] Random(int length, ulong seed, float low = -1f, float high = 1f)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextUniform(low, high);
        return values;
    }

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>
    /// ∂objective/∂point[i] for every i by central differences in double: (f(x + h) - f(x - h)) / 2h. With h = 1e-6
    /// the truncation error is O(h²·f''') ~ 1e-12 and the rounding error ~ 1e-16/h = 1e-10: far below float tolerances.
    /// </summary>
    public static double[] CentralDifferences(double[] point, Func<double[], double> objective, double h = 1e-6)
    {
        var gradient = new double[point.Length];
        for (int i = 0; i < point.Length; i++)
        {
            double saved = point[i];
            point[i] = saved + h;
            double plus = objective(point);
            point[i] = saved - h;
            double minus = objective(point);
            point[i] = saved;
            gradient[i] = (plus - minus) / (2 * h);
        }
        return gradient;
    }

    /// <summary>Fails, naming the element, unless |actual - expected| &lt;= absolute + relative·|expected| for every element.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = absolute + relative * Math.Abs(expected[i]);
            if (!(error <= allowed))
                Assert.Fail($"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R} (error {error:E2} > allowed {allowed:E2}).");
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double absolute, double relative, string what)
    {
        var widened = new double[expected.Length];
        for (int i = 0; i < expected.Length; i++) widened[i] = expected[i];
        AssertClose(widened, actual, absolute, relative, what);
    }

    /// <summary>erfc in double: Taylor series below 2.5, Lentz-style continued fraction above (both ~1e-15 relative).</summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2.0 - Erfc(-x);
        if (x < 2.5)
        {
            // erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n!(2n+1))
            double sum = 0, term = x;
            for (int n = 0; n < 200; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-18) break;
                term *= -x * x / (n + 1);
            }
            return 1.0 - 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        double fraction = 0;
        for (int k = 200; k >= 1; k--) fraction = k / 2.0 / (x + fraction);
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / (x + fraction);
    }

    /// <summary>log(1 + e) in double with full relative accuracy for tiny e.</summary>
    public static double Log1p(double e) => Math.Abs(e) < 1e-5 ? e - e * e / 2 + e * e * e / 3 : Math.Log(1 + e);

    /// <summary>e^x - 1 in double with full relative accuracy near 0.</summary>
    public static double Expm1(double x) => Math.Abs(x) < 1e-5 ? x + x * x / 2 + x * x * x / 6 : Math.Exp(x) - 1;
}
