using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetGen.CodeFixes;

/// <summary>
/// NG0100 on a residual connection whose branch changes the shape: adds <c>Projection = true</c> to the
/// <c>[Residual]</c>, so the shortcut learns a linear projection to the branch's shape (ResNet's downsampling shortcut).
/// Offered only where the diagnostic sits on a [Residual] attribute (a plain [Add] or [Concat] has no obvious fix).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddProjectionCodeFix)), Shared]
public sealed class AddProjectionCodeFix : CodeFixProvider
{
    /// <summary>The title shown in the light-bulb menu.</summary>
    public const string Title = "Project the shortcut (Projection = true)";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(CodeFixes.FixableDiagnosticIds.JoinShapeMismatch);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            AttributeSyntax? attribute = root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            if (attribute is null || !IsResidual(attribute) || HasProjection(attribute)) continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title, token => AddProjectionAsync(context.Document, root, attribute, token), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static bool IsResidual(AttributeSyntax attribute) =>
        attribute.Name.ToString() is "Residual" or "ResidualAttribute" or "NetGen.Residual" or "NetGen.ResidualAttribute" or "global::NetGen.Residual";

    private static bool HasProjection(AttributeSyntax attribute) =>
        attribute.ArgumentList?.Arguments.Any(a => a.NameEquals?.Name.Identifier.ValueText == "Projection") == true;

    private static Task<Document> AddProjectionAsync(Document document, SyntaxNode root, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributeArgumentSyntax projection = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName("Projection")), null,
            SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression));
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeSyntax fixedAttribute = attribute.WithArgumentList(arguments.AddArguments(projection)).WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(attribute, fixedAttribute)));
    }
}
