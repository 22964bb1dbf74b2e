using System.Diagnostics;
using NetGen;
using NetGen.Text;
using Samples.Gpt;
using Samples.Shared;

// A character GPT on tinyshakespeare, against the best character n-gram: samples/CharRnn's corpus and split (the first
// 90% trains, the rest validates), validation nats per character every minute, a generated passage at the end.
const string Usage = """
    Usage: dotnet run --project samples/Gpt -c Release -- [options]

      Trains CharGpt (Networks.cs: width 128, 4 blocks of 4 heads, 64 positions, 0.82 M parameters) on random windows
      of tinyshakespeare for a wall-clock budget, printing validation nats/char every minute (on 256 fixed windows),
      then the whole validation set, the best character n-gram's figure, and a passage generated with the key/value
      cache (temperature 0.8, top-k 10, seeded).

    Options:
      --data DIR      folder with input.txt (default: the bundled tinyshakespeare)
      --minutes N     training budget in minutes of wall-clock time, the minute's validations included (default 19:
                      with the final evaluation, the n-gram and the passage the run takes about 20 minutes)
      --seed N        data and sampling seed (default 1)
      --help          print this text
    """;

var extra = new Dictionary<string, bool?> { ["--minutes"] = true };
if (SampleOptions.TryParse(args, Usage, defaultEpochs: 1, extra, out SampleOptions options) is int exit) return exit;
string folder = args.Contains("--data") ? options.DataFolder : Path.Combine(AppContext.BaseDirectory, "data", "tinyshakespeare");
string path = Path.Combine(folder, "input.txt");
if (!File.Exists(path))
{
    Console.Error.WriteLine($"error: cannot find the corpus '{path}'");
    return 1;
}

CharCorpus corpus = CharCorpus.Load(path);
if (corpus.VocabularySize > CharGpt.OutputClasses)
{
    Console.Error.WriteLine($"error: the corpus has {corpus.VocabularySize} distinct characters; CharGpt is declared for {CharGpt.OutputClasses} (change [Embedding] and the head in Networks.cs)");
    return 1;
}

int minutes = options.GetInt("--minutes", 19);
const int Batch = CharGpt.BatchSize, Steps = CharGpt.ContextLength;
Console.WriteLine($"Tinyshakespeare: {corpus.Train.Length:N0} training and {corpus.Validation.Length:N0} validation characters, {corpus.VocabularySize} distinct.");
Console.WriteLine($"CharGpt: {CharGpt.ParameterCount:N0} parameters, batch {Batch} x {Steps} positions, {minutes} min of training.");
Console.WriteLine();

// Validation: non-overlapping windows of 64 (each position predicts the next character from the window's earlier
// ones, as nanoGPT's estimate_loss); every minute on 256 fixed windows spread over the text, at the end on all of them.
int windows = (corpus.Validation.Length - 1) / Steps;
int[] validationInputs = new int[windows * Steps], validationTargets = new int[windows * Steps];
for (int w = 0; w < windows; w++)
{
    corpus.Validation.AsSpan(w * Steps, Steps).CopyTo(validationInputs.AsSpan(w * Steps));
    corpus.Validation.AsSpan(w * Steps + 1, Steps).CopyTo(validationTargets.AsSpan(w * Steps));
}

// The minute's probe: 256 windows spread evenly over the validation text (its first 256 windows are easier than the
// whole: 1.436 there against 1.543 on all windows after a 19-minute run).
int probeWindows = Math.Min(256, windows);
int probe = probeWindows * Steps;
int[] probeInputs = new int[probe], probeTargets = new int[probe];
for (int p = 0; p < probeWindows; p++)
{
    int w = (int)((long)p * windows / probeWindows);
    validationInputs.AsSpan(w * Steps, Steps).CopyTo(probeInputs.AsSpan(p * Steps));
    validationTargets.AsSpan(w * Steps, Steps).CopyTo(probeTargets.AsSpan(p * Steps));
}

var net = new CharGpt();
int[] x = new int[Batch * Steps], y = new int[Batch * Steps];
ulong state = (ulong)options.Seed;
var training = new Stopwatch();
var clock = Stopwatch.StartNew();
int steps = 0;
double nextReport = 60;
Console.WriteLine($"   {"minute",6} | {"steps",6} | {"train loss",10} | {"val nats/char",13}");
Console.WriteLine($"   {new string('-', 6)} | {new string('-', 6)} | {new string('-', 10)} | {new string('-', 13)}");
double recentLoss = 0;
int recentSteps = 0;
while (clock.Elapsed.TotalMinutes < minutes)
{
    corpus.SampleBatch(corpus.Train, x, y, Batch, Steps, ref state);
    training.Start();
    recentLoss += net.TrainStep(x, y);
    training.Stop();
    steps++;
    recentSteps++;
    if (clock.Elapsed.TotalSeconds >= nextReport)
    {
        double nats = net.Evaluate(probeInputs, probeTargets).Loss;
        Console.WriteLine($"   {clock.Elapsed.TotalMinutes,6:F1} | {steps,6} | {recentLoss / recentSteps,10:F4} | {nats,13:F4}");
        (recentLoss, recentSteps) = (0, 0);
        nextReport += 60;
    }
}

double gptNats = net.Evaluate(validationInputs, validationTargets).Loss;
double trainSeconds = training.Elapsed.TotalSeconds;
Console.WriteLine();
Console.WriteLine($"CharGpt after {steps:N0} steps ({trainSeconds:F0} s of training, {1000 * trainSeconds / steps:F1} ms per step): {gptNats:F4} nats/char on the whole validation set.");

// The n-gram baseline: every order, modified Kneser-Ney, the best on the same validation characters.
double ngramNats = double.PositiveInfinity;
int bestOrder = 0;
for (int order = 1; order <= NGramModel.MaximumOrder; order++)
{
    var model = new NGramModel(order, corpus.VocabularySize);
    model.Train(corpus.Train);
    double nats = model.NegativeLogLikelihood(corpus.Validation);
    if (nats < ngramNats) (ngramNats, bestOrder) = (nats, order);
}

Console.WriteLine($"Best character n-gram: {bestOrder}-gram, {ngramNats:F4} nats/char. {(gptNats < ngramNats ? "The GPT wins" : "The n-gram still wins")} by {Math.Abs(ngramNats - gptNats):F4}.");
Console.WriteLine();

// A passage, each token one position through the key/value cache.
const string Prompt = "ROMEO:\n";
int[] generated = new int[500];
var random = new Rng((ulong)options.Seed);
var watch = Stopwatch.StartNew();
net.Generate(corpus.Encode(Prompt), generated, temperature: 0.8f, topK: 10, ref random);
double tokensPerSecond = generated.Length / watch.Elapsed.TotalSeconds;
Console.WriteLine($"Generated (temperature 0.8, top-k 10, seed {options.Seed}, {tokensPerSecond:F0} tokens/s with the cache):");
Console.WriteLine();
foreach (string line in (Prompt + corpus.Decode(generated)).Split('\n')) Console.WriteLine("   | " + line);
Console.WriteLine();

// The same generation without a cache, recomputing the whole window for every token (what nanoGPT's generate does).
var window = new int[Steps];
var probabilities = new float[CharGpt.OutputSize];
int recomputed = 0;
watch.Restart();
while (watch.Elapsed.TotalSeconds < 1 || recomputed < 20)
{
    net.Predict(window, probabilities);
    recomputed++;
}

double recomputeTokensPerSecond = recomputed / watch.Elapsed.TotalSeconds;
Console.WriteLine($"Without the cache (the whole 64-position window per token): {recomputeTokensPerSecond:F0} tokens/s.");
Console.WriteLine(SummaryLine.Format(
    ("sample", "gpt"), ("seed", options.Seed), ("gpt_val_nats", gptNats), ("ngram_val_nats", ngramNats), ("ngram_order", bestOrder),
    ("params", CharGpt.ParameterCount), ("steps", steps), ("train_seconds", trainSeconds), ("ms_per_step", 1000 * trainSeconds / steps),
    ("generate_tokens_per_s", tokensPerSecond), ("recompute_tokens_per_s", recomputeTokensPerSecond), ("minutes", minutes), ("seconds", clock.Elapsed.TotalSeconds)));
return 0;
