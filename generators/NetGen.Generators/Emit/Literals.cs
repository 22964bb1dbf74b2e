using System.Globalization;

namespace NetGen.Generators.Emit;

/// <summary>Culture-invariant, round-trip C# literals, so emitted bytes are the same on every machine.</summary>
internal static class Literals
{
    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Thousands-separated, for comments.</summary>
    public static string Grouped(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "float.NaN";
        if (double.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        // The parser rejects what float cannot hold; a value past it still prints as C#, never as "Infinityf".
        float single = (float)value;
        if (float.IsInfinity(single)) return single > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        return single.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    public static string Double(double value)
    {
        if (double.IsNaN(value)) return "double.NaN";
        if (double.IsPositiveInfinity(value)) return "double.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "double.NegativeInfinity";
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains(".") || text.Contains("E") ? text : text + ".0";
    }

    public static string Bool(bool value) => value ? "true" : "false";
}
