using System.Diagnostics;
using System.Reflection;

namespace NetGen.Distributed.Tests;

/// <summary>Finds mpirun.mpich and the harness, and runs a harness mode under it.</summary>
internal static class Mpich
{
    /// <summary>The MPICH launcher on PATH, or null when MPICH is not installed.</summary>
    public static readonly string? Launcher = FindOnPath("mpirun.mpich");

    /// <summary>Why an MPI test is skipped: only ever because MPICH is absent.</summary>
    public const string SkipReason =
        "MPICH is not installed (no mpirun.mpich on PATH): apt-get install mpich libmpich-dev, as .ci/run does.";

    public static string HarnessPath { get; } = typeof(Mpich).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "HarnessPath").Value!;

    /// <summary>Runs the harness under <c>mpirun.mpich -np ranks</c>; kills the job and fails after <paramref name="timeout"/>.</summary>
    public static Result RunRanks(int ranks, TimeSpan timeout, params string[] harnessArguments) =>
        Run(Launcher ?? throw new InvalidOperationException(SkipReason), ["-np", ranks.ToString(), "dotnet", HarnessPath, .. harnessArguments], timeout);

    /// <summary>Runs the harness as a plain single process, without mpirun.</summary>
    public static Result RunSingle(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] harnessArguments) =>
        Run("dotnet", [HarnessPath, .. harnessArguments], timeout, environment);

    private static Result Run(string program, string[] arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(-1, output.Result, error.Result, TimedOut: true);
        }

        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result, TimedOut: false);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    /// <summary>A finished (or killed) run: exit code, standard output and error.</summary>
    public sealed record Result(int ExitCode, string Output, string Error, bool TimedOut)
    {
        public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out, killed)" : "")}\nstdout:\n{Output}\nstderr:\n{Error}";
    }
}

/// <summary>A fact that needs MPICH: skipped, with <see cref="Mpich.SkipReason"/>, only when mpirun.mpich is absent.</summary>
public sealed class MpichFactAttribute : FactAttribute
{
    public MpichFactAttribute()
    {
        if (Mpich.Launcher is null) Skip = Mpich.SkipReason;
    }
}

/// <summary>A theory that needs MPICH: skipped, with <see cref="Mpich.SkipReason"/>, only when mpirun.mpich is absent.</summary>
public sealed class MpichTheoryAttribute : TheoryAttribute
{
    public MpichTheoryAttribute()
    {
        if (Mpich.Launcher is null) Skip = Mpich.SkipReason;
    }
}
