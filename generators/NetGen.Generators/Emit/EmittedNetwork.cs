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
public sealed record EmittedNetwork(string FullName, string ClassName, string Source, string ImplementationSource, EquatableArray<string> Members,
    EquatableArray<string> Methods, EquatableArray<string> UserMemberNames, EquatableArray<string> UserMethodNames, string? Failure)
{
    /// <summary>
    /// The generated members the user's class already has (or its own name, which no member may take); a user's method
    /// beside a generated method of the same name is an overload (TrainStep() beside TrainStep(inputs, labels)), not a clash.
    /// </summary>
    public EquatableArray<string> Clashes => Members
        .Where(name => name == ClassName.TrimStart('@') || (UserMemberNames.Contains(name) && !(Methods.Contains(name) && UserMethodNames.Contains(name))))
        .ToEquatableArray();

    public static EmittedNetwork Of(NetworkPlan plan)
    {
        NetworkModel model = plan.Network.Model;
        string fullName = HintNames.FullName(model.Namespace, model.ClassName);
        string source, implementation;
        try
        {
            (source, implementation) = CpuEmitter.EmitSplit(plan);
        }
        catch (System.Exception exception) when (exception is not System.OperationCanceledException)
        {
            return new EmittedNetwork(fullName, model.ClassName, "", "", EquatableArray<string>.Empty, EquatableArray<string>.Empty,
                model.UserMemberNames, model.UserMethodNames, exception.GetType().Name + ": " + exception.Message);
        }

        // The user's class declares the surface's members and the nested Implementation (whose own members are out of the
        // way); that file declares nothing else on the user's class, so its name is all it adds (no second parse).
        (EquatableArray<string> members, EquatableArray<string> methods) = MembersOf(source);
        members = members.Append(CpuEmitter.ImplementationName(model)).Distinct().OrderBy(name => name, System.StringComparer.Ordinal).ToEquatableArray();
        return new EmittedNetwork(fullName, model.ClassName, source, implementation, members, methods, model.UserMemberNames, model.UserMethodNames, null);
    }

    /// <summary>The names of the members the generated partial class declares (explicit interface implementations aside).</summary>
    private static (EquatableArray<string> Members, EquatableArray<string> Methods) MembersOf(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        ClassDeclarationSyntax? type = root.DescendantNodes().OfType<ClassDeclarationSyntax>().FirstOrDefault();
        if (type is null) return (EquatableArray<string>.Empty, EquatableArray<string>.Empty);
        EquatableArray<string> methods = type.Members.OfType<MethodDeclarationSyntax>().Where(m => m.ExplicitInterfaceSpecifier is null)
            .Select(m => m.Identifier.ValueText).Distinct().OrderBy(name => name, System.StringComparer.Ordinal).ToEquatableArray();
        return (type.Members.SelectMany(member => member switch
            {
                FieldDeclarationSyntax field => field.Declaration.Variables.Select(v => v.Identifier.ValueText),
                PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } property => new[] { property.Identifier.ValueText },
                MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } method => new[] { method.Identifier.ValueText },
                BaseTypeDeclarationSyntax nested => new[] { nested.Identifier.ValueText },
                _ => System.Array.Empty<string>(),
            })
            .Distinct()
            .OrderBy(name => name, System.StringComparer.Ordinal)
            .ToEquatableArray(), methods);
    }
}
