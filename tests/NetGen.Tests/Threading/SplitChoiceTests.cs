using NetGen.Kernels;
using NetGen.Threading;

namespace NetGen.Tests.Threading;

/// <summary>
/// A latency-bound call site's choice between splitting and running on its caller (<see cref="SplitChoice"/>,
/// <see cref="WorkerPool.RunLatencyBound"/>): it takes the way measured faster, tries the other one every
/// <see cref="SplitChoice.ExploreEvery"/> calls, follows a change of the machine, never splits onto a sleeping worker,
/// and either way computes the same result.
/// </summary>
public sealed unsafe class SplitChoiceTests
{
    // Runs `calls` calls past the warm-up in which a split takes splitTicks and a serial call serialTicks; returns how many split.
    private static int Drive(ref SplitChoice choice, int calls, long splitTicks, long serialTicks)
    {
        int splits = 0;
        for (int call = 0; call < calls; call++)
        {
            bool split = choice.NextSplits(workersAwake: true);
            choice.Record(split, split ? splitTicks : serialTicks);
            if (split) splits++;
        }
        return splits;
    }

    [Fact]
    public void Takes_the_faster_way_and_tries_the_other_once_every_128_calls()
    {
        var choice = new SplitChoice();
        Drive(ref choice, SplitChoice.WarmUpCalls, splitTicks: 1000, serialTicks: 600);
        Assert.Equal(1000, choice.SplitTicks, 6);
        Assert.Equal(600, choice.SerialTicks, 6);

        Assert.Equal(10, Drive(ref choice, 10 * SplitChoice.ExploreEvery, splitTicks: 1000, serialTicks: 600));

        var faster = new SplitChoice();
        Drive(ref faster, SplitChoice.WarmUpCalls, splitTicks: 400, serialTicks: 600);
        Assert.Equal(10 * SplitChoice.ExploreEvery - 10, Drive(ref faster, 10 * SplitChoice.ExploreEvery, splitTicks: 400, serialTicks: 600));
    }

    [Fact]
    public void Follows_the_machine_when_the_split_becomes_slower()
    {
        // Near cores: the split wins. Then the host moves a vCPU far away and every split costs 2.5 times as much.
        var choice = new SplitChoice();
        Drive(ref choice, SplitChoice.WarmUpCalls + 1000, splitTicks: 600, serialTicks: 1000);
        int splitsAfterMove = Drive(ref choice, 20 * SplitChoice.ExploreEvery, splitTicks: 1500, serialTicks: 1000);
        Assert.True(choice.SplitTicks > choice.SerialTicks, $"split mean {choice.SplitTicks}, serial mean {choice.SerialTicks}");
        Assert.True(splitsAfterMove < 2 * SplitChoice.ExploreEvery, $"{splitsAfterMove} splits after the move");

        // And back: the serial calls' mean now loses, and the explored splits bring the choice back.
        Drive(ref choice, 20 * SplitChoice.ExploreEvery, splitTicks: 600, serialTicks: 1000);
        Assert.True(choice.SplitTicks < choice.SerialTicks);
        Assert.Equal(SplitChoice.ExploreEvery - 1, Drive(ref choice, SplitChoice.ExploreEvery, splitTicks: 600, serialTicks: 1000));
    }

    [Fact]
    public void One_outlier_counts_as_four_times_the_mean_at_most()
    {
        var choice = new SplitChoice();
        Drive(ref choice, SplitChoice.WarmUpCalls + 200, splitTicks: 500, serialTicks: 1000);
        choice.NextSplits(workersAwake: true);
        choice.Record(split: true, 1_000_000);   // preempted
        Assert.Equal(500 + 0.125 * (4 * 500 - 500), choice.SplitTicks, 6);
        Assert.True(choice.NextSplits(workersAwake: true));
    }

    [Fact]
    public void A_split_due_while_a_worker_sleeps_runs_on_the_caller_and_waits_for_the_worker()
    {
        var choice = new SplitChoice();
        Drive(ref choice, SplitChoice.WarmUpCalls + 500, splitTicks: 400, serialTicks: 1000);
        Assert.False(choice.NextSplits(workersAwake: false));
        Assert.False(choice.NextSplits(workersAwake: false));
        Assert.True(choice.NextSplits(workersAwake: true));
    }

    private struct Counts
    {
        public int* Runs;
        public int* Order;
        public int Next;
    }

    private static void Count(void* context, int part, int parts)
    {
        ref Counts counts = ref *(Counts*)context;
        Interlocked.Increment(ref counts.Runs[part]);
        counts.Order[Interlocked.Increment(ref counts.Next) - 1] = part;
    }

    [Fact]
    public void A_latency_bound_job_runs_every_part_once_whichever_way_it_goes()
    {
        const int Parts = 4;
        int* runs = stackalloc int[Parts];
        int* order = stackalloc int[Parts];
        for (int call = 0; call < 3 * SplitChoice.ExploreEvery; call++)
        {
            new Span<int>(runs, Parts).Clear();
            var counts = new Counts { Runs = runs, Order = order };
            WorkerPool.Shared.RunLatencyBound(&Count, &counts, Parts, key: 12345);
            for (int part = 0; part < Parts; part++) Assert.Equal(1, runs[part]);
        }
    }

    [Fact]
    public void The_two_layer_pass_gives_the_same_bits_split_or_on_the_caller()
    {
        // LeNet-5's dense layers at one sample: 58K multiply-adds, a latency-bound split.
        const int Inputs = 400, Hidden = 120, Units = 84;
        var rng = new Random(3);
        float[] Make(int n) { var v = new float[n]; for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 2 - 1); return v; }
        float[] input = Make(Inputs), weight1 = Make(Hidden * Inputs), bias1 = Make(Hidden), weight2 = Make(Units * Hidden), bias2 = Make(Units);
        float[] Forward(bool? split)
        {
            var hidden = new float[Hidden];
            var output = new float[Units];
            WorkerPool.SplitLatencyBoundJobs = split;
            try
            {
                Dense.ForwardTwoLayers(input, weight1, bias1, Activation.ReLU, hidden, weight2, bias2, Activation.ReLU, output, 1, Inputs, Hidden, Units);
            }
            finally
            {
                WorkerPool.SplitLatencyBoundJobs = null;
            }
            return output;
        }
        float[] serial = Forward(false);
        Assert.Equal(serial, Forward(true));
        for (int call = 0; call < 50; call++) Assert.Equal(serial, Forward(null));
    }
}
