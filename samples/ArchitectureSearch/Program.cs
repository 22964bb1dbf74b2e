using System.Diagnostics;
using System.Globalization;
using NetGen;
using NetGen.Data;
using NetGen.Search;
using Samples.ArchitectureSearch;
using Samples.Shared;

// Searches MLP architectures and learning rates for MNIST over the variants generated from MnistSearch,
// validating on a split held apart from the test set; reports the winner's test accuracy once, at the end.
const string Usage = """
    Usage: dotnet run --project samples/ArchitectureSearch -c Release -- [options]

    Searches 192 generated MLP variants (depth 1-4, width 32/128/512, ReLU/tanh, batch norm on/off, dropout 0/0.3,
    Adam/SGD; batch 128) and a log-uniform learning rate and weight decay on the bundled MNIST digits; the last
    1000 training images are the validation split. The winner is retrained on all training images (validation
    included, the data the 784-256-128-10 baseline trains on) and measured on the test images once.

    Options:
      --strategy S        hyperband (default), random, grid or evolution
      --sweeps N          Hyperband: run every bracket N times (default 2: 138 trials, about 3 minutes on 2 idle cores)
      --budget-minutes N  wall-clock cap on the search (default 9; the winner's refit comes after it)
      --max-trials N      stop after N trials as well (default: no limit beyond the strategy's own)
      --epochs N          epochs per trial for random/grid/evolution (default 9); Hyperband's largest rung (default 27)
      --no-refit          retrain the winner exactly as in its trial (training split only, same batches) instead
      --results FILE      JSON-lines results file, resumed if it exists (default search-results.jsonl)
      --data DIR          MNIST folder (default: the bundled digits)
      --seed N            seed of the strategy, initialization and shuffling (default 1)
      --help              print this text
    """;

var extra = new Dictionary<string, bool?>
{
    ["--strategy"] = false, ["--no-refit"] = null, ["--budget-minutes"] = true, ["--max-trials"] = true, ["--results"] = false,
    ["--sweeps"] = true,
};
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 0, extra, out SampleOptions options) is int exit) return exit;
string strategyName = options.Get("--strategy", "hyperband");
if (strategyName is not ("hyperband" or "random" or "grid" or "evolution"))
{
    Console.Error.WriteLine($"error: --strategy must be hyperband, random, grid or evolution, not '{strategyName}'");
    return 2;
}

if (options.LoadMnist() is not MnistDataset data) return 1;
var clock = Stopwatch.StartNew();
const int ValidationCount = 1000;
(float[] trainX, int[] trainY, float[] validX, int[] validY) =
    MnistDataset.SplitTail(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, ValidationCount);

var space = new SearchSpace(
    SearchDimension.Choice("variant", [.. MnistSearch.Variants.Select(v => v.Name)], structural: true),
    SearchDimension.LogUniform("learning_rate", MnistSearch.LearningRateLow, MnistSearch.LearningRateHigh),
    SearchDimension.LogUniform("weight_decay", MnistSearch.WeightDecayLow, MnistSearch.WeightDecayHigh));
int seed = options.Seed;
int epochs = options.Epochs > 0 ? options.Epochs : strategyName == "hyperband" ? 27 : 9;
SearchStrategy strategy = strategyName switch
{
    "random" => new RandomSearch(space, epochs, seed),
    "grid" => new GridSearch(space, epochs, seed, points: 3),
    "evolution" => new RegularizedEvolution(space, populationSize: 16, sampleSize: 4, epochs, seed),
    _ => new Hyperband(space, maxEpochs: epochs, eta: 3, seed) { Sweeps = options.GetInt("--sweeps", 2) },
};

// Two trials side by side, each single-threaded (the runner sets the kernels' thread count to 1 while it runs),
// use both cores without oversubscribing them.
int parallelism = Math.Clamp(Environment.ProcessorCount, 1, 2);
var budget = new SearchBudget
{
    WallClock = TimeSpan.FromMinutes(options.GetInt("--budget-minutes", 9)),
    MaxTrials = options.GetInt("--max-trials", 0),
    Parallelism = parallelism,
};
string resultsPath = options.Get("--results", "search-results.jsonl");
ResultsFile results;
try
{
    results = ResultsFile.Open(resultsPath, space);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: cannot use results file '{resultsPath}': {e.Message}");
    return 1;
}

Console.WriteLine($"MNIST: {trainY.Length} training, {validY.Length} validation (held apart), {data.TestCount} test images");
Console.WriteLine($"Search: {strategy.Name} over {MnistSearch.VariantCount} generated variants x learning rate [{MnistSearch.LearningRateLow:G2}, {MnistSearch.LearningRateHigh:G2}]"
    + $" x weight decay [{MnistSearch.WeightDecayLow:G2}, {MnistSearch.WeightDecayHigh:G2}], "
    + (strategy is Hyperband hyperband ? $"{hyperband.Sweeps} sweep(s) of {hyperband.TrialsPerSweep} trials, " : "")
    + $"{budget.WallClock.TotalMinutes:G3} min cap, {parallelism} trial(s) at once, seed {seed}");
Console.WriteLine($"Results: {Path.GetFullPath(resultsPath)} ({results.Records.Count} finished trial(s) to resume from)");
Console.WriteLine();

var runner = new SearchRunner(strategy, Train, budget, results);
runner.TrialFinished += (record, resumed) => Console.WriteLine(
    $"trial {record.Trial,3}  {(resumed ? "resumed" : "trained")}  {record.Epochs,2} ep  val {record.ValidationMetric:P2}  {record.TrainingSeconds,5:F1} s  "
    + $"{Describe(record.Configuration)}");
SearchResult result = runner.Run();
if (result.Best is not TrialRecord best)
{
    Console.Error.WriteLine("error: the budget ended before any trial finished");
    return 1;
}

Console.WriteLine();
Console.WriteLine($"Leaderboard ({result.Records.Select(r => r.Key).Distinct().Count()} distinct trials, {result.Resumed} resumed):");
Console.WriteLine(Leaderboard.Format(results.Records, 10, describe: Describe));

// The winner: retrained with its trial's configuration and epochs on every training image, validation included (the
// same 8000 images the baseline trains on; --no-refit keeps the trial's own split and batches, the very network that
// was validated), then measured on the test split, once.
double searchSeconds = clock.Elapsed.TotalSeconds;
NetworkVariant<int> winner = VariantOf(best.Configuration);
double learningRate = best.Configuration.Number("learning_rate");
double weightDecay = best.Configuration.Number("weight_decay");
INetwork<int> network = winner.Instantiate(seed, learningRate, weightDecay);
bool refit = !options.Has("--no-refit");
var batches = refit
    ? new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, network.BatchSize, seed)
    : new MiniBatches<int>(trainX, trainY, MnistDataset.ImageSize, 1, network.BatchSize, seed);
for (int epoch = 1; epoch <= best.Epochs; epoch++) TrainingLoop.TrainEpoch(network, batches, epoch);
double testAccuracy = network.Evaluate(data.TestImages, data.TestLabels).Accuracy;

Console.WriteLine();
Console.WriteLine($"Winner: {winner.Name} ({winner.Description}), learning rate {learningRate:G3}, weight decay {weightDecay:G3}, "
    + $"{best.Epochs} epochs, {winner.ParameterCount:N0} parameters{(refit ? ", refit on training + validation images" : "")}");
Console.WriteLine("Paste this into a project for a fixed network:");
Console.WriteLine(winner.DeclarationWith(learningRate, weightDecay, seed));
Console.WriteLine();
Console.WriteLine($"Test accuracy of the winner: {testAccuracy:P2} (baseline 784-256-128-10 of samples/Mnist: 95.00%)");
Console.WriteLine(SummaryLine.Format(
    ("sample", "architecture-search"),
    ("strategy", strategy.Name),
    ("candidates_evaluated", results.Records.Count),
    ("best_val_accuracy", best.ValidationMetric),
    ("best_test_accuracy", testAccuracy),
    ("best_parameters", winner.ParameterCount),
    ("best_variant", winner.Description),
    ("best_learning_rate", learningRate),
    ("best_weight_decay", weightDecay),
    ("best_epochs", best.Epochs),
    ("refit", refit),
    ("search_seconds", searchSeconds),
    ("seconds", clock.Elapsed.TotalSeconds),
    ("cpu_seconds", Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds)));
return 0;

TrialOutcome Train(TrialRequest trial)
{
    var watch = Stopwatch.StartNew();
    NetworkVariant<int> variant = VariantOf(trial.Configuration);
    INetwork<int> net = variant.Instantiate(seed, trial.Configuration.Number("learning_rate"), trial.Configuration.Number("weight_decay"));
    var trialBatches = new MiniBatches<int>(trainX, trainY, MnistDataset.ImageSize, 1, net.BatchSize, seed);
    for (int epoch = 1; epoch <= trial.Epochs; epoch++)
    {
        double loss = TrainingLoop.TrainEpoch(net, trialBatches, epoch);
        if (!double.IsFinite(loss)) return new TrialOutcome(0, variant.ParameterCount, watch.Elapsed.TotalSeconds); // Diverged.
    }

    double accuracy = net.Evaluate(validX, validY).Accuracy;
    return new TrialOutcome(accuracy, variant.ParameterCount, watch.Elapsed.TotalSeconds);
}

NetworkVariant<int> VariantOf(SearchConfiguration configuration)
{
    string name = configuration.Choice("variant");
    return MnistSearch.Variants.First(v => v.Name == name);
}

string Describe(SearchConfiguration configuration) =>
    $"{VariantOf(configuration).Description}, lr {configuration.Number("learning_rate").ToString("G3", CultureInfo.InvariantCulture)}, "
    + $"wd {configuration.Number("weight_decay").ToString("G3", CultureInfo.InvariantCulture)}";
