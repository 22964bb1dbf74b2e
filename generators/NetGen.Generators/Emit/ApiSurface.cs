using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetGen.Generators.Emit;

/// <summary>
/// Splits an emitted class body into the user's surface and the implementation: one forwarding member per public
/// member of the body (with its documentation), the explicit interface members (which belong on the user's class,
/// the one that implements the interface), and the body itself without documentation comments.
/// </summary>
internal sealed class ApiSurface
{
    private ApiSurface(List<string> forwarders, List<string> interfaceMembers, string implementation)
    {
        Forwarders = forwarders;
        InterfaceMembers = interfaceMembers;
        Implementation = implementation;
    }

    /// <summary>Each public member as a member of the user's class calling the implementation's, documentation first.</summary>
    public IReadOnlyList<string> Forwarders { get; }

    /// <summary>Explicit interface implementations, moved as they are.</summary>
    public IReadOnlyList<string> InterfaceMembers { get; }

    /// <summary>The body's text less its documentation comments and explicit interface members, indentation kept.</summary>
    public string Implementation { get; }

    private const string Instance = "_implementation";

    /// <summary>Reads <paramref name="body"/>, the members of the nested class named <paramref name="type"/>.</summary>
    public static ApiSurface Read(string body, string type)
    {
        const string Prefix = "class __\n{\n";
        SyntaxNode root = CSharpSyntaxTree.ParseText(Prefix + body + "}\n").GetRoot();
        var declaration = root.DescendantNodes().OfType<ClassDeclarationSyntax>().First();
        var forwarders = new List<string>();
        var interfaceMembers = new List<string>();
        var moved = new List<TextSpanOf>();
        foreach (MemberDeclarationSyntax member in declaration.Members)
        {
            if (member is BasePropertyDeclarationSyntax { ExplicitInterfaceSpecifier: not null } or MethodDeclarationSyntax { ExplicitInterfaceSpecifier: not null })
            {
                interfaceMembers.Add(WithoutIndentation(member.ToFullString()).Trim('\n'));
                moved.Add(new TextSpanOf(member.FullSpan.Start - Prefix.Length, member.FullSpan.Length));
                continue;
            }

            if (!member.Modifiers.Any(SyntaxKind.PublicKeyword)) continue;
            string? forwarder = Forward(member, type);
            if (forwarder is null) continue;
            forwarders.Add(Documentation(member) + forwarder);
        }

        var text = new StringBuilder(body);
        foreach (TextSpanOf span in moved.OrderByDescending(s => s.Start)) text.Remove(span.Start, span.Length);
        return new ApiSurface(Spaced(forwarders), interfaceMembers, WithoutDocumentation(text.ToString()));
    }

    private readonly record struct TextSpanOf(int Start, int Length);

    /// <summary>A blank line before each member whose documentation runs over more than one line, for reading.</summary>
    private static List<string> Spaced(List<string> members) =>
        members.Select((member, i) => i > 0 && member.Count(c => c == '\n') > 2 ? "\n" + member : member).ToList();

    private static string? Forward(MemberDeclarationSyntax member, string type)
    {
        bool isStatic = member.Modifiers.Any(SyntaxKind.StaticKeyword);
        string target = isStatic ? type : Instance;
        string staticWord = isStatic ? "static " : "";
        switch (member)
        {
            case MethodDeclarationSyntax method:
            {
                string arguments = string.Join(", ", method.ParameterList.Parameters.Select(p =>
                    string.Concat(p.Modifiers.Where(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword))
                        .Select(m => m.Text + " ")) + p.Identifier.Text));
                return $"public {staticWord}{method.ReturnType} {method.Identifier.Text}{method.ParameterList} => {target}.{method.Identifier.Text}({arguments});";
            }

            case PropertyDeclarationSyntax property:
            {
                bool settable = property.AccessorList?.Accessors.Any(a => a.IsKind(SyntaxKind.SetAccessorDeclaration) && a.Modifiers.Count == 0) == true;
                string name = property.Identifier.Text;
                return settable
                    ? $"public {staticWord}{property.Type} {name} {{ get => {target}.{name}; set => {target}.{name} = value; }}"
                    : $"public {staticWord}{property.Type} {name} => {target}.{name};";
            }

            default:
                return null; // public fields and types: the emitters declare none (public constants go on the user's class directly)
        }
    }

    /// <summary>The member's documentation comment lines, indentation removed, each ending in a newline.</summary>
    private static string Documentation(MemberDeclarationSyntax member)
    {
        var builder = new StringBuilder();
        foreach (string line in member.GetLeadingTrivia().ToFullString().Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("///", System.StringComparison.Ordinal)) builder.Append(trimmed).Append('\n');
        }

        return builder.ToString();
    }

    private static string WithoutIndentation(string text) =>
        string.Join("\n", text.Split('\n').Select(line => line.Trim()));

    /// <summary>The text without documentation comment lines, and with no two blank lines in a row.</summary>
    private static string WithoutDocumentation(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool blank = false;
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.TrimStart().StartsWith("///", System.StringComparison.Ordinal)) continue;
            if (line.Trim().Length == 0)
            {
                if (blank) continue;
                blank = true;
            }
            else
            {
                blank = false;
            }

            builder.Append(line).Append('\n');
        }

        return builder.ToString();
    }
}
