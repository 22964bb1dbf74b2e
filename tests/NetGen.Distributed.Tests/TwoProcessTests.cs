using System.Runtime.InteropServices;
using System.Text.Json;

namespace NetGen.Distributed.Tests;

/// <summary>
/// Data-parallel training with real MPI processes: the harness runs under <c>mpirun.mpich -np N</c> on this machine.
/// One class, so xunit runs these one at a time (each job already uses both cores).
/// </summary>
public class TwoProcessTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(120);

    // Tolerance of the parity test, absolute, on parameters of magnitude <= 0.5: 1e-6 (about 30 float ulps at 0.4).
    // Why not bit-exact: the single process sums each weight gradient over all B rows in one GEMM; two ranks sum
    // B/2 rows each and the all-reduce adds the halves (the 1/B and 1/2 scales are exact powers of two). That changes
    // the rounding of a gradient by about an ulp, and 20 optimizer steps carry it forward: measured max 1.5e-7.
    // What a bug gives: a wrong shard, an unsynchronized replica or a missing 1/ranks scale moves parameters by
    // O(learning rate) = 1e-2..1e-1 per step; a missing 1/ranks scale gave 0.32 (SGD), 0.039 (Adam, uneven shards)
    // and only 6.6e-5 (Adam, even shards: its update is invariant to the gradient's scale except through epsilon),
    // which is why SGD and uneven shards are tested too.
    private const float ParityTolerance = 1e-6f;

    [MpichTheory]
    [InlineData("adam", 64, false, false)] // equal shards 32 + 32; the 20 steps include the short last batch of an epoch (600 = 9*64 + 24)
    [InlineData("sgd", 61, false, false)]  // unequal shards 31 + 30, weighted by rows: still the global mean gradient
    [InlineData("adam", 61, false, false)]
    [InlineData("sgd", 61, false, true)]   // overlapped all-reduce, one bucket per layer (100-float buckets)
    [InlineData("batchnorm", 64, true, false)] // synchronized batch norm: global batch statistics, as one process has
    [InlineData("batchnorm", 61, true, true)]  // ... with unequal shards, an L2 penalty and the overlapped all-reduce
    public void TwoRanks_ParametersAfter20Steps_MatchSingleProcessAtSameGlobalBatch(string network, int globalBatch, bool syncBatchNorm, bool overlap)
    {
        string folder = Directory.CreateTempSubdirectory("netgen-dist-").FullName;
        try
        {
            string single = Path.Combine(folder, "single.bin"), parallel = Path.Combine(folder, "parallel.bin");
            string[] common = ["--network", network, "--batch", globalBatch.ToString(), "--steps", "20", "--samples", "600",
                "--sync-bn", syncBatchNorm ? "true" : "false", "--overlap", overlap ? "true" : "false", "--bucket-floats", "100"];
            // Rank 0 first trains a fresh replica alone with the generated TrainStep on each whole global batch (no MPI
            // involved) into `single`; then both ranks train data-parallel into `parallel`.
            var distributed = Mpich.RunRanks(2, JobTimeout, ["distributed", .. common, "--out", parallel, "--reference-out", single]);
            Assert.True(distributed.ExitCode == 0, distributed.ToString());

            float[] expected = ReadFloats(single), actual = ReadFloats(parallel);
            Assert.Equal(expected.Length, actual.Length);
            float maxDifference = 0;
            int worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                float difference = Math.Abs(expected[i] - actual[i]);
                if (difference > maxDifference) (maxDifference, worst) = (difference, i);
            }

            Assert.True(maxDifference <= ParityTolerance,
                $"parameter {worst}: single process {expected[worst]:R}, 2 ranks {actual[worst]:R}, |difference| {maxDifference:R} > {ParityTolerance:R}");

            // Training really moved the parameters, far beyond the tolerance, so the match is not vacuous.
            using var line = JsonDocument.Parse(distributed.Output.Trim().Split('\n')[^1]);
            Assert.Equal(2, line.RootElement.GetProperty("ranks").GetInt32());
            Assert.True(line.RootElement.GetProperty("replicas_identical").GetBoolean());
            Assert.True(line.RootElement.GetProperty("max_change").GetDouble() > 1000 * ParityTolerance, distributed.Output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [MpichFact]
    public void TwoRanks_PerReplicaBatchNorm_DiffersFromSingleProcess_AsDdpsDefaultDoes()
    {
        // Without synchronization each rank normalizes with its own 32 rows' statistics: a different computation,
        // which is why synchronized batch norm exists (and why the synchronized parity case above is not vacuous).
        string folder = Directory.CreateTempSubdirectory("netgen-dist-").FullName;
        try
        {
            string single = Path.Combine(folder, "single.bin"), parallel = Path.Combine(folder, "parallel.bin");
            var job = Mpich.RunRanks(2, JobTimeout, ["distributed", "--network", "batchnorm", "--batch", "64", "--steps", "20", "--samples", "600",
                "--out", parallel, "--reference-out", single]);
            Assert.True(job.ExitCode == 0, job.ToString());
            float[] expected = ReadFloats(single), actual = ReadFloats(parallel);
            float maxDifference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDifference > 1000 * ParityTolerance, $"per-replica statistics moved the parameters by only {maxDifference:R}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [MpichTheory]
    [InlineData(2)]
    [InlineData(3)] // 97 rows do not divide by 3: shards of 33, 32, 32 (oversubscribes 2 cores briefly; the job is tiny)
    public void ShardSplit_CoversEverySampleExactlyOncePerEpoch(int ranks)
    {
        // 1000 samples in shuffled batches of 97: ten full batches and a short one of 30.
        var job = Mpich.RunRanks(ranks, JobTimeout, "shards", "--batch", "97", "--samples", "1000", "--epochs", "3");
        Assert.True(job.ExitCode == 0, job.ToString());
        string[] lines = job.Output.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        foreach (string text in lines)
        {
            using var line = JsonDocument.Parse(text);
            var root = line.RootElement;
            Assert.Equal(ranks, root.GetProperty("ranks").GetInt32());
            Assert.Equal(1.0, root.GetProperty("min_count").GetDouble()); // no sample missed...
            Assert.Equal(1.0, root.GetProperty("max_count").GetDouble()); // ...and none seen twice, on any rank
            double[] rowsPerRank = root.GetProperty("rows_per_rank").GetString()!.Split(' ').Select(double.Parse).ToArray();
            Assert.Equal(1000, rowsPerRank.Sum());
            Assert.True(rowsPerRank.Max() - rowsPerRank.Min() <= 11, $"unbalanced: {string.Join(", ", rowsPerRank)}"); // <= 1 row per batch
        }
    }

    [MpichFact]
    public void RanksDisagreeOnParameterCount_JobEndsWithErrorNamingEachRanksCount()
    {
        var job = Mpich.RunRanks(2, JobTimeout, "mismatch-count");
        Assert.False(job.TimedOut, job.ToString());
        Assert.Equal(3, job.ExitCode);
        Assert.Contains("The ranks disagree on the network's parameter count (rank 0: 2266 parameters (ParityAdamMlp), rank 1: 1426 parameters (ParitySgdMlp)); rank(s) 1 differ from rank 0.", job.Error);
    }

    [MpichFact]
    public void RanksHoldDifferentParameters_ChecksumErrorNamesTheRanksThatDiffer()
    {
        var job = Mpich.RunRanks(2, JobTimeout, "mismatch-seed");
        Assert.False(job.TimedOut, job.ToString());
        Assert.Equal(3, job.ExitCode);
        Assert.Contains("The ranks hold different parameters of ParityAdamMlp (rank 0: checksum ", job.Error);
        Assert.Contains("rank(s) 1 differ from rank 0", job.Error);
    }

    [MpichFact]
    public void RankThatFails_AbortsTheJobWithItsRankAndReasonInsteadOfHanging()
    {
        // Rank 0 is waiting in the all-reduce of step 3 when rank 1 throws: without the abort it would wait forever.
        var job = Mpich.RunRanks(2, JobTimeout, "fail-rank");
        Assert.False(job.TimedOut, job.ToString());
        Assert.NotEqual(0, job.ExitCode);
        Assert.Contains("rank 1 of 2 failed: InvalidOperationException: injected failure at step 3", job.Error);
    }

    [Fact]
    public void NoMpiLibrary_ExitsWithInstallInstructions()
    {
        // Runs without MPICH too: the library is looked up under a name that exists nowhere.
        var environment = new Dictionary<string, string> { ["NETGEN_MPI_LIBRARY"] = "libnetgen-no-such-mpi.so.12" };
        var run = Mpich.RunSingle(JobTimeout, environment, "distributed", "--network", "adam");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No MPI library found: tried libnetgen-no-such-mpi.so.12 (from NETGEN_MPI_LIBRARY)", run.Error);
        Assert.Contains("apt-get install mpich libmpich-dev", run.Error);
    }

    private static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
