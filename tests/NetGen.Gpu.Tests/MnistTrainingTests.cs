using System.Diagnostics;
using NetGen.Data;
using Xunit.Abstractions;

namespace NetGen.Gpu.Tests;

/// <summary>The sample's MLP (samples/Mnist/MnistMlp.cs), declared again so the suite trains it on the device.</summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class MnistMlp;

/// <summary>
/// The GPU path learns, not only matches a few steps: one epoch of the bundled MNIST digits (8000 training images)
/// on ILGPU's CPU accelerator reaches at least 90% test accuracy, as the SIMD class does (both reach 90.55%).
/// </summary>
[Collection(GpuCollection.Name)]
public sealed class MnistTrainingTests(GpuDeviceFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void OneEpochOnIlgpuCpu_ReachesNinetyPercentTestAccuracy()
    {
        MnistDataset data = MnistDataset.Load(Path.Combine(RepoRoot(), "samples", "data", "mnist"));
        using var network = new MnistMlp.Gpu(fixture.Device);
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, MnistMlp.BatchSize, seed: 1);

        var clock = Stopwatch.StartNew();
        batches.StartEpoch(1);
        for (int b = 0; b < batches.BatchCount; b++)
        {
            batches.GetBatch(b, out ReadOnlySpan<float> images, out ReadOnlySpan<int> labels);
            network.TrainStep(images, labels);
        }

        Evaluation test = network.Evaluate(data.TestImages, data.TestLabels);
        output.WriteLine($"1 epoch on {fixture.Device.Name}: test accuracy {test.Accuracy:P2}, loss {test.Loss:F4}, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(test.Accuracy >= 0.90, $"test accuracy {test.Accuracy:P2} after one epoch");
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "NetGen.sln"))) return folder.FullName;
        }

        throw new DirectoryNotFoundException($"No folder holding NetGen.sln above {AppContext.BaseDirectory}.");
    }
}
