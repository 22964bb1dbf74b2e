using Spectre.Console;

namespace NetGen.Training;

/// <summary>The terminal side of training: the right progress display for where the output goes.</summary>
public static class TrainingConsole
{
    /// <summary>
    /// A <see cref="SpectreProgress"/> bar when the output is an interactive terminal; plain lines
    /// (<see cref="PlainProgress"/>) when it is redirected to a file or a pipe, or the terminal cannot
    /// redraw (CI logs then stay readable).
    /// </summary>
    public static TrainerCallback Progress() =>
        Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive
            ? new PlainProgress()
            : new SpectreProgress();
}
