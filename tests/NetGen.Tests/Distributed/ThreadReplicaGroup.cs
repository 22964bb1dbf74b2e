namespace NetGen.Tests.Distributed;

/// <summary>
/// An in-process stand-in for an MPI job: <c>replicas</c> threads, one per replica, each holding a
/// <see cref="Member"/> whose <see cref="IAllReduce.AllReduceSum"/> sums across all of them (every member must call
/// it, in the same order, as MPI's collectives require). Sums in rank order, so results are deterministic.
/// </summary>
internal sealed class ThreadReplicaGroup
{
    private readonly Barrier _barrier;
    private readonly float[][] _slots;

    public ThreadReplicaGroup(int replicas)
    {
        _barrier = new Barrier(replicas);
        _slots = new float[replicas][];
        Members = Enumerable.Range(0, replicas).Select(rank => new Member(this, rank)).ToArray();
    }

    public Member[] Members { get; }

    /// <summary>Runs <paramref name="body"/> once per replica, each on its own thread, and waits for all of them.</summary>
    public void Run(Action<Member> body)
    {
        var failures = new Exception?[Members.Length];
        var threads = Members.Select(member => new Thread(() =>
        {
            try { body(member); }
            catch (Exception e) { failures[member.Rank] = e; _barrier.RemoveParticipant(); }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        foreach (var failure in failures)
            if (failure is not null) throw new InvalidOperationException("a replica failed", failure);
    }

    /// <summary>How many all-reduce calls each member made (they must agree).</summary>
    public int Calls => Members[0].Calls;

    internal sealed class Member(ThreadReplicaGroup group, int rank) : IAllReduce
    {
        public int Rank { get; } = rank;

        public int Calls { get; private set; }

        public void AllReduceSum(Span<float> values)
        {
            Calls++;
            group._slots[Rank] = values.ToArray();
            group._barrier.SignalAndWait();
            for (int i = 0; i < values.Length; i++)
            {
                float sum = 0;
                foreach (float[] slot in group._slots) sum += slot[i];
                values[i] = sum;
            }
            group._barrier.SignalAndWait();
        }
    }
}
