using Microsoft.CodeAnalysis.Text;

namespace NetGen.Generators.Tests.Infrastructure;

/// <summary>Test sources mark the span a diagnostic must point at with <c>[|</c> and <c>|]</c>.</summary>
public static class Markup
{
    public static (string Source, TextSpan Span) Parse(string markedSource)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "The test source must mark the expected span with [| and |].");
        string source = markedSource.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
