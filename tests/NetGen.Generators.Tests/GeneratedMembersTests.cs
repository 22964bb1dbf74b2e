using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>
/// A user's member (or an inherited one) named like a member NetGen generates gets NG0018 at that member, and the class
/// named like one gets NG0015, instead of CS0102/CS0111/CS0108 inside the generated file; names that clash with nothing
/// are fine. The generated names are read back from the generated source, so every member is covered.
/// </summary>
public class GeneratedMembersTests
{
    private const string Layers = "[Network] [Input(4)] [Dense(3, Activation.ReLU)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\n";

    /// <summary>Every member the generator adds to a small network, read from the compiled output.</summary>
    private static List<string> GeneratedNames()
    {
        GeneratorRun run = GeneratorHarness.RunClean("using NetGen;\n" + Layers + "public partial class Net;");
        return run.Output.GetTypeByMetadataName("Net")!.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.CanBeReferencedByName)
            .Select(m => m.Name).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public static TheoryData<string> SampledNames()
    {
        var data = new TheoryData<string>();
        List<string> names = GeneratedNames();
        // Every fourth generated name, and the ones users reach for first.
        foreach (string name in names.Where((_, i) => i % 4 == 0).Concat(["BatchSize", "LearningRate", "Dense1Weight", "TrainStep", "_implementation", "Implementation"]).Distinct())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SampledNames))]
    public void UserMemberNamedLikeAGeneratedOne_ReportsNG0018_AtIt_AndNoCode(string name)
    {
        (string source, var span) = Markup.Parse("using NetGen;\n" + Layers + $"public partial class Net {{ public int [|{name}|]; }}");
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NG0018");
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Contains($"'{name}'", d.GetMessage());
        Assert.Empty(run.Sources);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void InheritedMemberNamedLikeAGeneratedOne_ReportsNG0018_AtTheClass()
    {
        (string source, var span) = Markup.Parse("using NetGen;\npublic class Base { public float LearningRate { get; set; } }\n" + Layers + "public partial class [|Net|] : Base;");
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NG0018");
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Empty(run.Sources);
    }

    [Theory]
    [InlineData("Dense3Net")]
    [InlineData("Lstm2Model")]
    [InlineData("Dense1")]
    public void ClassNameThatClashesWithNothing_Generates(string name) =>
        GeneratorHarness.RunClean("using NetGen;\n" + Layers + $"public partial class {name};");

    [Theory]
    [InlineData("TrainStep")]
    [InlineData("Dense1Weight")]
    [InlineData("Gradients")]
    public void ClassNamedLikeAGeneratedMember_ReportsNG0015_AtTheName(string name)
    {
        (string source, var span) = Markup.Parse("using NetGen;\n" + Layers + $"public partial class [|{name}|];");
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "NG0015");
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Empty(run.Sources);
    }

    [Theory]
    [InlineData("_parameters")]
    [InlineData("EnterUse")]
    [InlineData("ForwardCore")]
    [InlineData("Dense1Units")]
    public void UserMemberNamedLikeAnImplementationMember_IsFine_TheImplementationIsANestedClass(string name) =>
        GeneratorHarness.RunClean("using NetGen;\n" + Layers + $"public partial class Net {{ private int {name} = 1; public int Read() => {name}; }}");

    [Fact]
    public void UserMembersWithOtherNames_AreFine() =>
        GeneratorHarness.RunClean("using NetGen;\n" + Layers + "public partial class Net { public int Epochs; public void Train() { } public override string ToString() => \"net\"; }");
}
