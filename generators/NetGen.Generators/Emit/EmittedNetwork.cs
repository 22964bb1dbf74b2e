using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetGen.Generators.Model;
using NetGen.Generators.Plan;

namespace NetGen.Generators.Emit;

/// <summary>
/// A network's generated source and the names of the members it declares (read back from the source itself, so the
/// list is never a copy kept in step by hand), or the emitter's failure. Equatable: its own incremental step.
/// </summary>
public sealed record EmittedNetwork(string FullName, string ClassName, string Source, EquatableArray<string> Members,
    EquatableArray<string> UserMemberNames, string? Failure)
{
    /// <summary>The generated members the user's class already has (with its own name, which no member may take).</summary>
    public EquatableArray<string> Clashes => Members.Where(name => UserMemberNames.Contains(name) || name == ClassName.TrimStart('@')).ToEquatableArray();

    public static EmittedNetwork Of(NetworkPlan plan)
    {
        NetworkModel model = plan.Network.Model;
        string fullName = HintNames.FullName(model.Namespace, model.ClassName);
        string source;
        try
        {
            source = CpuEmitter.Emit(plan);
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            return new EmittedNetwork(fullName, model.ClassName, "", EquatableArray<string>.Empty, model.UserMemberNames, exception.GetType().Name + ": " + exception.Message);
        }

        return new EmittedNetwork(fullName, model.ClassName, source, MembersOf(source), model.UserMemberNames, null);
    }

    /// <summary>The names of the members the generated partial class declares (explicit interface implementations aside).</summary>
    private static EquatableArray<string> MembersOf(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        ClassDeclarationSyntax? type = root.DescendantNodes().OfType<ClassDeclarationSyntax>().FirstOrDefault();
        if (type is null) return EquatableArray<string>.Empty;
        return type.Members.SelectMany(member => member switch
            {
                FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.ValueText),
                PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } property => new[] { property.Identifier.ValueText },
                MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } method => new[] { method.Identifier.ValueText },
                BaseTypeDeclarationSyntax nested => new[] { nested.Identifier.ValueText },
                _ => System.Array.Empty<string>(),
            })
            .Distinct()
            .OrderBy(name => name, System.StringComparer.Ordinal)
            .ToEquatableArray();
    }
}
