using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using NetGen;
using NetGen.Data;
using Samples.OnnxImport;
using Samples.Shared;

// A model trained in PyTorch (train_and_export.py), compiled by NetGen from its ONNX file at build time: evaluated on
// the bundled digits beside ONNX Runtime running the same file, then fine-tuned in .NET, ending with one
// machine-readable `summary: {json}` line.
const string Usage = """
    Usage: dotnet run --project samples/OnnxImport -c Release -- [options]

    Evaluates models/digits_cnn.onnx (trained in PyTorch on 4000 of the bundled digits) compiled by NetGen,
    compares it with ONNX Runtime on the same file, then fine-tunes it on all the training digits.

    Options:
      --data DIR     folder with the MNIST IDX files; default: the 8000/2000 digits bundled in samples/data/mnist
      --epochs N     fine-tuning epochs (default 3)
      --seed N       seed for shuffling (default 1)
      --no-onnxruntime   skip the ONNX Runtime comparison (for a Native AOT build without its native library)
      --help         print this text
    """;

var extra = new Dictionary<string, bool?> { ["--no-onnxruntime"] = null };
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 3, extra, out SampleOptions options) is int exit) return exit;
if (options.LoadMnist() is not MnistDataset data) return 1;

var network = new DigitsCnn();
Console.WriteLine($"Imported {Path.GetFileName("models/digits_cnn.onnx")}: {DigitsCnn.ParameterCount:N0} parameters, batch {DigitsCnn.BatchSize}");
Evaluation imported = network.Evaluate(data.TestImages, data.TestLabels);
Console.WriteLine($"NetGen, imported weights:  test accuracy {imported.Accuracy:P2}, loss {imported.Loss:F4}");

double? onnxRuntimeAccuracy = null;
float maxDifference = float.NaN;
if (!options.Has("--no-onnxruntime"))
{
    (onnxRuntimeAccuracy, maxDifference) = CompareWithOnnxRuntime(network, data, Path.Combine(AppContext.BaseDirectory, "models", "digits_cnn.onnx"));
    Console.WriteLine($"ONNX Runtime, same file:   test accuracy {onnxRuntimeAccuracy:P2}; max |NetGen - ONNX Runtime| = {maxDifference:E2} over {data.TestCount * 10} probabilities");
}

Console.WriteLine();
Console.WriteLine("fine-tuning on all training digits");
Console.WriteLine("epoch   loss     test acc   seconds");
var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, DigitsCnn.BatchSize, options.Seed);
Evaluation finetuned = imported;
double seconds = 0;
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    var clock = Stopwatch.StartNew();
    double loss = TrainingLoop.TrainEpoch(network, batches, epoch);
    seconds += clock.Elapsed.TotalSeconds;
    finetuned = network.Evaluate(data.TestImages, data.TestLabels);
    Console.WriteLine(FormattableString.Invariant($"{epoch,5}   {loss,6:F4}   {finetuned.Accuracy * 100,7:F2}%   {clock.Elapsed.TotalSeconds,7:F2}"));
}

Console.WriteLine();
Console.WriteLine(SummaryLine.Format(
    ("sample", "onnximport"), ("model", "digits_cnn.onnx"), ("parameters", DigitsCnn.ParameterCount), ("epochs", options.Epochs),
    ("train_samples", data.TrainCount), ("test_samples", data.TestCount),
    ("imported_test_accuracy", imported.Accuracy), ("onnxruntime_test_accuracy", (object?)onnxRuntimeAccuracy ?? "skipped"),
    ("max_abs_difference_vs_onnxruntime", maxDifference), ("finetuned_test_accuracy", finetuned.Accuracy),
    ("finetuned_test_loss", finetuned.Loss), ("seconds_per_epoch", options.Epochs > 0 ? seconds / options.Epochs : 0)));
return 0;

// ONNX Runtime's accuracy on the same file, and the largest difference from NetGen's Predict.
static (double Accuracy, float MaxDifference) CompareWithOnnxRuntime(DigitsCnn network, MnistDataset data, string model)
{
    using var session = new InferenceSession(model);
    using var runOptions = new RunOptions();
    using OrtValue input = OrtValue.CreateTensorValueFromMemory(data.TestImages, [data.TestCount, 1, 28, 28]);
    using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
    ReadOnlySpan<float> expected = results[0].GetTensorDataAsSpan<float>();
    float[] predicted = new float[data.TestCount * 10];
    network.Predict(data.TestImages, predicted);
    int correct = 0;
    float max = 0;
    for (int i = 0; i < data.TestCount; i++)
    {
        ReadOnlySpan<float> row = expected.Slice(i * 10, 10);
        int best = 0;
        for (int c = 1; c < 10; c++) if (row[c] > row[best]) best = c;
        if (best == data.TestLabels[i]) correct++;
    }

    for (int i = 0; i < predicted.Length; i++) max = Math.Max(max, Math.Abs(predicted[i] - expected[i]));
    return ((double)correct / data.TestCount, max);
}
