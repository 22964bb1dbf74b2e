using System.Globalization;
using System.Text;
using System.Text.Json;
using NetGen;
using NetGen.Data;

namespace Samples.Shared;

/// <summary>Command-line options shared by the samples: --data, --epochs, --seed, --help, plus each sample's own.</summary>
public sealed class SampleOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string DataFolder { get; private set; } = Path.Combine(AppContext.BaseDirectory, "data", "mnist");

    public int Epochs { get; private set; }

    public int Seed { get; private set; } = 1;

    /// <summary>The value of a sample-specific option, or <paramref name="fallback"/>.</summary>
    public string Get(string option, string fallback) => _values.TryGetValue(option, out string? value) ? value : fallback;

    public int GetInt(string option, int fallback) =>
        _values.TryGetValue(option, out string? value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public bool Has(string option) => _values.ContainsKey(option);

    /// <summary>
    /// Parses <paramref name="args"/>. Returns null when the sample should run; otherwise the exit code:
    /// 0 after --help, 2 after printing what is wrong and the usage. <paramref name="extra"/> maps each
    /// sample-specific option to whether it takes a positive whole number (true), any text (false),
    /// or is a flag (null).
    /// </summary>
    public static int? TryParse(string[] args, string usage, int defaultEpochs, IReadOnlyDictionary<string, bool?> extra, out SampleOptions options)
    {
        options = new SampleOptions { Epochs = defaultEpochs };
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            if (option is "--help" or "-h")
            {
                Console.WriteLine(usage);
                return 0;
            }

            bool known = option is "--data" or "--epochs" or "--seed" || extra.ContainsKey(option);
            if (!known) return Bad($"unknown option '{option}'", usage);
            if (extra.TryGetValue(option, out bool? numeric) && numeric is null)
            {
                options._values[option] = "true";
                continue;
            }

            if (i + 1 >= args.Length) return Bad($"{option} needs a value", usage);
            string value = args[++i];
            bool isNumber = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int number);
            switch (option)
            {
                case "--data":
                    options.DataFolder = value;
                    break;
                case "--seed" when isNumber:
                    options.Seed = number;
                    break;
                case "--epochs" when isNumber && number > 0:
                    options.Epochs = number;
                    break;
                case "--seed" or "--epochs":
                    return Bad($"{option} needs a {(option == "--epochs" ? "positive " : "")}whole number, not '{value}'", usage);
                default:
                    if (extra[option] == true && !(isNumber && number > 0)) return Bad($"{option} needs a positive whole number, not '{value}'", usage);
                    options._values[option] = value;
                    break;
            }
        }

        return null;
    }

    private static int Bad(string message, string usage)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(usage);
        return 2;
    }

    /// <summary>Loads MNIST from <see cref="DataFolder"/>, or prints the error naming the file and returns null.</summary>
    public MnistDataset? LoadMnist()
    {
        try
        {
            return MnistDataset.Load(DataFolder);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot load MNIST from '{DataFolder}': {e.Message}");
            return null;
        }
    }
}

/// <summary>The one machine-readable line every sample ends with: <c>summary: {json}</c>.</summary>
public static class SummaryLine
{
    public static string Format(params (string Key, object Value)[] fields)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach ((string key, object value) in fields)
            {
                switch (value)
                {
                    case string s: json.WriteString(key, s); break;
                    case int i: json.WriteNumber(key, i); break;
                    case long l: json.WriteNumber(key, l); break;
                    case double d when double.IsFinite(d): json.WriteNumber(key, double.Parse(d.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)); break;
                    case float f when float.IsFinite(f): json.WriteNumber(key, double.Parse(f.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)); break;
                    case bool b: json.WriteBoolean(key, b); break;
                    default: json.WriteNull(key); break;
                }
            }

            json.WriteEndObject();
        }

        return "summary: " + Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>One epoch of mini-batch training for any generated classifier.</summary>
public static class TrainingLoop
{
    /// <summary>Trains one epoch over <paramref name="batches"/> (shuffled for <paramref name="epoch"/>); returns the mean training loss.</summary>
    public static double TrainEpoch(INetwork<int> network, MiniBatches<int> batches, int epoch)
    {
        batches.StartEpoch(epoch);
        double lossSum = 0;
        for (int b = 0; b < batches.BatchCount; b++)
        {
            int rows = batches.GetBatch(b, out ReadOnlySpan<float> features, out ReadOnlySpan<int> labels);
            lossSum += network.TrainStep(features, labels) * rows;
        }

        return lossSum / batches.Count;
    }
}

/// <summary>Each epoch's loss and accuracy on the training set and a held-out (test or validation) set, for the samples' <c>--plot DIR</c> curves.</summary>
public sealed class EpochCurves
{
    public List<double> TrainLoss { get; } = [];

    public List<double> HeldOutLoss { get; } = [];

    public List<double> TrainAccuracy { get; } = [];

    public List<double> HeldOutAccuracy { get; } = [];

    /// <param name="trainLoss">The epoch's mean training loss.</param>
    /// <param name="train">The training set evaluated after the epoch.</param>
    /// <param name="heldOut">The held-out set evaluated after the epoch.</param>
    public void Add(double trainLoss, Evaluation train, Evaluation heldOut)
    {
        TrainLoss.Add(trainLoss);
        HeldOutLoss.Add(heldOut.Loss);
        TrainAccuracy.Add(train.Accuracy);
        HeldOutAccuracy.Add(heldOut.Accuracy);
    }
}

/// <summary>
/// The per-epoch training report of the MNIST classifiers: loss, train and test accuracy and seconds per
/// epoch, then the summary fields every such sample prints.
/// </summary>
public static class ClassifierRun
{
    public static (string Key, object Value)[] TrainAndReport(INetwork<int> network, MnistDataset data, SampleOptions options,
        string sample, string description, EpochCurves? curves = null)
    {
        Console.WriteLine($"MNIST: {data.TrainCount} training and {data.TestCount} test images from {options.DataFolder}");
        Console.WriteLine($"Network: {description}, {network.ParameterCount:N0} parameters, batch {network.BatchSize}, seed {options.Seed}");
        Console.WriteLine();
        Console.WriteLine("epoch   loss     train acc   test acc   seconds");

        network.ResetParameters(options.Seed);
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, network.BatchSize, options.Seed);
        double totalSeconds = 0;
        Evaluation train = default, test = default;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            double loss = TrainingLoop.TrainEpoch(network, batches, epoch);
            double seconds = clock.Elapsed.TotalSeconds;
            totalSeconds += seconds;
            train = network.Evaluate(data.TrainImages, data.TrainLabels);
            test = network.Evaluate(data.TestImages, data.TestLabels);
            curves?.Add(loss, train, test);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{epoch,5}   {loss,6:F4}   {train.Accuracy * 100,8:F2}%   {test.Accuracy * 100,7:F2}%   {seconds,7:F2}"));
        }

        Console.WriteLine();
        return
        [
            ("sample", sample), ("network", description), ("device", "simd"), ("epochs", options.Epochs), ("seed", options.Seed),
            ("train_samples", data.TrainCount), ("test_samples", data.TestCount), ("train_accuracy", train.Accuracy),
            ("test_accuracy", test.Accuracy), ("test_loss", test.Loss), ("seconds_per_epoch", totalSeconds / options.Epochs),
        ];
    }
}
