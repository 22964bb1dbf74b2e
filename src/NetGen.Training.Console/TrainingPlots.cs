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
        return Write(folder, history.Epochs.Select(e => e.TrainLoss).ToArray(), history.Epochs.Select(e => e.ValidationLoss).ToArray(),
            history.Epochs.Select(e => e.TrainAccuracy).ToArray(), history.Epochs.Select(e => e.ValidationAccuracy).ToArray(), "validation", width, height);
    }

    /// <summary>
    /// Writes <c>loss.png</c> and <c>accuracy.png</c> from per-epoch numbers (epoch 1 first) of a hand-written training
    /// loop, as the samples' <c>--plot DIR</c> does; a series that is empty or all NaN is left out. Accuracies are
    /// fractions (0.95), drawn as percentages. Returns the two paths.
    /// </summary>
    /// <param name="folder">Where the files go (created when missing).</param>
    /// <param name="trainLoss">Mean training loss of each epoch.</param>
    /// <param name="heldOutLoss">Loss on the held-out set after each epoch.</param>
    /// <param name="trainAccuracy">Training accuracy after each epoch.</param>
    /// <param name="heldOutAccuracy">Held-out accuracy after each epoch.</param>
    /// <param name="heldOutName">What the held-out set is called in the legends: "validation" or "test".</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <exception cref="ArgumentException">The series have different lengths.</exception>
    public static (string LossPath, string AccuracyPath) Write(string folder, IReadOnlyList<double> trainLoss, IReadOnlyList<double> heldOutLoss,
        IReadOnlyList<double> trainAccuracy, IReadOnlyList<double> heldOutAccuracy, string heldOutName, int width = 800, int height = 500)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        int count = trainLoss.Count;
        foreach (IReadOnlyList<double> series in new[] { heldOutLoss, trainAccuracy, heldOutAccuracy })
        {
            if (series.Count != 0 && series.Count != count)
            {
                throw new ArgumentException($"every series needs one value per epoch ({count}); one has {series.Count}.");
            }
        }

        Directory.CreateDirectory(folder);
        double[] epochs = Enumerable.Range(1, count).Select(e => (double)e).ToArray();

        var loss = new Plot();
        AddCurve(loss, epochs, trainLoss, "train loss");
        AddCurve(loss, epochs, heldOutLoss, heldOutName + " loss");
        Label(loss, "Loss per epoch", "loss", Alignment.UpperRight);   // loss falls: the legend sits above the curves
        string lossPath = Path.Combine(folder, LossFile);
        loss.SavePng(lossPath, width, height);

        var accuracy = new Plot();
        AddCurve(accuracy, epochs, trainAccuracy.Select(a => a * 100), "train accuracy");
        AddCurve(accuracy, epochs, heldOutAccuracy.Select(a => a * 100), heldOutName + " accuracy");
        Label(accuracy, "Accuracy per epoch", "accuracy (%)", Alignment.LowerRight);   // accuracy rises
        string accuracyPath = Path.Combine(folder, AccuracyFile);
        accuracy.SavePng(accuracyPath, width, height);
        return (lossPath, accuracyPath);
    }

    // A curve only when it has numbers (no validation set, or train accuracy not evaluated: NaN).
    private static void AddCurve(Plot plot, double[] epochs, IEnumerable<double> values, string label)
    {
        double[] ys = values.ToArray();
        if (ys.Length != epochs.Length || ys.All(double.IsNaN)) return;
        var scatter = plot.Add.Scatter(epochs, ys);
        scatter.LegendText = label;
        scatter.MarkerSize = 5;
    }

    private static void Label(Plot plot, string title, string yLabel, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true }; // no epoch 1.5
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
    }
}
