using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace NetGen.Training;

/// <summary>
/// A live progress bar per epoch in the terminal (Spectre.Console): batches done, the running loss and
/// samples per second, then the epoch's summary line above the bars. Use <see cref="TrainingConsole.Progress"/>
/// to get this in a terminal and plain lines when the output is redirected.
/// </summary>
public sealed class SpectreProgress : TrainerCallback
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(100);
    private readonly IAnsiConsole _console;
    private readonly Stopwatch _sinceUpdate = new();
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _finished = new();
    private ProgressContext? _progress;
    private ProgressTask? _epochTask;
    private Task? _renderer;

    /// <summary>Draws on <paramref name="console"/>, or on <see cref="AnsiConsole.Console"/> when null.</summary>
    public SpectreProgress(IAnsiConsole? console = null) => _console = console ?? AnsiConsole.Console;

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainerContext context)
    {
        _console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"training on {context.TrainCount} samples ({context.BatchCount} batches of {context.Network.BatchSize}), validating on {context.ValidationCount}, {context.Epochs} epochs")));
        _ready.Reset();
        _finished.Reset();
        // Spectre draws a progress display inside Start(...); run it beside training and feed it from the callbacks.
        _renderer = Task.Run(() => _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                _progress = progress;
                _ready.Set();
                _finished.Wait();
            }));
        _ready.Wait();
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(TrainerContext context, int epoch)
    {
        _epochTask = _progress!.AddTask(Describe(epoch, context.Epochs, double.NaN, 0), maxValue: context.BatchCount);
        _sinceUpdate.Restart();
    }

    /// <inheritdoc/>
    public override void OnBatchEnd(TrainerContext context, in BatchProgress progress)
    {
        if (_epochTask is null) return;
        _epochTask.Value = progress.Batch + 1;
        if (_sinceUpdate.Elapsed < RefreshInterval && progress.Batch + 1 < progress.BatchCount) return;
        _sinceUpdate.Restart();
        _epochTask.Description = Describe(progress.Epoch, context.Epochs, progress.MeanLoss, progress.SamplesPerSecond);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result)
    {
        if (_epochTask is not null)
        {
            _epochTask.Description = Describe(result.Epoch, context.Epochs, result.TrainLoss, result.SamplesPerSecond);
            _epochTask.Value = _epochTask.MaxValue;
            _epochTask.StopTask();
        }

        _console.MarkupLine(Markup.Escape(PlainProgress.Describe(result, context.Epochs)));
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(TrainerContext context, TrainingHistory history)
    {
        _finished.Set();
        _renderer?.GetAwaiter().GetResult();
        _renderer = null;
        if (history.StopReason is not null) _console.MarkupLine(Markup.Escape(history.StopReason));
    }

    private static string Describe(int epoch, int epochs, double loss, double samplesPerSecond) =>
        Markup.Escape(double.IsNaN(loss)
            ? string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}")
            : string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{epochs}  loss {loss:F4}  {samplesPerSecond:F0} samples/s"));
}
