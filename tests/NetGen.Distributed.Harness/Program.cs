using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using NetGen;
using NetGen.Data;
using NetGen.Distributed;
using NetGen.Distributed.Harness;

// Launched by NetGen.Distributed.Tests as `mpirun.mpich -np N dotnet NetGen.Distributed.Harness.dll MODE [options]`,
// and by hand for the benchmark. Modes:
//   reference   --network adam|sgd --batch B --steps S --samples N --out FILE   single process, plain TrainStep, no MPI
//   distributed --network adam|sgd|batchnorm --batch B --steps S --samples N --out FILE [--reference-out FILE2]
//               [--sync-bn true] [--overlap true] [--bucket-floats F]
//               data-parallel; rank 0 writes the parameters (and first runs `reference` into FILE2, saving a launch)
//   shards      --batch B --samples N --epochs E      every rank's shard of every batch; prints the coverage per epoch
//   mismatch-count | mismatch-seed                    ranks disagree on the parameter count | on the parameters
//   fail-rank                                         rank 1 throws at step 3: the job must abort, not hang
//   bench       [--steps S] [--reps R] [--baseline-us T] [--overlap true] [--bucket-floats F]   mlp_train 784-1024-1024-10 b256 adam, one JSON line; with N > 1
//               ranks the 1-process baseline for scaling_efficiency is T, or else measured in the same job between reps
//   allreduce   [--steps S] [--reps R]            the gradient all-reduce of that network alone (no training), one JSON line
var options = Options.Parse(args);
return options.Mode switch
{
    "reference" => Modes.Reference(options),
    "distributed" => DataParallel.Run(dp => Modes.Distributed(dp, options)),
    "shards" => DataParallel.Run(dp => Modes.Shards(dp, options)),
    "mismatch-count" => DataParallel.Run(Modes.MismatchCount),
    "mismatch-seed" => DataParallel.Run(Modes.MismatchSeed),
    "fail-rank" => DataParallel.Run(Modes.FailRank),
    "bench" => DataParallel.Run(dp => Modes.Bench(dp, options)),
    "allreduce" => DataParallel.Run(dp => Modes.AllReduce(dp, options)),
    _ => Options.Fail($"unknown mode '{options.Mode}'"),
};

internal sealed record Options(string Mode, string Network, int Batch, int Steps, int Samples, int Epochs, int Reps, double BaselineMicroseconds, string? Out,
    string? ReferenceOut = null, bool SyncBatchNorm = false, bool Overlap = false, int BucketFloats = 1 << 18)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(args.Length > 0 ? args[0] : "", "adam", 64, 20, 600, 3, 7, 0, null);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            o = args[i] switch
            {
                "--network" => o with { Network = value },
                "--batch" => o with { Batch = Int(value) },
                "--steps" => o with { Steps = Int(value) },
                "--samples" => o with { Samples = Int(value) },
                "--epochs" => o with { Epochs = Int(value) },
                "--reps" => o with { Reps = Int(value) },
                "--baseline-us" => o with { BaselineMicroseconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--out" => o with { Out = value },
                "--reference-out" => o with { ReferenceOut = value },
                "--sync-bn" => o with { SyncBatchNorm = value == "true" },
                "--overlap" => o with { Overlap = value == "true" },
                "--bucket-floats" => o with { BucketFloats = Int(value) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }

        return o;
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}

internal static class Modes
{
    public static int Reference(Options o)
    {
        // The single-process baseline: the generated TrainStep on each whole global batch.
        var (inputs, labels) = SyntheticData(o.Samples, 48);
        var batches = new MiniBatches<int>(inputs, labels, 48, labelSize: 1, o.Batch, seed: 5);
        INetwork<int> net = CreateNetwork(o.Network);
        Func<ReadOnlySpan<float>, ReadOnlySpan<int>, float> trainStep = (x, y) => net.TrainStep(x, y);
        Func<float[]> parameters = () => net.Parameters.ToArray();
        float[] initial = parameters();
        float loss = 0;
        ForEachStep(batches, o.Steps, (x, y, rows) => loss = trainStep(x, y));
        float[] final = parameters();
        Write(o.Out, final);
        Console.WriteLine(Json(("mode", "reference"), ("network", o.Network), ("steps", o.Steps), ("last_loss", loss),
            ("max_change", MaxDifference(initial, final))));
        return 0;
    }

    public static int Distributed(DataParallel dp, Options o)
    {
        if (dp.IsRoot && o.ReferenceOut is not null) Reference(o with { Out = o.ReferenceOut });
        return Train(CreateNetwork(o.Network), o.Network);

        int Train(INetwork<int> net, string name)
        {
            if (o.SyncBatchNorm) dp.UseSynchronizedBatchNorm(net);
            dp.OverlapAllReduce = o.Overlap;
            dp.BucketFloats = o.BucketFloats;
            var (inputs, labels) = SyntheticData(o.Samples, 48);
            var batches = new MiniBatches<int>(inputs, labels, 48, labelSize: 1, o.Batch, seed: 5);
            dp.Synchronize(net, name);
            float[] initial = net.Parameters.ToArray();
            float loss = 0;
            ForEachStep(batches, o.Steps, (x, y, rows) => loss = dp.TrainStep(net, x, y, rows));
            dp.VerifyIdentical(net.Parameters, name); // the replicas must still be bit-identical
            if (dp.IsRoot)
            {
                Write(o.Out, net.Parameters.ToArray());
                Console.WriteLine(Json(("mode", "distributed"), ("network", o.Network), ("ranks", dp.Ranks), ("steps", o.Steps), ("last_loss", loss),
                    ("max_change", MaxDifference(initial, net.Parameters.ToArray())), ("replicas_identical", true)));
            }

            return 0;
        }
    }

    public static int Shards(DataParallel dp, Options o)
    {
        // Sample i's only feature and its label are both i, so a shard's labels name the samples it holds.
        var ids = new int[o.Samples];
        var features = new float[o.Samples];
        for (int i = 0; i < ids.Length; i++) (ids[i], features[i]) = (i, i);
        var batches = new MiniBatches<int>(features, ids, featureSize: 1, labelSize: 1, o.Batch, seed: 11);
        var counts = new float[o.Samples];
        var rowsPerRank = new float[dp.Ranks];
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            Array.Clear(counts);
            Array.Clear(rowsPerRank);
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount; b++)
            {
                int rows = batches.GetBatch(b, out _, out ReadOnlySpan<int> labels);
                Shard shard = dp.ShardOf(rows);
                foreach (int sample in shard.Slice(labels, 1)) counts[sample]++;
                rowsPerRank[dp.Rank] += shard.Count;
            }

            dp.AllReduceSum(counts);
            dp.AllReduceSum(rowsPerRank);
            if (dp.IsRoot)
            {
                Console.WriteLine(Json(("mode", "shards"), ("epoch", epoch), ("ranks", dp.Ranks), ("samples", o.Samples), ("batches", batches.BatchCount),
                    ("min_count", counts.Min()), ("max_count", counts.Max()), ("rows_per_rank", string.Join(" ", rowsPerRank))));
            }
        }

        return 0;
    }

    public static int MismatchCount(DataParallel dp)
    {
        // Rank 0 declares one network, the others another: the count check must fail on every rank, naming them.
        if (dp.Rank == 0) dp.Synchronize(new ParityAdamMlp(), nameof(ParityAdamMlp));
        else dp.Synchronize(new ParitySgdMlp(), nameof(ParitySgdMlp));
        return 0;
    }

    public static int MismatchSeed(DataParallel dp)
    {
        // Same network, a different seed on every rank: the checksum check must fail, naming the ranks.
        var net = new ParityAdamMlp();
        net.ResetParameters(seed: 100 + dp.Rank);
        dp.VerifyIdentical(net.Parameters, nameof(ParityAdamMlp));
        return 0;
    }

    public static int FailRank(DataParallel dp)
    {
        var net = new ParityAdamMlp();
        var (inputs, labels) = SyntheticData(640, 48);
        var batches = new MiniBatches<int>(inputs, labels, 48, labelSize: 1, 64, seed: 5);
        int step = 0;
        ForEachStep(batches, 10, (x, y, rows) =>
        {
            if (++step == 3 && dp.Rank == 1) throw new InvalidOperationException("injected failure at step 3");
            dp.TrainStep(net, x, y, rows);
        });
        return 0;
    }

    /// <summary>The parity networks by the name the tests pass with --network.</summary>
    private static INetwork<int> CreateNetwork(string name) => name switch
    {
        "adam" => new ParityAdamMlp(),
        "sgd" => new ParitySgdMlp(),
        "batchnorm" => new ParityBatchNormMlp(),
        _ => throw new ArgumentException($"unknown network '{name}': adam, sgd or batchnorm"),
    };

    public static int Bench(DataParallel dp, Options o)
    {
        // Each rank single-threaded, as the line says: with the kernels' default of one thread per core, two ranks on
        // this 2-core machine would run four threads and time the oversubscription, not the all-reduce.
        NetGen.Threading.WorkerPool.ThreadCount = 1;
        dp.OverlapAllReduce = o.Overlap;
        dp.BucketFloats = o.BucketFloats;
        const int Rows = BenchMlp.BatchSize;
        const string Workload = "mlp_train 784-1024-1024-10 b256 adam";
        var net = new BenchMlp();
        dp.Synchronize(net, nameof(BenchMlp));
        var rng = new Rng(3);
        var inputs = new float[Rows * BenchMlp.InputSize];
        var labels = new int[Rows];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextGaussian();
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextInt(BenchMlp.OutputSize);

        for (int i = 0; i < 20; i++) dp.TrainStep(net, inputs, labels, Rows); // warm-up: JIT tiers, caches

        // With several ranks and no --baseline-us, the single-process baseline is measured in the same job, rep by rep
        // between the data-parallel reps (rank 0 trains its own replica alone on the whole batch while the others wait
        // at a barrier), so that both see the same background load on a shared machine.
        bool interleaveBaseline = dp.Ranks > 1 && o.BaselineMicroseconds <= 0;
        var single = interleaveBaseline ? new BenchMlp() : null;
        if (single is not null && dp.IsRoot) for (int i = 0; i < 20; i++) single.TrainStep(inputs, labels);
        var repSeconds = new double[o.Reps];
        var baselineSeconds = new double[o.Reps];
        double allReduceSeconds = 0;
        long allReduceCount = 0;
        for (int rep = 0; rep < o.Reps; rep++)
        {
            if (single is not null)
            {
                dp.Barrier();
                if (dp.IsRoot)
                {
                    long startSingle = Stopwatch.GetTimestamp();
                    for (int i = 0; i < o.Steps; i++) single.TrainStep(inputs, labels);
                    baselineSeconds[rep] = Stopwatch.GetElapsedTime(startSingle).TotalSeconds / o.Steps;
                }
            }

            dp.Barrier();
            dp.ResetTimers();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < o.Steps; i++) dp.TrainStep(net, inputs, labels, Rows);
            repSeconds[rep] = Stopwatch.GetElapsedTime(start).TotalSeconds / o.Steps;
            allReduceSeconds += dp.AllReduceSeconds;
            allReduceCount += dp.AllReduceCount;
        }

        double seconds = Median(repSeconds);
        double allReduceMicroseconds = allReduceCount == 0 ? 0 : allReduceSeconds / allReduceCount * 1e6;
        double flops = 3.0 * 2 * (784.0 * 1024 + 1024.0 * 1024 + 1024.0 * 10) * Rows;
        double microseconds = seconds * 1e6;
        double baselineMicroseconds = dp.Ranks == 1 ? microseconds : interleaveBaseline ? Median(baselineSeconds) * 1e6 : o.BaselineMicroseconds;
        double efficiency = baselineMicroseconds / (dp.Ranks * microseconds);
        if (dp.IsRoot)
        {
            Console.WriteLine(Json(("workload", Workload), ("implementation", "netgen data-parallel"), ("threads", 1), ("ranks", dp.Ranks),
                ("us_per_step", Math.Round(microseconds, 2)), ("samples_per_s", Math.Round(Rows / seconds)), ("gflops", Math.Round(flops / seconds / 1e9, 2)),
                ("allreduce_us_per_step", Math.Round(allReduceMicroseconds, 2)), ("gradient_bytes", net.Gradients.Length * sizeof(float)),
                ("baseline_us_per_step", Math.Round(baselineMicroseconds, 2)), ("scaling_efficiency", Math.Round(efficiency, 3)),
                ("overlap", dp.OverlapAllReduce), ("bucket_floats", dp.BucketFloats), ("mpi", DataParallel.LibraryDescription)));
        }

        return 0;
    }

    public static int AllReduce(DataParallel dp, Options o)
    {
        // The all-reduce of BenchMlp's gradient buffer alone, after a barrier: the transport's cost without the
        // waiting for a slower rank that the in-training figure includes.
        var gradients = new float[BenchMlp.ParameterCount];
        gradients.AsSpan().Fill(1e-3f);
        for (int i = 0; i < 10; i++) dp.AllReduceSum(gradients);
        var repSeconds = new double[o.Reps];
        for (int rep = 0; rep < o.Reps; rep++)
        {
            dp.Barrier();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < o.Steps; i++) dp.AllReduceSum(gradients);
            repSeconds[rep] = Stopwatch.GetElapsedTime(start).TotalSeconds / o.Steps;
        }

        double seconds = Median(repSeconds);
        int bytes = gradients.Length * sizeof(float);
        if (dp.IsRoot)
        {
            Console.WriteLine(Json(("workload", "allreduce float32 sum, BenchMlp gradients"), ("ranks", dp.Ranks), ("bytes", bytes),
                ("us_per_allreduce", Math.Round(seconds * 1e6, 2)), ("algorithm_gb_per_s", Math.Round(bytes / seconds / 1e9, 3)),
                ("mpi", DataParallel.LibraryDescription)));
        }

        return 0;
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    // Inputs U(-1, 1); each label is the argmax of a fixed random linear teacher, so the task is learnable.
    private static (float[] Inputs, int[] Labels) SyntheticData(int samples, int features)
    {
        const int Classes = 10;
        var rng = new Rng(42);
        var teacher = new float[Classes * features];
        for (int i = 0; i < teacher.Length; i++) teacher[i] = rng.NextGaussian();
        var inputs = new float[samples * features];
        var labels = new int[samples];
        for (int s = 0; s < samples; s++)
        {
            Span<float> x = inputs.AsSpan(s * features, features);
            for (int f = 0; f < features; f++) x[f] = rng.NextUniform(-1, 1);
            int best = 0;
            float bestScore = float.NegativeInfinity;
            for (int c = 0; c < Classes; c++)
            {
                float score = System.Numerics.Tensors.TensorPrimitives.Dot(x, teacher.AsSpan(c * features, features));
                if (score > bestScore) (best, bestScore) = (c, score);
            }

            labels[s] = best;
        }

        return (inputs, labels);
    }

    private delegate void StepAction(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int rows);

    // Global batches in MiniBatches order, epoch after epoch, for `steps` steps; identical on every rank (same seed).
    private static void ForEachStep(MiniBatches<int> batches, int steps, StepAction step)
    {
        for (int done = 0, epoch = 0; done < steps; epoch++)
        {
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount && done < steps; b++, done++)
            {
                int rows = batches.GetBatch(b, out ReadOnlySpan<float> inputs, out ReadOnlySpan<int> labels);
                step(inputs, labels, rows);
            }
        }
    }

    private static float MaxDifference(float[] a, float[] b)
    {
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static void Write(string? path, float[] values)
    {
        if (path is not null) File.WriteAllBytes(path, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    private static string Json(params (string Name, object? Value)[] fields)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                switch (value)
                {
                    case null: json.WriteNull(name); break;
                    case string s: json.WriteString(name, s); break;
                    case bool b: json.WriteBoolean(name, b); break;
                    case int i: json.WriteNumber(name, i); break;
                    case float f: json.WriteNumber(name, f); break;
                    case double d: json.WriteNumber(name, d); break;
                    default: json.WriteString(name, value.ToString()); break;
                }
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
