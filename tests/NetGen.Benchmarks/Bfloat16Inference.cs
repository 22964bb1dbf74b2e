using NetGen.Data;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>
/// `mlp_infer_bf16 784-256-128-10 b1`: the small MLP's inference with its weights stored as bfloat16
/// (<see cref="DenseBfloat16"/>). The generator has no opt-in for it yet, so the three layers are wired here by hand,
/// as the emitter would write them: one fused <see cref="DenseBfloat16.Forward"/> per layer, then the softmax that
/// <c>Predict</c> applies.
/// </summary>
internal sealed class Bfloat16Inference
{
    private readonly ushort[] _weight1, _weight2, _weight3;
    private readonly float[] _bias1, _bias2, _bias3;
    private readonly float[] _hidden1 = new float[SmallMlp.BatchSize * 256], _hidden2 = new float[SmallMlp.BatchSize * 128];
    private readonly float[] _logits = new float[SmallMlp.BatchSize * SmallMlp.OutputSize];

    public Bfloat16Inference(SmallMlp network)
    {
        _weight1 = ToBfloat16(network.Dense1Weight);
        _weight2 = ToBfloat16(network.Dense2Weight);
        _weight3 = ToBfloat16(network.Dense3Weight);
        _bias1 = network.Dense1Bias.ToArray();
        _bias2 = network.Dense2Bias.ToArray();
        _bias3 = network.Dense3Bias.ToArray();
    }

    /// <summary>Class probabilities for up to <see cref="SmallMlp.BatchSize"/> samples.</summary>
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int rows = inputs.Length / SmallMlp.InputSize;
        DenseBfloat16.Forward(inputs, _weight1, _bias1, _hidden1, rows, SmallMlp.InputSize, 256, Activation.ReLU);
        DenseBfloat16.Forward(_hidden1, _weight2, _bias2, _hidden2, rows, 256, 128, Activation.ReLU);
        DenseBfloat16.Forward(_hidden2, _weight3, _bias3, _logits, rows, 128, SmallMlp.OutputSize, Activation.Identity);
        Activations.SoftmaxForward(_logits.AsSpan(0, rows * SmallMlp.OutputSize), outputs, rows, SmallMlp.OutputSize);
    }

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

    private static ushort[] ToBfloat16(ReadOnlySpan<float> weights)
    {
        var converted = new ushort[weights.Length];
        DenseBfloat16.Convert(weights, converted);
        return converted;
    }
}
