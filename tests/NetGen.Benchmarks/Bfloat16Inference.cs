using NetGen.Data;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>The small MLP again, declared with [Bfloat16Inference]: what a user writes to get <c>PredictBfloat16</c>.</summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
[Bfloat16Inference]
public partial class SmallMlpBfloat16;

/// <summary>
/// `mlp_infer_bf16 784-256-128-10 b1`: the small MLP's inference through the generated <c>PredictBfloat16</c> of
/// <see cref="SmallMlpBfloat16"/>, loaded with the float network's parameters (its dense weights read as bfloat16).
/// </summary>
internal sealed class Bfloat16Inference
{
    private readonly SmallMlpBfloat16 _network = new();

    public Bfloat16Inference(SmallMlp network)
    {
        network.Parameters.CopyTo(_network.Parameters);
        _network.RefreshBfloat16Weights();
    }

    /// <summary>Class probabilities for any number of samples.</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs) => _network.PredictBfloat16(inputs, outputs);

    /// <summary>
    /// Test accuracy of the float and bfloat16 forms of one MLP trained for 3 epochs on the MNIST digits bundled in
    /// samples/data/mnist, or null when they are not beside the app.
    /// </summary>
    public static (double Float, double Bfloat16, int Samples)? MnistAccuracy()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        if (!Directory.Exists(folder)) return null;
        MnistDataset data = MnistDataset.Load(folder);
        var network = new SmallMlp();
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, SmallMlp.BatchSize, seed: 1);
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount; b++)
            {
                batches.GetBatch(b, out ReadOnlySpan<float> images, out ReadOnlySpan<int> labels);
                network.TrainStep(images, labels);
            }
        }
        double floatAccuracy = network.Evaluate(data.TestImages, data.TestLabels).Accuracy;
        var bfloat16 = new Bfloat16Inference(network);
        var probabilities = new float[SmallMlp.BatchSize * SmallMlp.OutputSize];
        int correct = 0;
        for (int start = 0; start < data.TestCount; start += SmallMlp.BatchSize)
        {
            int rows = Math.Min(SmallMlp.BatchSize, data.TestCount - start);
            bfloat16.Predict(data.TestImages.AsSpan(start * SmallMlp.InputSize, rows * SmallMlp.InputSize), probabilities.AsSpan(0, rows * SmallMlp.OutputSize));
            correct += Losses.CountCorrect(probabilities.AsSpan(0, rows * SmallMlp.OutputSize), data.TestLabels.AsSpan(start, rows), rows, SmallMlp.OutputSize);
        }
        return (floatAccuracy, (double)correct / data.TestCount, data.TestCount);
    }
}
