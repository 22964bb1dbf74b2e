namespace NetGen.Tests;

/// <summary>Locations of files in the repository that tests read (bundled sample data).</summary>
internal static class TestPaths
{
    /// <summary>The folder holding NetGen.sln, found by walking up from the test assembly's folder.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The bundled 10k MNIST subset (samples/data/mnist).</summary>
    public static string MnistFolder => Path.Combine(RepoRoot, "samples", "data", "mnist");

    /// <summary>The bundled Tiny Shakespeare corpus (samples/data/tinyshakespeare/input.txt).</summary>
    public static string TinyShakespeare => Path.Combine(RepoRoot, "samples", "data", "tinyshakespeare", "input.txt");

    private static string FindRepoRoot()
    {
        string start = AppContext.BaseDirectory;
        for (DirectoryInfo? folder = new(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NetGen.sln"))) return folder.FullName;
        }
        throw new DirectoryNotFoundException($"No folder holding NetGen.sln above {start}.");
    }
}
