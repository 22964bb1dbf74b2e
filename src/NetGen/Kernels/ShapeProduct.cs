namespace NetGen.Kernels;

/// <summary>Element counts of shapes, multiplied in long and saturated: no product of sizes overflows into a small number that a short span would pass.</summary>
internal static class ShapeProduct
{
    /// <summary>
    /// a·b·c·d for non-negative sizes, or <see cref="long.MaxValue"/> once the running product passes
    /// <see cref="int.MaxValue"/> (no span holds that many elements, so a length check against it fails as it should).
    /// Each step multiplies at most 2^31 by 2^31, which fits a long.
    /// </summary>
    internal static long Of(int a, int b, int c = 1, int d = 1)
    {
        long product = (long)a * b;
        if (product > int.MaxValue) return long.MaxValue;
        product *= c;
        if (product > int.MaxValue) return long.MaxValue;
        product *= d;
        return product > int.MaxValue ? long.MaxValue : product;
    }

    internal static string Describe(long count) => count == long.MaxValue ? $"more than {int.MaxValue}" : count.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
