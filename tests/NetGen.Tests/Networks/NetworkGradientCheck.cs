namespace NetGen.Tests.Networks;

/// <summary>
/// Checks a generated network's analytic gradient against central differences of its own loss, for every
/// parameter. Float forward passes with eps = 1e-2 agree to about 1e-3 relative; a wiring error is off by O(1).
/// </summary>
internal static class NetworkGradientCheck
{
    /// <param name="parameters">The network's flat parameters (perturbed in place, then restored).</param>
    /// <param name="analytic">The gradient computed by the network for the same loss.</param>
    /// <param name="loss">The loss at the current parameters (must replay any randomness, such as dropout masks).</param>
    /// <param name="absolute">Absolute tolerance.</param>
    /// <param name="relative">Relative tolerance.</param>
    /// <param name="skip">Parameters not to check (for example where |w| is not differentiable).</param>
    /// <param name="epsilon">The step of the central difference; smaller where the loss has kinks nearby (max pooling).</param>
    /// <returns>How many parameters were checked.</returns>
    public static int AssertMatchesFiniteDifferences(Span<float> parameters, float[] analytic, Func<double> loss,
        double absolute = 2e-3, double relative = 2e-2, Func<int, float, bool>? skip = null, float epsilon = 1e-2f)
    {
        int checkedCount = 0;
        for (int p = 0; p < parameters.Length; p++)
        {
            float saved = parameters[p];
            if (skip?.Invoke(p, saved) == true) continue;
            parameters[p] = saved + epsilon;
            double plus = loss();
            parameters[p] = saved - epsilon;
            double minus = loss();
            parameters[p] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            Assert.True(Math.Abs(numeric - analytic[p]) <= absolute + relative * Math.Abs(numeric),
                $"parameter {p}: analytic {analytic[p]}, numeric {numeric}");
            checkedCount++;
        }

        return checkedCount;
    }
}
