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
/// NG0012 (a Dense layer receives a tensor of rank 2 or more): inserts <c>[Flatten]</c> just before the
/// Dense attribute. Attribute order is layer order, so the new layer lands between the convolution
/// (or pooling) output and the Dense layer. The new attribute is written the way the Dense one is
/// (<c>Flatten</c>, <c>NetGen.Flatten</c>, <c>FlattenAttribute</c>...), so it resolves wherever Dense does.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
public sealed class InsertFlattenCodeFix : CodeFixProvider
{
    /// <summary>The title shown in the light-bulb menu.</summary>
    public const string Title = "Insert [Flatten] before this Dense layer";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(CodeFixes.FixableDiagnosticIds.DenseNeedsVector);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // The diagnostic sits on the Dense attribute (or on one of its arguments).
            AttributeSyntax? dense = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)
                .AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();
            if (dense?.Parent is not AttributeListSyntax list || list.Parent is null) continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title, token => InsertAsync(context.Document, root, dense, list, token), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static Task<Document> InsertAsync(Document document, SyntaxNode root, AttributeSyntax dense, AttributeListSyntax list, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AttributeSyntax flatten = SyntaxFactory.Attribute(FlattenName(dense.Name));
        SyntaxNode fixedRoot;
        if (list.Attributes.Count == 1 && list.Target is null)
        {
            // `[Dense(10)]` on its own line: add a `[Flatten]` line above it with the same indentation.
            // Comments before the Dense line stay above both.
            SyntaxTriviaList leading = list.GetLeadingTrivia();
            int lastLineStart = LastLineStart(leading);
            SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Skip(lastLineStart));
            // On its own line the new list ends with the file's line ending; after other code on the same line, with a space.
            SyntaxTrivia separator = NewLineOf(list) ?? SyntaxFactory.Space;
            AttributeListSyntax flattenList = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(flatten))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(separator);
            if (!separator.IsKind(SyntaxKind.EndOfLineTrivia)) indentation = SyntaxFactory.TriviaList();
            fixedRoot = root.ReplaceNode(list, new SyntaxNode[] { flattenList, list.WithLeadingTrivia(indentation) });
        }
        else
        {
            // `[Conv2D(...), Dense(10)]`: insert `Flatten, ` in the same list, just before Dense.
            int index = list.Attributes.IndexOf(dense);
            AttributeListSyntax fixedList = list.WithAttributes(list.Attributes.Insert(index, flatten));
            fixedRoot = root.ReplaceNode(list, fixedList);
        }

        return Task.FromResult(document.WithSyntaxRoot(fixedRoot));
    }

    // Dense -> Flatten, DenseAttribute -> FlattenAttribute, NetGen.Dense -> NetGen.Flatten, global::NetGen.Dense -> global::NetGen.Flatten.
    private static NameSyntax FlattenName(NameSyntax denseName)
    {
        static SimpleNameSyntax Rename(SimpleNameSyntax name) =>
            SyntaxFactory.IdentifierName(name.Identifier.ValueText.EndsWith("Attribute", System.StringComparison.Ordinal) ? "FlattenAttribute" : "Flatten");

        return denseName switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(Rename(qualified.Right)).WithoutTrivia(),
            AliasQualifiedNameSyntax alias => alias.WithName(Rename(alias.Name)).WithoutTrivia(),
            SimpleNameSyntax simple => Rename(simple),
            _ => SyntaxFactory.IdentifierName("Flatten"),
        };
    }

    // Index of the first trivia after the last end-of-line: what precedes the attribute on its own line.
    private static int LastLineStart(SyntaxTriviaList trivia)
    {
        for (int i = trivia.Count - 1; i >= 0; i--)
        {
            if (trivia[i].IsKind(SyntaxKind.EndOfLineTrivia)) return i + 1;
        }

        return 0;
    }

    // The line ending after this attribute list (\n or \r\n, as the file has it); null when code follows on the same line.
    private static SyntaxTrivia? NewLineOf(AttributeListSyntax list)
    {
        foreach (SyntaxTrivia trivia in list.GetTrailingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia)) return trivia;
        }

        return null;
    }
}
