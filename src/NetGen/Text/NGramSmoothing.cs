namespace NetGen.Text;

/// <summary>How an <see cref="NGramModel"/> spreads probability to n-grams it has not seen.</summary>
public enum NGramSmoothing
{
    /// <summary>
    /// Interpolated Kneser-Ney with three discounts per order, for n-grams seen once, twice and three or
    /// more times (Chen and Goodman 1998). The default: the lowest held-out loss.
    /// </summary>
    ModifiedKneserNey = 0,

    /// <summary>Interpolated Kneser-Ney with one discount per order, D = n1 / (n1 + 2 n2).</summary>
    KneserNey = 1,
}
