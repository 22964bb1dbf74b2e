using NetGen.Data;
using NetGen.Training;
using Samples.ResNet;
using Samples.Shared;

// Trains a small residual convolutional network on MNIST and reports per-epoch loss, accuracy and time,
// ending with one machine-readable `summary: {json}` line.
const string Usage = """
    Usage: dotnet run --project samples/ResNet -c Release -- [options]

    Trains a small ResNet (3x3 stem, 2 basic residual blocks at 16 channels, a widening block to 32 channels with a
    projected shortcut, flatten, dense 10; Adam, lr 2e-3, batch 64) on MNIST.

    Options:
      --data DIR     folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...);
                     default: the 8000/2000 digits bundled in samples/data/mnist
      --epochs N     epochs to train (default 8)
      --seed N       seed for initialization and shuffling (default 1)
      --plot DIR     write loss.png and accuracy.png (train and test curves per epoch) into DIR
      --onnx FILE    export the trained network as an ONNX model (opset 17) to FILE
      --help         print this text
    """;

var extra = new Dictionary<string, bool?> { ["--plot"] = false, ["--onnx"] = false };
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 8, extra, out SampleOptions options) is int exit) return exit;
if (options.LoadMnist() is not MnistDataset data) return 1;

var network = new SmallResNet();
var curves = new EpochCurves();
var summary = ClassifierRun.TrainAndReport(network, data, options, "resnet",
    "resnet stem16@3x3-pool2-2x[res 16@3x3 x2]-pool2-[res 32@3x3 x2, 1x1 projection]-flatten-10 relu adam b64", curves);
if (options.Has("--plot"))
{
    var (loss, accuracy) = TrainingPlots.Write(options.Get("--plot", "."), curves.TrainLoss, curves.HeldOutLoss, curves.TrainAccuracy, curves.HeldOutAccuracy, "test");
    Console.WriteLine($"plots: {loss}, {accuracy}");
}

if (options.Has("--onnx"))
{
    network.ExportOnnx(options.Get("--onnx", "resnet.onnx"));
    Console.WriteLine($"onnx: {Path.GetFullPath(options.Get("--onnx", "resnet.onnx"))}");
}

Console.WriteLine(SummaryLine.Format(summary));
return 0;
