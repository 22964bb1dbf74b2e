using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetGen.CodeFixes;

/// <summary>
/// NG0009 (value out of range): replaces the value with the one the message suggests
/// ("Adam.LearningRate is -1, but it must be a positive number, such as 1e-3" -> <c>LearningRate = 1e-3</c>).
/// The suggestion is read from the message, so every range rule the generator states with
/// "such as X" gets a fix without a second copy of the rule here. When the message names another
/// argument than the one it points at (Sgd: <c>Nesterov = true</c> needs a positive Momentum), that
/// argument is set, or added when it is not written. No fix is offered when the message suggests nothing.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseSuggestedValueCodeFix)), Shared]
public sealed class UseSuggestedValueCodeFix : CodeFixProvider
{
    // "{Owner}.{Name} is {value}, but it must be ..., such as {suggestion}"
    private static readonly Regex MessagePattern = new(
        @"^(?:\w+\.)*(?<name>\w+) is .*?, but it must be .*\bsuch as (?<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)",
        RegexOptions.CultureInvariant);

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(CodeFixes.FixableDiagnosticIds.ValueOutOfRange);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <summary>The title shown in the light-bulb menu, for example "Use LearningRate = 1e-3".</summary>
    public static string TitleFor(string name, string value) => $"Use {name} = {value}";

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            Match match = MessagePattern.Match(diagnostic.GetMessage(CultureInfo.InvariantCulture));
            if (!match.Success) continue;
            string name = match.Groups["name"].Value;
            string value = match.Groups["value"].Value;

            SyntaxNode located = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            AttributeSyntax? attribute = located.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            if (attribute is null) continue;
            AttributeArgumentSyntax? argument = located.AncestorsAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault();

            // The argument to change: the located one when it is the named value (positional or Name = value),
            // else a written `Name = ...` elsewhere on the attribute, else a new one.
            if (argument is not null && !Names(argument, name)) argument = null;
            argument ??= attribute.ArgumentList?.Arguments.FirstOrDefault(a => Names(a, name));

            string title = TitleFor(name, value);
            AttributeArgumentSyntax? target = argument;
            context.RegisterCodeFix(
                CodeAction.Create(title, token => ReplaceAsync(context.Document, root, attribute, target, name, value, token), equivalenceKey: title),
                diagnostic);
        }
    }

    // True when the argument is `Name = ...`, `name: ...`, or positional (a positional argument is
    // only located by the generator when it is the offending one).
    private static bool Names(AttributeArgumentSyntax argument, string name)
    {
        if (argument.NameEquals is { } nameEquals) return nameEquals.Name.Identifier.ValueText == name;
        if (argument.NameColon is { } nameColon) return string.Equals(nameColon.Name.Identifier.ValueText, name, System.StringComparison.OrdinalIgnoreCase);
        return true;
    }

    private static async Task<Document> ReplaceAsync(Document document, SyntaxNode root, AttributeSyntax attribute, AttributeArgumentSyntax? argument,
        string name, string value, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (argument is not null)
        {
            ITypeSymbol? type = model?.GetTypeInfo(argument.Expression, cancellationToken).ConvertedType;
            ExpressionSyntax literal = Literal(value, type).WithTriviaFrom(argument.Expression);
            return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, literal));
        }

        // Not written: add `Name = value` at the end of the attribute's arguments.
        ITypeSymbol? propertyType = null;
        if (model?.GetSymbolInfo(attribute, cancellationToken).Symbol is IMethodSymbol constructor)
        {
            propertyType = constructor.ContainingType.GetMembers(name).OfType<IPropertySymbol>().FirstOrDefault()?.Type;
        }

        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name)), nameColon: null, Literal(value, propertyType));
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeSyntax fixedAttribute = attribute.WithArgumentList(arguments.WithArguments(arguments.Arguments.Add(added)));
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, fixedAttribute));
    }

    // The suggestion as the message writes it ("1e-3", "0.9"), with the suffix the target type needs:
    // `f` for float, `m` for decimal; a whole number for an integer type stays as written.
    private static ExpressionSyntax Literal(string value, ITypeSymbol? type)
    {
        bool negative = value.StartsWith("-", System.StringComparison.Ordinal);
        string digits = value.TrimStart('-', '+');
        string text = type?.SpecialType switch
        {
            SpecialType.System_Single => digits + "f",
            SpecialType.System_Decimal => digits + "m",
            _ => digits,
        };
        bool isInteger = type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte;
        SyntaxToken token = isInteger && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int whole)
            ? SyntaxFactory.Literal(text, whole)
            : SyntaxFactory.Literal(text, double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture));
        ExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, token);
        return negative ? SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, literal) : literal;
    }
}
