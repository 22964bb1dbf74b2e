using static NetGen.Tests.Kernels.Numerics;

namespace NetGen.Tests.Distributed;

/// <summary>Dense and batch norm with a weight penalty: what synchronized batch norm and the gradient listener touch.</summary>
[Network(BatchSize = 10, Seed = 3)]
[Input(6)]
[Dense(9, L2 = 0.01)]
[BatchNorm]
[Activation(Activation.Tanh)]
[Dense(5, L1 = 0.001)]
[BatchNorm]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam]
public partial class SyncBatchNormMlp;

/// <summary>A convolution with batch norm over channels (spatial statistics).</summary>
[Network(BatchSize = 6, Seed = 4)]
[Input(2, 6, 6)]
[Conv2D(3, 3)]
[BatchNorm]
[Activation(Activation.ReLU)]
[GlobalAvgPool2D]
[Dense(4)]
[SoftmaxCrossEntropy]
[Sgd]
public partial class SyncBatchNormConvNet;

/// <summary>
/// The two hooks data-parallel training uses on generated networks: <see cref="INetwork.BatchNormSynchronization"/>
/// (replicas on threads, summing through <see cref="ThreadReplicaGroup"/>, must compute the whole batch's gradients)
/// and <see cref="INetwork.GradientListener"/> (told each layer's final range, last layer first).
/// </summary>
public class ReplicaHooksTests
{
    // Float gradients of the same batch, summed in another order across replicas: a few ulps of values up to ~1.
    private const double Absolute = 2e-5, Relative = 1e-4;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DenseReplicas_WithSynchronizedBatchNorm_ComputeTheWholeBatchsGradients(bool synchronized) =>
        CheckReplicas(() => new SyncBatchNormMlp(), rows0: 6, rows1: 4, synchronized);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConvolutionReplicas_WithSynchronizedBatchNorm_ComputeTheWholeBatchsGradients(bool synchronized) =>
        CheckReplicas(() => new SyncBatchNormConvNet(), rows0: 3, rows1: 2, synchronized);

    private static void CheckReplicas(Func<INetwork<int>> create, int rows0, int rows1, bool synchronized)
    {
        INetwork<int> whole = create();
        int rows = rows0 + rows1, size = whole.InputSize;
        float[] inputs = Random(rows * size, 11, -2f, 2f);
        int[] labels = Enumerable.Range(0, rows).Select(i => i * 7 % whole.OutputSize).ToArray();
        whole.ComputeGradients(inputs, labels);
        float[] expected = whole.Gradients.ToArray();
        float[] expectedStatistics = whole.Statistics.ToArray();

        int[] shardRows = [rows0, rows1], shardStart = [0, rows0];
        var replicas = new[] { create(), create() };
        var group = new ThreadReplicaGroup(2);
        group.Run(member =>
        {
            int r = member.Rank;
            INetwork<int> replica = replicas[r];
            if (synchronized) replica.BatchNormSynchronization = member;
            replica.ComputeGradients(inputs.AsSpan(shardStart[r] * size, shardRows[r] * size), labels.AsSpan(shardStart[r], shardRows[r]));
        });

        // What the data-parallel all-reduce does: weigh each replica's mean gradient by its share of the rows, and sum.
        float[] combined = new float[expected.Length];
        for (int r = 0; r < 2; r++)
        {
            float weight = (float)shardRows[r] / rows;
            ReadOnlySpan<float> gradients = replicas[r].Gradients;
            for (int i = 0; i < combined.Length; i++) combined[i] += weight * gradients[i];
        }

        if (synchronized)
        {
            AssertClose(expected, combined, Absolute, Relative, "combined gradients");
            AssertClose(expectedStatistics, replicas[0].Statistics, Absolute, Relative, "replica 0 running statistics");
            AssertClose(expectedStatistics, replicas[1].Statistics, Absolute, Relative, "replica 1 running statistics");
        }
        else
        {
            // Per-replica statistics (DDP's default) give other gradients: the synchronized case above is not vacuous.
            double largest = expected.Zip(combined, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(largest > 100 * Absolute, $"per-replica statistics changed the gradients by only {largest}");
        }
    }

    [Fact]
    public void GradientListener_IsToldEachLayersFinalRange_LastLayerFirst_CoveringEveryGradientOnce()
    {
        var network = new SyncBatchNormMlp();
        var listener = new RecordingListener(network);
        network.GradientListener = listener;
        float[] inputs = Random(8 * SyncBatchNormMlp.InputSize, 12, -1f, 1f);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        network.ComputeGradients(inputs, labels);

        // Five parameter layers (Dense, BatchNorm, Dense, BatchNorm, Dense), reported from the last to the first.
        Assert.Equal(5, listener.Ranges.Count);
        int end = SyncBatchNormMlp.ParameterCount;
        foreach ((int offset, int count, float[] seen) in listener.Ranges)
        {
            Assert.Equal(end, offset + count);
            end = offset;
            // Final when reported, weight penalties included: nothing changed them afterwards.
            Assert.Equal(seen, network.Gradients.Slice(offset, count).ToArray());
        }
        Assert.Equal(0, end);

        // With the listener removed, a training step reports nothing more.
        network.GradientListener = null;
        network.TrainStep(inputs, labels);
        Assert.Equal(5, listener.Ranges.Count);
    }

    [Fact]
    public void NetworksWrittenByHand_RefuseTheHooksClearly()
    {
        INetwork network = new HandWrittenNetwork();
        Assert.Null(network.GradientListener);
        Assert.Null(network.BatchNormSynchronization);
        var group = new ThreadReplicaGroup(1);
        var error = Assert.Throws<NotSupportedException>(() => network.BatchNormSynchronization = group.Members[0]);
        Assert.Contains(nameof(HandWrittenNetwork), error.Message);
        network.GradientListener = null; // clearing is always allowed
    }

    private sealed class RecordingListener(INetwork network) : IGradientListener
    {
        public List<(int Offset, int Count, float[] Seen)> Ranges { get; } = [];

        public void OnGradientsReady(int offset, int count) => Ranges.Add((offset, count, network.Gradients.Slice(offset, count).ToArray()));
    }

    // The minimum an INetwork written by hand implements: the hooks keep their defaults.
    private sealed class HandWrittenNetwork : INetwork
    {
        private readonly float[] _values = new float[1];
        public int BatchSize => 1;
        public int InputSize => 1;
        public int OutputSize => 1;
        public int ParameterCount => 1;
        public Span<float> Parameters => _values;
        public Span<float> Gradients => _values;
        public Span<float> OptimizerState => Span<float>.Empty;
        public Span<float> Statistics => Span<float>.Empty;
        public float LearningRate { get; set; }
        public float CurrentLearningRate => LearningRate;
        public int StepCount => 0;
        public IReadOnlyList<string> ParameterLayers => ["Dense1"];
        public void ResetParameters(int seed) { }
        public void ZeroGradients() { }
        public void OptimizerStep() { }
        public float GradientNorm() => 0f;
        public void GradientNorms(Span<float> norms) { }
        public ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs) => _values;
        public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs) { }
    }
}
