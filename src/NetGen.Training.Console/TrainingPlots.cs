using ScottPlot;

namespace NetGen.Training;

/// <summary>
/// Writes the loss and accuracy curves of a training run as PNG files (ScottPlot): <c>loss.png</c>
/// (train and validation loss per epoch) and <c>accuracy.png</c> (validation accuracy, and train
/// accuracy when it was evaluated). As a callback it rewrites them after every epoch, so they can be
/// watched during a long run.
/// </summary>
public sealed class TrainingPlots : TrainerCallback
{
    /// <summary>The file name of the loss curves.</summary>
    public const string LossFile = "loss.png";

    /// <summary>The file name of the accuracy curves.</summary>
    public const string AccuracyFile = "accuracy.png";

    /// <summary>Writes into <paramref name="folder"/> (created when missing).</summary>
    public TrainingPlots(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = folder;
    }

    /// <summary>The folder the PNG files go to.</summary>
    public string Folder { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; init; } = 500;

    /// <inheritdoc/>
    public override void OnEpochEnd(TrainerContext context, EpochResult result) => Write(context.History, Folder, Width, Height);

    /// <summary>Writes <c>loss.png</c> and <c>accuracy.png</c> for <paramref name="history"/> into <paramref name="folder"/>; returns their paths.</summary>
    public static (string LossPath, string AccuracyPath) Write(TrainingHistory history, string folder, int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(history);
        Directory.CreateDirectory(folder);
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();

        var loss = new Plot();
        AddCurve(loss, epochs, history.Epochs.Select(e => e.TrainLoss), "train loss");
        AddCurve(loss, epochs, history.Epochs.Select(e => e.ValidationLoss), "validation loss");
        Label(loss, "Loss per epoch", "loss", Alignment.UpperRight);   // loss falls: the legend sits above the curves
        string lossPath = Path.Combine(folder, LossFile);
        loss.SavePng(lossPath, width, height);

        var accuracy = new Plot();
        AddCurve(accuracy, epochs, history.Epochs.Select(e => e.TrainAccuracy * 100), "train accuracy");
        AddCurve(accuracy, epochs, history.Epochs.Select(e => e.ValidationAccuracy * 100), "validation accuracy");
        Label(accuracy, "Accuracy per epoch", "accuracy (%)", Alignment.LowerRight);   // accuracy rises
        string accuracyPath = Path.Combine(folder, AccuracyFile);
        accuracy.SavePng(accuracyPath, width, height);
        return (lossPath, accuracyPath);
    }

    // A curve only when it has numbers (no validation set, or train accuracy not evaluated: NaN).
    private static void AddCurve(Plot plot, double[] epochs, IEnumerable<double> values, string label)
    {
        double[] ys = values.ToArray();
        if (ys.Length == 0 || ys.All(double.IsNaN)) return;
        var scatter = plot.Add.Scatter(epochs, ys);
        scatter.LegendText = label;
        scatter.MarkerSize = 5;
    }

    private static void Label(Plot plot, string title, string yLabel, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
    }
}
