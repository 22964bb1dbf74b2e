using System.Globalization;

namespace NetGen.Training;

/// <summary>
/// Writes one plain line per epoch (loss, accuracy, throughput, time), plus a line every
/// <see cref="BatchInterval"/> batches when set. Fits logs, CI and redirected output; the NetGen
/// console package draws a live progress bar instead when the output is a terminal.
/// </summary>
public sealed class PlainProgress : TrainerCallback
{
    private readonly TextWriter _writer;

    /// <summary>Writes to <paramref name="writer"/>, or to the console when null.</summary>
    public PlainProgress(TextWriter? writer = null, int batchInterval = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchInterval);
        _writer = writer ?? Console.Out;
        BatchInterval = batchInterval;
    }

    /// <summary>Write a line every this many batches (0: only at the end of each epoch).</summary>
    public int BatchInterval { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainerContext context) =>
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training on {context.TrainCount} samples ({context.BatchCount} batches of {context.Network.BatchSize}), validating on {context.ValidationCount}, {context.Epochs} epochs"));

    /// <inheritdoc/>
    public override void OnBatchEnd(TrainerContext context, in BatchProgress progress)
    {
        if (BatchInterval == 0 || (progress.Batch + 1) % BatchInterval != 0) return;
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {progress.Epoch}/{context.Epochs}  batch {progress.Batch + 1}/{progress.BatchCount}  loss {progress.MeanLoss:F4}  {progress.SamplesPerSecond:F0} samples/s"));
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result) => _writer.WriteLine(Describe(result, context.Epochs));

    /// <inheritdoc/>
    public override void OnTrainEnd(TrainerContext context, TrainingHistory history)
    {
        if (history.StopReason is not null) _writer.WriteLine(history.StopReason);
    }

    /// <summary>One epoch as a line: <c>epoch 3/10  loss 0.4321  acc 88.20%  val_loss 0.4012  val_acc 89.50%  lr 0.001  51234 samples/s  0.16 s</c>.</summary>
    public static string Describe(EpochResult result, int epochs)
    {
        var line = new System.Text.StringBuilder();
        CultureInfo invariant = CultureInfo.InvariantCulture;
        line.Append(invariant, $"epoch {result.Epoch}/{epochs}  loss {result.TrainLoss:F4}");
        if (!double.IsNaN(result.TrainAccuracy)) line.Append(invariant, $"  acc {result.TrainAccuracy * 100:F2}%");
        if (result.Validation is not null) line.Append(invariant, $"  val_loss {result.ValidationLoss:F4}  val_acc {result.ValidationAccuracy * 100:F2}%");
        line.Append(invariant, $"  lr {result.LearningRate:G4}  {result.SamplesPerSecond:F0} samples/s  {result.Seconds:F2} s");
        return line.ToString();
    }
}
