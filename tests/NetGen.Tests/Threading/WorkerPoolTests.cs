using NetGen.Threading;

namespace NetGen.Tests.Threading;

/// <summary>
/// The worker pool's contract: every part of a job runs exactly once, whatever the number of parts against the number
/// of threads (parts past 64 share a claim slot), a part's exception reaches the caller, and a job started from
/// inside a job runs on its caller's thread.
/// </summary>
public sealed unsafe class WorkerPoolTests
{
    private struct Counts
    {
        public int* Runs;
        public int Parts;
        public int BadParts;     // parts told another total than the job's
        public int ThrowAt;      // the part that throws, or -1
    }

    private static void Count(void* context, int part, int parts)
    {
        ref Counts counts = ref *(Counts*)context;
        if (parts != counts.Parts) Interlocked.Increment(ref counts.BadParts);
        Interlocked.Increment(ref counts.Runs[part]);
        if (part == counts.ThrowAt) throw new InvalidOperationException($"part {part} failed");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    public void Every_part_runs_exactly_once(int parts)
    {
        int* runs = stackalloc int[parts];
        for (int repeat = 0; repeat < 200; repeat++)
        {
            new Span<int>(runs, parts).Clear();
            var counts = new Counts { Runs = runs, Parts = parts, ThrowAt = -1 };
            WorkerPool.Shared.Run(&Count, &counts, parts);
            Assert.Equal(0, counts.BadParts);
            for (int part = 0; part < parts; part++) Assert.Equal(1, runs[part]);
        }
    }

    [Fact]
    public void A_part_that_throws_surfaces_on_the_caller_after_the_other_parts_ran()
    {
        const int Parts = 8;
        int* runs = stackalloc int[Parts];
        var counts = new Counts { Runs = runs, Parts = Parts, ThrowAt = 5 };
        string? message = null;
        try
        {
            WorkerPool.Shared.Run(&Count, &counts, Parts);
        }
        catch (InvalidOperationException error)
        {
            message = error.Message;
        }
        Assert.Equal("part 5 failed", message);
        for (int part = 0; part < Parts; part++) Assert.Equal(1, runs[part]);

        // The pool is usable again.
        new Span<int>(runs, Parts).Clear();
        counts.ThrowAt = -1;
        WorkerPool.Shared.Run(&Count, &counts, Parts);
        for (int part = 0; part < Parts; part++) Assert.Equal(1, runs[part]);
    }

    // The same on a thread whose jobs run on itself (a search trial's, or a kernel inside a job, or any call while the
    // pool is busy with another thread's job): every part still runs once, and the first failure surfaces after them.
    [Fact]
    public void A_part_that_throws_on_a_caller_that_runs_its_own_parts_leaves_the_others_run()
    {
        const int Parts = 8;
        int* runs = stackalloc int[Parts];
        var counts = new Counts { Runs = runs, Parts = Parts, ThrowAt = 2 };
        string? message = null;
        WorkerPool.RunsOnCaller = true;
        try
        {
            WorkerPool.Shared.Run(&Count, &counts, Parts);
        }
        catch (InvalidOperationException error)
        {
            message = error.Message;
        }
        finally
        {
            WorkerPool.RunsOnCaller = false;
        }
        Assert.Equal("part 2 failed", message);
        for (int part = 0; part < Parts; part++) Assert.Equal(1, runs[part]);
    }

    private struct Nested
    {
        public int* Runs;
    }

    private static void RunInner(void* context, int part, int parts)
    {
        ref Nested nested = ref *(Nested*)context;
        var counts = new Counts { Runs = nested.Runs + part * 4, Parts = 4, ThrowAt = -1 };
        WorkerPool.Shared.Run(&Count, &counts, 4);
    }

    [Fact]
    public void A_job_started_inside_a_job_runs_all_its_parts()
    {
        int* runs = stackalloc int[3 * 4];
        var nested = new Nested { Runs = runs };
        WorkerPool.Shared.Run(&RunInner, &nested, 3);
        for (int i = 0; i < 12; i++) Assert.Equal(1, runs[i]);
    }
}
