using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace NetGen.Generators.Tests.Infrastructure;

/// <summary>
/// Snapshot testing for generated source: compares with <c>Snapshots/{name}.verified.cs</c> beside the test.
/// A mismatch writes <c>{name}.received.cs</c> beside it and fails with a line diff; setting the environment
/// variable <c>NETGEN_ACCEPT_SNAPSHOTS=1</c> accepts the received text as the new verified file instead.
/// </summary>
public static class Snapshot
{
    public const string AcceptVariable = "NETGEN_ACCEPT_SNAPSHOTS";

    /// <summary>A [Network] class's two files: the user's partial as <paramref name="name"/>, its implementation as "<paramref name="name"/>.Implementation".</summary>
    public static void VerifyNetwork(string name, GeneratorRun run, string hintNameSuffix, [CallerFilePath] string callerPath = "")
    {
        Verify(name, run.File(hintNameSuffix), callerPath);
        Verify(name + ".Implementation", run.ImplementationOf(hintNameSuffix) ?? throw new InvalidOperationException($"{hintNameSuffix} has no implementation file"), callerPath);
    }

    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(SourcePath(callerPath))!, "Snapshots");
        string verifiedPath = Path.Combine(folder, name + ".verified.cs");
        string receivedPath = Path.Combine(folder, name + ".received.cs");
        string normalized = Scrub(actual);

        string? expected = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (expected == normalized)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(folder);
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verifiedPath, normalized);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, normalized);
        Assert.Fail(expected is null
            ? $"No snapshot {verifiedPath} yet. Review {receivedPath}, then rerun with {AcceptVariable}=1 to accept it."
            : $"Generated source differs from {verifiedPath} (received: {receivedPath}; rerun with {AcceptVariable}=1 to accept):\n{Diff(expected, normalized)}");
    }

    /// <summary>
    /// The test file's path on this machine. Deterministic CI builds (ContinuousIntegrationBuild) map the source
    /// root to "/_/", so such a path is resolved against the repository root (the folder holding NetGen.sln).
    /// </summary>
    private static string SourcePath(string callerPath)
    {
        if (File.Exists(callerPath)) return callerPath;
        string relative = callerPath.StartsWith("/_/", StringComparison.Ordinal) ? callerPath.Substring(3) : callerPath.TrimStart('/', '\\');
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NetGen.sln"))) return Path.Combine(directory.FullName, relative);
        }

        throw new InvalidOperationException($"Cannot find the source file {callerPath}: no NetGen.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The generator's version changes with every release; snapshots pin everything else.</summary>
    public static string Scrub(string text) =>
        Normalize(text.Replace($"\"NetGen\", \"{Emit.CpuEmitter.Version}\"", "\"NetGen\", \"FIXED_VERSION\""));

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A unified-style diff of the changed lines with two lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        DiffPaneModel model = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var lines = model.Lines;
        var show = new bool[lines.Count];
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Type is ChangeType.Inserted or ChangeType.Deleted)
            {
                for (int j = Math.Max(0, i - 2); j <= Math.Min(lines.Count - 1, i + 2); j++) show[j] = true;
            }
        }

        var builder = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            if (!show[i])
            {
                if (i > 0 && show[i - 1]) builder.AppendLine("  ...");
                continue;
            }

            string prefix = lines[i].Type switch { ChangeType.Inserted => "+ ", ChangeType.Deleted => "- ", _ => "  " };
            builder.Append(prefix).AppendLine(lines[i].Text);
        }

        return builder.ToString();
    }
}
