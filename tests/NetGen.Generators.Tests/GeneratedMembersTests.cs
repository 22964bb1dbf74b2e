using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>NG0015 relies on <see cref="GeneratedMembers"/> naming every member the emitters add: checked here.</summary>
public class GeneratedMembersTests
{
    public static TheoryData<string, string> Networks => new()
    {
        { Declarations.MnistMlp, "Samples.Mnist.MnistMlp" },
        { Declarations.Regression, "Regressor" },
        { Declarations.Cures, "Demo.Cures.RegularizedMlp" },
        { ConvolutionSnapshotTests.LeNet5, "Samples.LeNet.LeNet5" },
        { RecurrentSnapshotTests.CharLstm, "Samples.CharRnn.CharLstm" },
        { RecurrentSnapshotTests.GruClassifier, "GruClassifier" },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void EveryGeneratedMemberName_IsKnownToTheClashCheck(string declaration, string metadataName)
    {
        GeneratorRun run = GeneratorHarness.RunClean(declaration);
        INamedTypeSymbol network = run.Output.GetTypeByMetadataName(metadataName)
            ?? throw new InvalidOperationException($"{metadataName} not found");
        var unknown = network.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.CanBeReferencedByName && !m.Name.StartsWith('_'))
            .Select(m => m.Name)
            .Where(name => !GeneratedMembers.FixedNames.Contains(name) && !GeneratedMembers.LayerMember.IsMatch(name))
            .Distinct()
            .ToList();
        Assert.True(unknown.Count == 0, $"add to GeneratedMembers.FixedNames: {string.Join(", ", unknown)}");
    }
}
