using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetGen;
using NetGen.Data;
#if NETGEN_GPU
using NetGen.Gpu;
#endif
#if NETGEN_PLOTS
using NetGen.Training;
#endif
using Samples.Mnist;

// Trains the 784-256-128-10 MLP on MNIST and reports per-epoch loss, accuracy and time,
// ending with one machine-readable `summary: {json}` line.
const string Usage = """
    Usage: dotnet run --project samples/Mnist -c Release -- [options]

    Trains a 784-256-128-10 ReLU MLP (Adam, lr 1e-3, batch 64) on MNIST.

    Options:
      --data DIR     folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...);
                     default: the 8000/2000 digits bundled in samples/data/mnist
      --epochs N     epochs to train (default 15)
      --seed N       seed for initialization and shuffling (default 1)
      --device D     simd (default: the SIMD CPU class), ilgpu-cpu (ILGPU's CPU accelerator),
                     cuda or opencl (the generated MnistMlp.Gpu class on that device; not in the
                     Native AOT build, which leaves ILGPU out: ILGPU compiles kernels by reflection)
      --plot DIR     write loss.png and accuracy.png (train and test curves per epoch) into DIR
                     (not in the Native AOT build, which leaves ScottPlot and its native SkiaSharp out)
      --onnx FILE    export the trained network as an ONNX model (opset 17) to FILE (simd device)
      --ranks        train data-parallel over the processes of an MPI job (mpirun.mpich -np 2 dotnet Mnist.dll --ranks)
      --help         print this text
    """;

if (args.Contains("--ranks")) return MnistDistributed.Run(args); // Distributed.cs
if (NetGen.Distributed.MpiLaunch.TryDetect(out int mpiRank, out int mpiRanks))
{
    // Without --ranks every process of the job would train its own copy, silently: say what to add instead.
    if (mpiRank == 0)
    {
        Console.Error.WriteLine($"error: this is one of {mpiRanks} processes of an MPI job (mpirun sets PMI_RANK and PMI_SIZE), but --ranks is " +
            $"missing, so each would train its own copy: add --ranks to train data-parallel (mpirun -np {mpiRanks} dotnet Mnist.dll --ranks), " +
            "or start one process");
    }
    return 2;
}

string dataFolder = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
int epochs = 15;
int seed = 1;
string device = "simd";
string? plotFolder = null;
string? onnxPath = null;

for (int i = 0; i < args.Length; i++)
{
    string option = args[i];
    if (option is "--help" or "-h")
    {
        Console.WriteLine(Usage);
        return 0;
    }

    if (i + 1 >= args.Length || option is not ("--data" or "--epochs" or "--seed" or "--device" or "--plot" or "--onnx"))
    {
        return BadArguments($"unknown option or missing value: '{option}'");
    }

    string value = args[++i];
    switch (option)
    {
        case "--data":
            dataFolder = value;
            break;
        case "--plot":
            plotFolder = value;
            break;
        case "--onnx":
            onnxPath = value;
            break;
        case "--epochs" when int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0:
            epochs = n;
            break;
        case "--seed" when int.TryParse(value, CultureInfo.InvariantCulture, out int s):
            seed = s;
            break;
        case "--device" when value is "simd" or "ilgpu-cpu" or "cuda" or "opencl":
            device = value;
            break;
        case "--device":
            return BadArguments($"--device must be simd, ilgpu-cpu, cuda or opencl, not '{value}'");
        default:
            return BadArguments($"{option} needs a {(option == "--epochs" ? "positive " : "")}whole number, not '{value}'");
    }
}

#if !NETGEN_GPU
if (device != "simd")
{
    Console.Error.WriteLine($"error: --device {device} is not available in the Native AOT build (ILGPU is left out); use the JIT build");
    return 2;
}
#endif
#if !NETGEN_PLOTS
if (plotFolder is not null)
{
    Console.Error.WriteLine("error: --plot is not available in the Native AOT build (it leaves ScottPlot and SkiaSharp's native library out); use the JIT build");
    return 2;
}
#endif
if (onnxPath is not null && device != "simd") return BadArguments("--onnx exports the SIMD CPU network: use it with --device simd");

MnistDataset data;
try
{
    data = MnistDataset.Load(dataFolder);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: cannot load MNIST from '{dataFolder}': {e.Message}");
    return 1;
}

Console.WriteLine($"MNIST: {data.TrainCount} training and {data.TestCount} test images from {dataFolder}");
#if NETGEN_GPU
GpuDevice? gpuDevice = null;
MnistMlp.Gpu? gpuNetwork = null;
#endif
MnistMlp? cpuNetwork = null;
string deviceName = "SIMD CPU";
if (device == "simd")
{
    cpuNetwork = new MnistMlp();
    cpuNetwork.ResetParameters(seed);
}
#if NETGEN_GPU
else
{
    GpuKind kind = device switch { "cuda" => GpuKind.Cuda, "opencl" => GpuKind.OpenCL, _ => GpuKind.Cpu };
    try
    {
        gpuDevice = GpuDevice.Create(kind);
    }
    catch (GpuDeviceNotFoundException e)
    {
        Console.Error.WriteLine($"error: --device {device}: {e.Message}");
        return 1;
    }

    deviceName = gpuDevice.Name;
    gpuNetwork = new MnistMlp.Gpu(gpuDevice);
    gpuNetwork.ResetParameters(seed);
}
#endif

Console.WriteLine($"Network: {nameof(MnistMlp)}, {MnistMlp.ParameterCount:N0} parameters, batch {MnistMlp.BatchSize}, seed {seed}, device {device} ({deviceName})");
Console.WriteLine();
Console.WriteLine("epoch   loss     train acc   test acc   seconds");

var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1,
    MnistMlp.BatchSize, seed);

double totalSeconds = 0;
Evaluation test = default;
Evaluation train = default;
var trainLosses = new List<double>();
var testLosses = new List<double>();
var trainAccuracies = new List<double>();
var testAccuracies = new List<double>();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    var clock = Stopwatch.StartNew();
    batches.StartEpoch(epoch);
    double lossSum = 0;
    for (int b = 0; b < batches.BatchCount; b++)
    {
        int rows = batches.GetBatch(b, out ReadOnlySpan<float> images, out ReadOnlySpan<int> labels);
        lossSum += TrainStep(images, labels) * rows;
    }

    double seconds = clock.Elapsed.TotalSeconds;
    totalSeconds += seconds;
    train = Evaluate(data.TrainImages, data.TrainLabels);
    test = Evaluate(data.TestImages, data.TestLabels);
    trainLosses.Add(lossSum / batches.Count);
    testLosses.Add(test.Loss);
    trainAccuracies.Add(train.Accuracy);
    testAccuracies.Add(test.Accuracy);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{epoch,5}   {lossSum / batches.Count,6:F4}   {train.Accuracy * 100,8:F2}%   {test.Accuracy * 100,7:F2}%   {seconds,7:F2}"));
}

// The same trained network with its dense weights read as bfloat16 ([Bfloat16Inference]): the accuracy it costs.
double? bfloat16Accuracy = null;
if (cpuNetwork is not null)
{
    var probabilities = new float[data.TestCount * MnistMlp.OutputSize];
    cpuNetwork.PredictBfloat16(data.TestImages, probabilities);
    bfloat16Accuracy = (double)NetGen.Kernels.Losses.CountCorrect(probabilities, data.TestLabels, data.TestCount, MnistMlp.OutputSize) / data.TestCount;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"bfloat16 weights (PredictBfloat16): test acc {bfloat16Accuracy * 100:F2}% against {test.Accuracy * 100:F2}% in float"));
}

Console.WriteLine();
#if NETGEN_PLOTS
if (plotFolder is not null)
{
    var (lossPlot, accuracyPlot) = TrainingPlots.Write(plotFolder, trainLosses, testLosses, trainAccuracies, testAccuracies, "test");
    Console.WriteLine($"plots: {lossPlot}, {accuracyPlot}");
}
#endif
if (onnxPath is not null)
{
    cpuNetwork!.ExportOnnx(onnxPath);
    Console.WriteLine($"onnx: {Path.GetFullPath(onnxPath)}");
}

Console.WriteLine("summary: " + Summary());
#if NETGEN_GPU
gpuNetwork?.Dispose();
gpuDevice?.Dispose();
#endif
return 0;

// The chosen backend: the SIMD class, or (JIT build) the generated Gpu class on an ILGPU device.
float TrainStep(ReadOnlySpan<float> images, ReadOnlySpan<int> labels) =>
#if NETGEN_GPU
    gpuNetwork is not null ? gpuNetwork.TrainStep(images, labels) :
#endif
    cpuNetwork!.TrainStep(images, labels);

Evaluation Evaluate(ReadOnlySpan<float> images, ReadOnlySpan<int> labels) =>
#if NETGEN_GPU
    gpuNetwork is not null ? gpuNetwork.Evaluate(images, labels) :
#endif
    cpuNetwork!.Evaluate(images, labels);

string Summary()
{
    using var stream = new MemoryStream();
    using (var json = new Utf8JsonWriter(stream))
    {
        json.WriteStartObject();
        json.WriteString("sample", "mnist");
        json.WriteString("network", "784-256-128-10 relu adam b64");
        json.WriteString("device", device);
        json.WriteString("device_name", deviceName);
        json.WriteNumber("epochs", epochs);
        json.WriteNumber("seed", seed);
        json.WriteNumber("train_samples", data.TrainCount);
        json.WriteNumber("test_samples", data.TestCount);
        json.WriteNumber("train_accuracy", Math.Round(train.Accuracy, 4));
        json.WriteNumber("test_accuracy", Math.Round(test.Accuracy, 4));
        json.WriteNumber("test_loss", Math.Round(test.Loss, 4));
        if (bfloat16Accuracy is double bfloat16) json.WriteNumber("test_accuracy_bf16", Math.Round(bfloat16, 4));
        json.WriteNumber("seconds_per_epoch", Math.Round(totalSeconds / epochs, 3));
        json.WriteEndObject();
    }

    return Encoding.UTF8.GetString(stream.ToArray());
}

static int BadArguments(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
