namespace NetGen.CodeFixes;

/// <summary>
/// The ids these code fixes handle. Copies of NetGen.Generators.DiagnosticIds, so this assembly does
/// not load the generator's at run time; the code-fix tests run the real generator, so a drift fails them.
/// </summary>
internal static class FixableDiagnosticIds
{
    public const string NotPartial = "NG0001";
    public const string ValueOutOfRange = "NG0009";
    public const string DenseNeedsVector = "NG0012";
    public const string JoinShapeMismatch = "NG0100";
}
