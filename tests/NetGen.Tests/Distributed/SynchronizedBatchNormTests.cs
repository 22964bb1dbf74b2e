using NetGen.Kernels;
using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Distributed;

/// <summary>
/// Synchronized batch norm (<see cref="BatchNorm.ForwardTrainingSynchronized"/>, <see cref="BatchNorm.BackwardSynchronized"/>):
/// replicas holding shards of one batch, summing across an in-process group, must reproduce plain batch norm on
/// the whole batch; with one replica, the plain kernels exactly enough.
/// </summary>
public class SynchronizedBatchNormTests
{
    private const float Epsilon = 1e-5f, Momentum = 0.1f;

    // Float kernels against float kernels, summed in a different order: a few ulps of values of magnitude <= 10.
    private const double Absolute = 2e-5, Relative = 2e-5;

    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 3, 2, 7, 1 },  // dense, unequal shards (3 + 2 rows), channels not a multiple of 8
        { 4, 4, 17, 1 }, // dense, equal shards
        { 2, 1, 3, 5 },  // convolution layout, unequal shards, odd spatial
        { 2, 2, 2, 16 }, // convolution layout, equal shards
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TwoReplicas_MatchPlainBatchNormOnTheWholeBatch(int rows0, int rows1, int channels, int spatial)
    {
        int rows = rows0 + rows1, sample = channels * spatial;
        float[] x = Random(rows * sample, 1, 1f, 5f), gamma = Random(channels, 2, 0.5f, 1.5f), beta = Random(channels, 3);
        float[] upstream = Random(rows * sample, 4); // R: the loss is Σ y·R / rows

        // The whole batch, plain kernels: dy = R / rows.
        var whole = new Replica(rows, channels, spatial);
        BatchNorm.ForwardTraining(x, gamma, beta, whole.Y, whole.Mean, whole.InvStd, whole.RunningMean, whole.RunningVar, Momentum, Epsilon, rows, channels, spatial);
        float[] dyWhole = Array.ConvertAll(upstream, r => r / rows);
        BatchNorm.Backward(dyWhole, x, gamma, whole.Mean, whole.InvStd, whole.Dx, whole.Dgamma, whole.Dbeta, rows, channels, spatial);

        // Two replicas, each with its shard and its own mean loss Σ y·R / rows_r: dy = R / rows_r ("local units").
        int[] shardRows = [rows0, rows1], shardStart = [0, rows0];
        var replicas = shardRows.Select(n => new Replica(n, channels, spatial)).ToArray();
        var group = new ThreadReplicaGroup(2);
        group.Run(member =>
        {
            int r = member.Rank, n = shardRows[r];
            Replica replica = replicas[r];
            float[] xs = x.AsSpan(shardStart[r] * sample, n * sample).ToArray();
            float[] dy = upstream.AsSpan(shardStart[r] * sample, n * sample).ToArray();
            for (int i = 0; i < dy.Length; i++) dy[i] /= n;
            float[] scratch = new float[BatchNorm.SynchronizationScratchSize(channels)];
            BatchNorm.ForwardTrainingSynchronized(xs, gamma, beta, replica.Y, replica.Mean, replica.InvStd, replica.RunningMean, replica.RunningVar,
                Momentum, Epsilon, n, channels, spatial, member, scratch);
            BatchNorm.BackwardSynchronized(dy, xs, gamma, replica.Mean, replica.InvStd, replica.Dx, replica.Dgamma, replica.Dbeta, n, channels, spatial, member, scratch);
        });
        Assert.Equal(3, group.Calls); // forward: sums with the count, then squared deviations; backward: its two sums

        for (int r = 0; r < 2; r++)
        {
            Replica replica = replicas[r];
            AssertClose(whole.Mean, replica.Mean, Absolute, Relative, $"replica {r} mean");
            AssertClose(whole.InvStd, replica.InvStd, Absolute, Relative, $"replica {r} invStd");
            AssertClose(whole.RunningMean, replica.RunningMean, Absolute, Relative, $"replica {r} running mean");
            AssertClose(whole.RunningVar, replica.RunningVar, Absolute, Relative, $"replica {r} running variance");
            AssertClose(whole.Y.AsSpan(shardStart[r] * sample, shardRows[r] * sample), replica.Y, Absolute, Relative, $"replica {r} y");
            // Local units back to the global loss: the data-parallel step weighs each replica's gradients by rows_r / rows.
            float weight = (float)shardRows[r] / rows;
            float[] dxGlobal = Array.ConvertAll(replica.Dx, v => v * weight);
            AssertClose(whole.Dx.AsSpan(shardStart[r] * sample, shardRows[r] * sample), dxGlobal, Absolute, Relative, $"replica {r} dx");
        }

        // Parameter gradients stay local; their weighted sum (what the gradient all-reduce computes) is the whole batch's.
        float[] dgamma = new float[channels], dbeta = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            for (int r = 0; r < 2; r++)
            {
                float weight = (float)shardRows[r] / rows;
                dgamma[c] += weight * replicas[r].Dgamma[c];
                dbeta[c] += weight * replicas[r].Dbeta[c];
            }
        }
        AssertClose(whole.Dgamma, dgamma, Absolute, Relative, "dgamma");
        AssertClose(whole.Dbeta, dbeta, Absolute, Relative, "dbeta");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OneReplica_EqualsThePlainKernels(int rows0, int rows1, int channels, int spatial)
    {
        int rows = rows0 + rows1, size = rows * channels * spatial;
        float[] x = Random(size, 5, -2f, 6f), gamma = Random(channels, 6, 0.5f, 1.5f), beta = Random(channels, 7), dy = Random(size, 8);
        var plain = new Replica(rows, channels, spatial);
        var synchronized = new Replica(rows, channels, spatial);
        BatchNorm.ForwardTraining(x, gamma, beta, plain.Y, plain.Mean, plain.InvStd, plain.RunningMean, plain.RunningVar, Momentum, Epsilon, rows, channels, spatial);
        BatchNorm.Backward(dy, x, gamma, plain.Mean, plain.InvStd, plain.Dx, plain.Dgamma, plain.Dbeta, rows, channels, spatial);
        var group = new ThreadReplicaGroup(1);
        group.Run(member =>
        {
            float[] scratch = new float[BatchNorm.SynchronizationScratchSize(channels)];
            BatchNorm.ForwardTrainingSynchronized(x, gamma, beta, synchronized.Y, synchronized.Mean, synchronized.InvStd, synchronized.RunningMean,
                synchronized.RunningVar, Momentum, Epsilon, rows, channels, spatial, member, scratch);
            BatchNorm.BackwardSynchronized(dy, x, gamma, synchronized.Mean, synchronized.InvStd, synchronized.Dx, synchronized.Dgamma, synchronized.Dbeta,
                rows, channels, spatial, member, scratch);
        });

        AssertClose(plain.Y, synchronized.Y, Absolute, Relative, "y");
        AssertClose(plain.RunningVar, synchronized.RunningVar, Absolute, Relative, "running variance");
        AssertClose(plain.Dx, synchronized.Dx, Absolute, Relative, "dx");
        AssertClose(plain.Dgamma, synchronized.Dgamma, Absolute, Relative, "dgamma");
        AssertClose(plain.Dbeta, synchronized.Dbeta, Absolute, Relative, "dbeta");
    }

    [Fact]
    public void BackwardWithoutItsForward_SaysWhatIsMissing()
    {
        var group = new ThreadReplicaGroup(1);
        var error = Assert.Throws<InvalidOperationException>(() => BatchNorm.BackwardSynchronized(new float[6], new float[6], new float[3], new float[3],
            new float[3], new float[6], new float[3], new float[3], 2, 3, 1, group.Members[0], new float[BatchNorm.SynchronizationScratchSize(3)]));
        Assert.Contains("ForwardTrainingSynchronized", error.Message);
    }

    [Fact]
    public void ScratchTooShort_NamesTheSizeNeeded()
    {
        var group = new ThreadReplicaGroup(1);
        var error = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTrainingSynchronized(new float[6], new float[3], new float[3], new float[6],
            new float[3], new float[3], default, default, Momentum, Epsilon, 2, 3, 1, group.Members[0], new float[5]));
        Assert.Contains("need 8", error.Message);
    }

    private sealed class Replica(int rows, int channels, int spatial)
    {
        public float[] Y { get; } = new float[rows * channels * spatial];
        public float[] Dx { get; } = new float[rows * channels * spatial];
        public float[] Mean { get; } = new float[channels];
        public float[] InvStd { get; } = new float[channels];
        public float[] RunningMean { get; } = new float[channels];
        public float[] RunningVar { get; } = Enumerable.Repeat(1f, channels).ToArray();
        public float[] Dgamma { get; } = new float[channels];
        public float[] Dbeta { get; } = new float[channels];
    }
}
