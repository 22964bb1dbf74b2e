using NetGen.Data;
using NetGen.Training;
using Samples.LeNet;
using Samples.Shared;

// Trains LeNet-5 on MNIST and reports per-epoch loss, accuracy and time,
// ending with one machine-readable `summary: {json}` line.
const string Usage = """
    Usage: dotnet run --project samples/LeNet -c Release -- [options]

    Trains LeNet-5 (conv 6@5x5 pad 2, max-pool 2, conv 16@5x5, max-pool 2, dense 120-84-10,
    ReLU; Adam, lr 1e-3, batch 64) on MNIST.

    Options:
      --data DIR     folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...);
                     default: the 8000/2000 digits bundled in samples/data/mnist
      --epochs N     epochs to train (default 15)
      --seed N       seed for initialization and shuffling (default 1)
      --plot DIR     write loss.png and accuracy.png (train and test curves per epoch) into DIR
      --onnx FILE    export the trained network as an ONNX model (opset 17) to FILE
      --help         print this text
    """;

var extra = new Dictionary<string, bool?> { ["--plot"] = false, ["--onnx"] = false };
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 15, extra, out SampleOptions options) is int exit) return exit;
if (options.LoadMnist() is not MnistDataset data) return 1;

var network = new LeNet5();
var curves = new EpochCurves();
var summary = ClassifierRun.TrainAndReport(network, data, options, "lenet",
    "lenet5 conv6@5x5p2-pool2-conv16@5x5-pool2-120-84-10 relu adam b64", curves);
if (options.Has("--plot"))
{
    var (loss, accuracy) = TrainingPlots.Write(options.Get("--plot", "."), curves.TrainLoss, curves.HeldOutLoss, curves.TrainAccuracy, curves.HeldOutAccuracy, "test");
    Console.WriteLine($"plots: {loss}, {accuracy}");
}

if (options.Has("--onnx"))
{
    network.ExportOnnx(options.Get("--onnx", "lenet5.onnx"));
    Console.WriteLine($"onnx: {Path.GetFullPath(options.Get("--onnx", "lenet5.onnx"))}");
}

Console.WriteLine(SummaryLine.Format(summary));
return 0;
