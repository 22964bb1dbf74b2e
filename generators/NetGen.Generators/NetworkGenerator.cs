using Microsoft.CodeAnalysis;

namespace NetGen.Generators;

/// <summary>Emits forward, backward and training code for classes marked [Network].</summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
