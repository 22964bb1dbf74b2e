using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NetGen;
using NetGen.Data;
using NetGen.Distributed;

namespace Samples.Mnist;

// `--ranks`: the same training as Program.cs, data-parallel over the processes of an MPI job:
//   mpirun.mpich -np 2 dotnet samples/Mnist/bin/Release/net10.0/Mnist.dll --ranks
// Every rank holds a replica, takes its half of each global batch of 64 and the gradients are averaged with
// one all-reduce per step, so the run matches one process at batch 64 (up to float rounding). Rank 0 prints.
internal static class MnistDistributed
{
    public static int Run(string[] args)
    {
        string dataFolder = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        int epochs = 15, seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--ranks") continue;
            if (i + 1 >= args.Length) return Fail($"missing value for '{args[i]}'");
            string value = args[++i];
            switch (args[i - 1])
            {
                case "--data": dataFolder = value; break;
                case "--epochs" when int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0: epochs = n; break;
                case "--seed" when int.TryParse(value, CultureInfo.InvariantCulture, out int s): seed = s; break;
                default: return Fail($"unknown option or bad value: '{args[i - 1]} {value}' (with --ranks: --data, --epochs, --seed)");
            }
        }

        return DataParallel.Run(dp => Train(dp, dataFolder, epochs, seed));
    }

    private static int Train(DataParallel dp, string dataFolder, int epochs, int seed)
    {
        MnistDataset data = MnistDataset.Load(dataFolder); // a rank that cannot read it aborts the job, naming itself
        var network = new MnistMlp();
        network.ResetParameters(seed);
        dp.Synchronize(network);
        // The same seed on every rank: every rank cuts the same global batches and takes its shard of each.
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, MnistMlp.BatchSize, seed);
        if (dp.IsRoot)
        {
            Console.WriteLine($"MNIST: {data.TrainCount} training and {data.TestCount} test images from {dataFolder}");
            Console.WriteLine($"Network: {nameof(MnistMlp)}, {MnistMlp.ParameterCount:N0} parameters, global batch {MnistMlp.BatchSize} over {dp.Ranks} ranks, seed {seed}");
            Console.WriteLine($"MPI: {DataParallel.LibraryDescription}");
            Console.WriteLine();
            Console.WriteLine("epoch   loss     train acc   test acc   seconds");
        }

        double totalSeconds = 0;
        Evaluation train = default, test = default;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            batches.StartEpoch(epoch);
            double lossSum = 0;
            for (int b = 0; b < batches.BatchCount; b++)
            {
                int rows = batches.GetBatch(b, out ReadOnlySpan<float> images, out ReadOnlySpan<int> labels);
                lossSum += dp.TrainStep(network, images, labels, rows) * rows;
            }

            double seconds = clock.Elapsed.TotalSeconds;
            totalSeconds += seconds;
            if (!dp.IsRoot) continue; // evaluation and printing on rank 0 only; the replicas are identical
            train = network.Evaluate(data.TrainImages, data.TrainLabels);
            test = network.Evaluate(data.TestImages, data.TestLabels);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{epoch,5}   {lossSum / batches.Count,6:F4}   {train.Accuracy * 100,8:F2}%   {test.Accuracy * 100,7:F2}%   {seconds,7:F2}"));
        }

        dp.VerifyIdentical(network.Parameters, nameof(MnistMlp));
        if (dp.IsRoot)
        {
            Console.WriteLine();
            Console.WriteLine("summary: " + Summary(dp.Ranks, epochs, seed, data, train, test, totalSeconds / epochs));
        }

        return 0;
    }

    private static string Summary(int ranks, int epochs, int seed, MnistDataset data, Evaluation train, Evaluation test, double secondsPerEpoch)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("sample", "mnist");
            json.WriteString("network", "784-256-128-10 relu adam b64");
            json.WriteString("device", "simd");
            json.WriteNumber("ranks", ranks);
            json.WriteNumber("epochs", epochs);
            json.WriteNumber("seed", seed);
            json.WriteNumber("train_samples", data.TrainCount);
            json.WriteNumber("test_samples", data.TestCount);
            json.WriteNumber("train_accuracy", Math.Round(train.Accuracy, 4));
            json.WriteNumber("test_accuracy", Math.Round(test.Accuracy, 4));
            json.WriteNumber("test_loss", Math.Round(test.Loss, 4));
            json.WriteNumber("seconds_per_epoch", Math.Round(secondsPerEpoch, 3));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
