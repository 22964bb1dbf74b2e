using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace NetGen.Generators.Emit;

/// <summary>
/// The names of generated files: namespace and class, kept to the characters every file system takes (letters,
/// digits, '_' and '.'). Roslyn compares hint names without regard to case, so where two networks' names differ only
/// in case (Mlp and MLP, or namespaces Data and data) or in characters dropped (@event), a hash of the exact name keeps
/// their files apart: a legal program never gets duplicate hint names (CS8785, which drops every generated file).
/// </summary>
internal static class HintNames
{
    /// <summary>The full name of a type: "Namespace.Class", or "Class" in the global namespace.</summary>
    public static string FullName(string? ns, string className) => ns is null ? className : ns + "." + className;

    /// <summary>The suffix of a [Network] class's implementation file (the nested Implementation class).</summary>
    public const string ImplementationSuffix = ".Implementation.g.cs";

    /// <summary>The suffixes a network's files take: one network's "N.Implementation" + ".g.cs" must not meet another's "N" + ".Implementation.g.cs".</summary>
    private static readonly string[] Suffixes = [".g.cs", ImplementationSuffix, ".Gpu.g.cs"];

    /// <summary>The hint name of <paramref name="fullName"/>'s file ending in <paramref name="suffix"/>, unique among <paramref name="allFullNames"/>' files.</summary>
    public static string For(string fullName, string suffix, IEnumerable<string> allFullNames)
    {
        string stem = Sanitize(fullName);
        string name = stem + suffix;
        bool shared = allFullNames.Any(other => other != fullName
            && Suffixes.Any(otherSuffix => string.Equals(Sanitize(other) + otherSuffix, name, System.StringComparison.OrdinalIgnoreCase)));
        return shared ? $"{stem}.{Hash(fullName):x8}{suffix}" : name;
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name) builder.Append(c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '.' ? c : '_');
        return builder.ToString();
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and runtimes (string.GetHashCode is not).</summary>
    private static uint Hash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = (hash ^ c) * 16777619;
        return hash;
    }
}
