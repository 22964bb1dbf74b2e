using System.Diagnostics;
using System.Globalization;
using System.Text;
using NetGen.Benchmarks;

// Workload runner: measures this machine's FP32 FMA peak, then times each workload and prints one JSON line per
// workload in the format of ../shared/bench/pytorch_peer.py (same workload names), adding alloc_bytes_per_step and
// pct_of_peak. Timing follows the ONNX Runtime peer: warm up ~0.3 s, then 11 repetitions of an inner loop sized to
// ~0.1 s, median time per step.
const string Usage = """
    Usage: dotnet run -c Release --project tests/NetGen.Benchmarks -- [options]

    Options:
      --workload TEXT   run only the workloads whose name contains TEXT
      --quick           short warm-up and 3 short repetitions (a smoke test, not a measurement)
      --kernels         instead of the workloads, GFLOP/s of each matrix product they run (best of many runs)
      --attention       instead of the workloads, microseconds and GFLOP/s of the attention kernels at the GPT shape
                        (forward, backward; split and on one thread; log-sum-exp kept against probabilities kept)
      --breakdown       instead of the workloads, microseconds of each phase of the MLP training steps, split across
                        the cores and on one thread, and of LeNet-5's inference and training (best of many runs)
      --best            report the fastest of many short repetitions instead of the median of 11 (on a machine
                        that other jobs load, the fastest run is the one that had the cores to itself)
      --help            print this text

    stdout: one JSON line for the peak (workload "fp32_fma_peak"), then one per workload, with the core-to-core
    round trip before/after it (round_trip_ns).
    """;

string filter = "";
bool quick = false;
bool kernels = false;
bool best = false;
bool breakdown = false;
bool attention = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--help" or "-h": Console.WriteLine(Usage); return 0;
        case "--quick": quick = true; break;
        case "--kernels": kernels = true; break;
        case "--best": best = true; break;
        case "--breakdown": breakdown = true; break;
        case "--attention": attention = true; break;
        case "--workload" when i + 1 < args.Length: filter = args[++i]; break;
        default:
            Console.Error.WriteLine($"error: unknown option or missing value: '{args[i]}'\n\n{Usage}");
            return 2;
    }
}

var timing = quick ? new Timing(WarmSeconds: 0.05, Repetitions: 3, RepetitionSeconds: 0.02)
    : best ? new Timing(0.3, 101, 0.005, Fastest: true) : new Timing(0.3, 11, 0.1);
int threads = NetGen.Threading.WorkerPool.ThreadCount;
int cores = Environment.ProcessorCount;
double peakOneThread = Peak.MeasureGflops(1, quick ? 0.05 : 0.3);
double peak = Peak.MeasureGflops(cores, quick ? 0.05 : 0.3);
Console.WriteLine(new JsonLine("fp32_fma_peak").Add("threads", cores).Add("gflops", Math.Round(peak, 2))
    .Add("gflops_one_thread", Math.Round(peakOneThread, 2))
    .Add("vector_bits", Peak.VectorBits).Add("peer", Workloads.Peer).ToString());

if (breakdown)
{
    MlpBreakdown.Run(filter, quick);
    LeNetBreakdown.Run(filter, quick);
    RecurrentBreakdown.Run(filter, quick);
    GptBreakdown.Run(filter, quick);
    return 0;
}

if (attention)
{
    AttentionTimings.Run(filter, peak, quick);
    return 0;
}

if (kernels)
{
    KernelTimings.Run(filter, peak, quick);
    return 0;
}

foreach (var workload in Workloads.All)
{
    if (!workload.Name.Contains(filter, StringComparison.Ordinal)) continue;
    Action step = workload.CreateStep();
    double tripBefore = IdleRoundTrip();
    var (seconds, allocated) = Measure(step, timing);
    double tripAfter = IdleRoundTrip();
    var line = new JsonLine(workload.Name).Add("threads", threads).Add("us_per_step", Math.Round(seconds * 1e6, 2))
        .Add("samples_per_s", Math.Round(workload.Batch / seconds));
    double gflops = workload.Flops / seconds / 1e9;
    line.Add("gflops", Math.Round(gflops, 2)).Add("pct_of_peak", Math.Round(100 * gflops / peak, 1))
        .Add("alloc_bytes_per_step", Math.Round(allocated, 1)).Add("round_trip_ns", $"{tripBefore:F0}/{tripAfter:F0}").Add("peer", Workloads.Peer);
    Console.WriteLine(line.ToString());
}

// What bfloat16 weights cost in accuracy: one network trained on the bundled digits, tested both ways.
if ("mlp_infer_bf16 784-256-128-10 b1".Contains(filter, StringComparison.Ordinal) && Bfloat16Inference.MnistAccuracy() is var (fp32, bf16, samples))
{
    Console.WriteLine(new JsonLine("mlp_infer_bf16 mnist_accuracy").Add("test_samples", samples)
        .Add("fp32_test_accuracy", Math.Round(fp32, 4)).Add("bf16_test_accuracy", Math.Round(bf16, 4)).Add("peer", Workloads.Peer).ToString());
}
return 0;

// The core-to-core round trip (see RoundTrip) once the pool's workers have gone to sleep (they spin 200 us after a job).
static double IdleRoundTrip()
{
    Thread.Sleep(2);
    return RoundTrip.Nanoseconds();
}

// Median seconds per step, and managed bytes allocated per step by every thread (worker threads included).
static (double Seconds, double AllocatedBytes) Measure(Action step, Timing timing)
{
    long start = Stopwatch.GetTimestamp();
    int count = 0;
    while (Stopwatch.GetElapsedTime(start).TotalSeconds < timing.WarmSeconds || count < 10) { step(); count++; }
    // Then until the JIT has compiled nothing new for 0.5 s (at most 5 s more): its background tier-up allocates on
    // its own thread, which the whole-process count below would otherwise charge to the steps, and on 2 cores whose
    // both threads the step keeps busy it preempts one of them, so a step split across the cores waits for the part
    // that thread holds (LeNet-5's one-sample Predict: 14-27 us per step until the tier-up ends, 6-7 us after). The
    // runtime waits 0.1 s (TC_CallCountingDelayMs) between rounds of tier-up, so a 0.1 s quiet window ended inside it.
    long settle = Stopwatch.GetTimestamp(), quietSince = settle;
    long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
    while (Stopwatch.GetElapsedTime(quietSince).TotalSeconds < 0.5 && Stopwatch.GetElapsedTime(settle).TotalSeconds < 5)
    {
        step();
        count++;
        long now = System.Runtime.JitInfo.GetCompiledMethodCount();
        if (now != compiled) (compiled, quietSince) = (now, Stopwatch.GetTimestamp());
    }
    int inner = Math.Max(1, (int)(timing.RepetitionSeconds / (Stopwatch.GetElapsedTime(start).TotalSeconds / count)));
    var seconds = new double[timing.Repetitions];
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    for (int r = 0; r < timing.Repetitions; r++)
    {
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < inner; i++) step();
        seconds[r] = Stopwatch.GetElapsedTime(t).TotalSeconds / inner;
    }
    long allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
    Array.Sort(seconds);
    return (timing.Fastest ? seconds[0] : seconds[timing.Repetitions / 2], (double)(allocatedAfter - allocatedBefore) / ((long)timing.Repetitions * inner));
}

internal readonly record struct Timing(double WarmSeconds, int Repetitions, double RepetitionSeconds, bool Fastest = false);

/// <summary>One flat JSON object on one line, numbers in invariant culture (Python's float repr for whole numbers).</summary>
internal sealed class JsonLine
{
    private readonly StringBuilder _text = new();

    public JsonLine(string workload) => _text.Append("{\"workload\": \"").Append(workload).Append('"');

    public JsonLine Add(string key, string value)
    {
        _text.Append(", \"").Append(key).Append("\": \"").Append(value).Append('"');
        return this;
    }

    public JsonLine Add(string key, int value)
    {
        _text.Append(", \"").Append(key).Append("\": ").Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public JsonLine Add(string key, double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('.') && !text.Contains('E')) text += ".0";
        _text.Append(", \"").Append(key).Append("\": ").Append(text);
        return this;
    }

    public override string ToString() => _text.Append('}').ToString();
}
