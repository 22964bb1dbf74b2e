using NetGen.Data;
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
      --help         print this text
    """;

if (SampleOptions.TryParse(args, Usage, defaultEpochs: 15, new Dictionary<string, bool?>(), out SampleOptions options) is int exit) return exit;
if (options.LoadMnist() is not MnistDataset data) return 1;

var summary = ClassifierRun.TrainAndReport(new LeNet5(), data, options, "lenet",
    "lenet5 conv6@5x5p2-pool2-conv16@5x5-pool2-120-84-10 relu adam b64");
Console.WriteLine(SummaryLine.Format(summary));
return 0;
