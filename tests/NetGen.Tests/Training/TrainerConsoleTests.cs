using NetGen.Tests.Data;
using NetGen.Tests.Networks;
using NetGen.Training;
using Spectre.Console;

namespace NetGen.Tests.Training;

/// <summary>
/// The terminal progress degrades to plain lines when output is redirected (as under the test runner),
/// the Spectre bar reports each epoch, and the PNG curves are real images.
/// </summary>
public sealed class TrainerConsoleTests
{
    [Fact]
    public void Progress_WithOutputRedirected_IsPlainLines()
    {
        Assert.True(Console.IsOutputRedirected, "the test runner redirects standard output");
        Assert.IsType<PlainProgress>(TrainingConsole.Progress());
    }

    [Fact]
    public void SpectreProgress_DrawsBarsAndWritesEachEpochsSummary()
    {
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(40, seed: 1);
        var options = new TrainerOptions { Epochs = 2, Callbacks = [new SpectreProgress(console)] };

        new Trainer(new XorNet(), options).Fit(inputs, labels, inputs, labels);

        string text = output.ToString();
        Assert.Contains("training on 40 samples (10 batches of 4), validating on 40, 2 epochs", text, StringComparison.Ordinal);
        Assert.Matches(@"epoch 1/2  loss \d\.\d{4}  val_loss \d\.\d{4}  val_acc \d+\.\d\d%", text);
        Assert.Matches(@"epoch 2/2  loss \d\.\d{4}  val_loss", text);
    }

    [Fact]
    public void TrainingPlots_WritesLossAndAccuracyPngs()
    {
        using var folder = new TemporaryFolder();
        string plots = Path.Combine(folder.FullPath, "plots");
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(40, seed: 1);
        var options = new TrainerOptions { Epochs = 3, Callbacks = [new TrainingPlots(plots) { Width = 400, Height = 300 }] };

        new Trainer(new XorNet(), options).Fit(inputs, labels, inputs, labels);

        foreach (string name in new[] { TrainingPlots.LossFile, TrainingPlots.AccuracyFile })
        {
            byte[] png = File.ReadAllBytes(Path.Combine(plots, name));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            // IHDR: width and height, big-endian, at bytes 16-23.
            Assert.Equal(400, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.Equal(300, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.True(png.Length > 5_000, $"{name} is only {png.Length} bytes: probably blank");
        }
    }

    [Fact]
    public void TrainingPlots_FromHandWrittenLoopSeries_WritesBothPngs_AndRefusesSeriesOfDifferentLengths()
    {
        using var folder = new TemporaryFolder();
        string plots = Path.Combine(folder.FullPath, "curves");
        double[] trainLoss = [0.9, 0.4, 0.3], testLoss = [0.5, 0.35, 0.32], trainAccuracy = [0.8, 0.9, 0.93], testAccuracy = [0.82, 0.88, 0.9];

        var (lossPath, accuracyPath) = TrainingPlots.Write(plots, trainLoss, testLoss, trainAccuracy, testAccuracy, "test", width: 320, height: 240);

        foreach (string path in new[] { lossPath, accuracyPath })
        {
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            Assert.Equal(320, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.True(png.Length > 5_000, $"{path} is only {png.Length} bytes: probably blank");
        }

        Assert.Equal(Path.Combine(plots, TrainingPlots.LossFile), lossPath);
        var error = Assert.Throws<ArgumentException>(() => TrainingPlots.Write(plots, trainLoss, [0.5], trainAccuracy, testAccuracy, "test"));
        Assert.Contains("one value per epoch (3)", error.Message);
    }
}
