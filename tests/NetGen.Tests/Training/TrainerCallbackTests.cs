using NetGen.Checkpoints;
using NetGen.Tests.Data;
using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Training;

/// <summary>
/// Callbacks on a scripted network whose validation loss per epoch is set by the test, so each
/// expectation (which epoch is best, when training stops, what is restored or saved) is exact.
/// </summary>
public sealed class TrainerCallbackTests
{
    /// <summary>
    /// Two classes; every validation label is 0 and <c>Predict</c> gives class 0 the probability
    /// exp(-loss[epoch]), so the validation loss of epoch e is exactly <c>losses[e - 1]</c>.
    /// Each training step adds 1 to the single parameter, so it records how many steps ran.
    /// </summary>
    private sealed class ScriptedNetwork(double[] validationLosses) : INetwork<int>
    {
        private readonly float[] _parameters = new float[1];

        public int Epoch { get; set; }

        public List<string> Saved { get; } = [];

        public int BatchSize => 2;

        public int InputSize => 1;

        public int OutputSize => 2;

        public int ParameterCount => 1;

        public Span<float> Parameters => _parameters;

        public float LearningRate { get; set; } = 0.1f;

        public float CurrentLearningRate => LearningRate;

        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets)
        {
            _parameters[0] += 1;
            return 1f;
        }

        public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs)
        {
            float probability = (float)Math.Exp(-validationLosses[Epoch - 1]);
            for (int r = 0; r < inputs.Length; r++)
            {
                outputs[2 * r] = probability;
                outputs[2 * r + 1] = 1 - probability;
            }
        }

        public void SaveCheckpoint(string path) => Saved.Add($"{path}@{Epoch}:{_parameters[0]}");

        // The trainer uses none of these.
        public Span<float> Gradients => throw new NotSupportedException();
        public Span<float> OptimizerState => throw new NotSupportedException();
        public Span<float> Statistics => Span<float>.Empty; // early stopping keeps the best epoch's running statistics too (none here)
        public int StepCount => throw new NotSupportedException();
        public IReadOnlyList<string> ParameterLayers => throw new NotSupportedException();
        public void ResetParameters(int seed) => throw new NotSupportedException();
        public void ZeroGradients() => throw new NotSupportedException();
        public void OptimizerStep() => throw new NotSupportedException();
        public float GradientNorm() => throw new NotSupportedException();
        public void GradientNorms(Span<float> norms) => throw new NotSupportedException();
        public ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs) => throw new NotSupportedException();
        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => throw new NotSupportedException();
        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => throw new NotSupportedException();
        public Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => throw new NotSupportedException();
    }

    /// <summary>Tells the scripted network which epoch it is in.</summary>
    private sealed class EpochCounter(ScriptedNetwork network) : TrainerCallback
    {
        public override void OnEpochBegin(TrainerContext context, int epoch) => network.Epoch = epoch;
    }

    // 4 training samples = 2 steps per epoch; 2 validation samples.
    private static TrainingHistory Fit(ScriptedNetwork network, int epochs, params TrainerCallback[] callbacks)
    {
        var options = new TrainerOptions { Epochs = epochs, Callbacks = [new EpochCounter(network), .. callbacks] };
        return new Trainer(network, options).Fit(new float[4], [0, 1, 0, 1], new float[2], [0, 0]);
    }

    [Fact]
    public void EarlyStopping_StopsAfterPatienceEpochsWithoutImprovement_AndRestoresTheBestEpochsWeights()
    {
        var network = new ScriptedNetwork([1.0, 0.5, 0.7, 0.6, 0.9, 0.4, 0.1]);
        var stopping = new EarlyStoppingCallback(patience: 3);

        TrainingHistory history = Fit(network, epochs: 7, stopping);

        Assert.Equal(5, history.Epochs.Count);          // best at 2; 3, 4, 5 do not improve
        Assert.True(history.StoppedEarly);
        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(0.5, stopping.BestValue, 5);
        Assert.Equal(4f, network.Parameters[0]);        // the parameter after epoch 2 (2 steps each), not 10 after epoch 5
        Assert.Equal("early stopping: ValidationLoss did not improve for 3 epochs (best 0.5 at epoch 2)", history.StopReason);
        Assert.Equal(0.5, history.Best()!.ValidationLoss, 5);
    }

    [Fact]
    public void EarlyStopping_MinimumDelta_SmallImprovementsDoNotCount()
    {
        var network = new ScriptedNetwork([1.0, 0.99, 0.98, 0.97, 0.2]);
        TrainingHistory history = Fit(network, epochs: 5, new EarlyStoppingCallback(patience: 2, minimumDelta: 0.05, restoreBestWeights: false));

        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(6f, network.Parameters[0]);        // not restored
    }

    [Fact]
    public void EarlyStopping_BestIsTheLastEpoch_KeepsTheWeights()
    {
        var network = new ScriptedNetwork([1.0, 0.8, 0.6]);
        TrainingHistory history = Fit(network, epochs: 3, new EarlyStoppingCallback(patience: 1));

        Assert.False(history.StoppedEarly);
        Assert.Null(history.StopReason);
        Assert.Equal(6f, network.Parameters[0]);
    }

    [Fact]
    public void EarlyStopping_OnAccuracy_HigherIsBetter()
    {
        // Accuracy: probability of class 0 above one half is right. exp(-0.5) = 0.61 right; exp(-0.9) = 0.41 wrong.
        var network = new ScriptedNetwork([0.9, 0.5, 0.9, 0.9]);
        var stopping = new EarlyStoppingCallback(patience: 2, metric: TrainerMetric.ValidationAccuracy);
        Fit(network, epochs: 4, stopping);

        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(1.0, stopping.BestValue);
    }

    [Fact]
    public void CheckpointOnBest_SavesOnlyWhenTheMetricImproves()
    {
        var network = new ScriptedNetwork([1.0, 0.5, 0.7, 0.4, 0.45]);
        var checkpoint = new CheckpointOnBest("best.safetensors", network.SaveCheckpoint);

        Fit(network, epochs: 5, checkpoint);

        Assert.Equal(["best.safetensors@1:2", "best.safetensors@2:4", "best.safetensors@4:8"], network.Saved);
        Assert.Equal(4, checkpoint.SavedEpoch);
    }

    [Fact]
    public void CheckpointOnBest_WithAGeneratedNetwork_WritesACheckpointThatLoads()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("best.safetensors");
        var layout = new CheckpointLayout(nameof(XorNet), XorNet.ParameterCount,
            [new("dense1.weight", [8, 2], 0), new("dense1.bias", [8], 16), new("dense2.weight", [2, 8], 24), new("dense2.bias", [2], 40)],
            ["exp_avg", "exp_avg_sq"]);
        var network = new XorNet();
        // What the generated SaveCheckpoint will do; written out here until the generator emits it.
        void Save(string file) => layout.Save(file, network.Parameters.ToArray(), network.OptimizerState.ToArray(), network.StepCount);
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(40, seed: 5);
        var stopping = new EarlyStoppingCallback(patience: 2);
        var options = new TrainerOptions { Epochs = 6, Callbacks = [stopping, new CheckpointOnBest(path, Save)] };

        new Trainer(network, options).Fit(inputs, labels, inputs, labels);

        // Early stopping restored the best weights, and the checkpoint holds the same best epoch's weights.
        float[] loaded = new float[XorNet.ParameterCount];
        layout.Load(path, loaded, new float[2 * XorNet.ParameterCount]);
        Assert.Equal(network.Parameters.ToArray(), loaded);
    }

    [Fact]
    public void LearningRateSchedules_SetTheRateBeforeEachEpoch()
    {
        float[] Rates(LearningRateScheduler schedule, int epochs)
        {
            var network = new ScriptedNetwork(Enumerable.Repeat(1.0, epochs).ToArray());
            return Fit(network, epochs, schedule).Epochs.Select(e => e.LearningRate).ToArray();
        }

        Assert.Equal([0.1f, 0.1f, 0.01f, 0.01f, 0.001f], Rates(new LearningRateScheduler(new StepDecay(stepSize: 2, gamma: 0.1)), 5), new FloatTolerance(1e-7f));
        Assert.Equal([0.1f, 0.05f, 0.025f], Rates(new LearningRateScheduler(new ExponentialDecay(0.5)), 3), new FloatTolerance(1e-7f));
        // Cosine with T = 2 epochs from 0.1 to 0: 0.1, 0.05 (halfway), 0.
        Assert.Equal([0.1f, 0.05f, 0f], Rates(new LearningRateScheduler(new CosineAnnealing(totalSteps: 2)), 3), new FloatTolerance(1e-7f));
        Assert.Equal([0.1f, 0.2f], Rates(new LearningRateScheduler((epoch, initial) => initial * epoch), 2), new FloatTolerance(1e-7f));
    }

    [Fact]
    public void EpochHook_RunsBeforeEachEpoch()
    {
        var seen = new List<int>();
        Fit(new ScriptedNetwork([1, 1, 1]), epochs: 3, new EpochHook(seen.Add));
        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public void PlainProgress_WritesOneLinePerEpochAndTheStopReason()
    {
        var output = new StringWriter();
        var network = new ScriptedNetwork([1.0, 1.0, 1.0]);
        Fit(network, epochs: 3, new EarlyStoppingCallback(patience: 1, restoreBestWeights: false), new PlainProgress(output, batchInterval: 2));

        string[] lines = output.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal("training on 4 samples (2 batches of 2), validating on 2, 3 epochs", lines[0]);
        Assert.StartsWith("epoch 1/3  batch 2/2  loss 1.0000  ", lines[1], StringComparison.Ordinal);
        Assert.Matches(@"^epoch 1/3  loss 1\.0000  val_loss 1\.0000  val_acc 0\.00%  lr 0\.1  \d+ samples/s  \d+\.\d\d s$", lines[2]);
        Assert.StartsWith("epoch 2/3  batch 2/2", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("epoch 2/3  loss", lines[4], StringComparison.Ordinal);
        Assert.Equal("early stopping: ValidationLoss did not improve for 1 epochs (best 1 at epoch 1)", lines[5]);
        Assert.Equal(6, lines.Length);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
