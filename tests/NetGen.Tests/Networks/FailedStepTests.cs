namespace NetGen.Tests.Networks;

/// <summary>A tanh network: an infinite input saturates it to a finite loss.</summary>
[Network(BatchSize = 2, Seed = 1)]
[Input(3)]
[Dense(8, Activation.Tanh)]
[Dense(2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1)]
public partial class SaturatingRegressor;

/// <summary>Batch norm, dropout and a stateful LSTM: every kind of state a training forward pass changes.</summary>
[Network(BatchSize = 2, Seed = 4)]
[Input(4)]
[Dense(6)]
[BatchNorm]
[Dropout(0.3)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam]
public partial class StatefulCures;

[Network(BatchSize = 2, Seed = 4)]
[Input(2)]
[Embedding(5, 3)]
[Lstm(4, Stateful = true, ReturnSequences = false)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Adam]
public partial class StatefulTokens;

/// <summary>
/// A training step that fails changes nothing (running statistics, dropout random state, carried recurrent state,
/// parameters, optimizer state, step count), non-finite inputs and targets are named before they reach the weights,
/// and the run-time hyperparameters reject values that cannot train.
/// </summary>
public sealed class FailedStepTests
{
    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.NaN)]
    public void NonFiniteInput_ThroughSaturatingLayers_IsNamed_AndNoParameterChanges(float bad)
    {
        var net = new SaturatingRegressor();
        float[] before = net.Parameters.ToArray();
        float[] inputs = [0.1f, 0.2f, 0.3f, 0.4f, bad, 0.6f];
        var e = Assert.Throws<NonFiniteLossException>(() => net.TrainStep(inputs, [0, 0, 0, 0]));
        Assert.Contains("the inputs (row 1, column 1", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0, net.StepCount);
    }

    [Fact]
    public void NaNBatch_LeavesRunningStatisticsAndDropoutStateAsTheyWere_SoLaterStepsAndPredictionsAreFinite()
    {
        var net = new StatefulCures();
        float[] good = [0.5f, -1, 2, 0.1f, 1, 0.3f, -0.2f, 0.7f];
        for (int step = 0; step < 3; step++) net.TrainStep(good, [0, 2]);

        // A NaN input is caught before the forward pass; a NaN weight makes batch norm's batch mean and variance NaN,
        // so the loss is NaN after a forward pass that has already computed new running statistics.
        float[] nan = (float[])good.Clone();
        nan[3] = float.NaN;
        Assert.Throws<NonFiniteLossException>(() => net.TrainStep(nan, [0, 2]));
        float weight = net.Dense1Weight[0];
        net.Dense1Weight[0] = float.NaN;
        float[] statistics = net.Statistics.ToArray();
        Rng random = net.DropoutRandom;
        float[] parameters = net.Parameters.ToArray();
        float[] state = net.OptimizerState.ToArray();
        Assert.Throws<NonFiniteLossException>(() => net.TrainStep(good, [0, 2]));

        Assert.Equal(statistics, net.Statistics.ToArray());
        Assert.Equal(random, net.DropoutRandom);
        Assert.Equal(parameters, net.Parameters.ToArray());
        Assert.Equal(state, net.OptimizerState.ToArray());
        Assert.Equal(3, net.StepCount);

        // Training and inference go on as if the bad batches never came.
        net.Dense1Weight[0] = weight;
        for (int step = 0; step < 20; step++) net.TrainStep(good, [0, 2]);
        var probabilities = new float[2 * StatefulCures.OutputSize];
        net.Predict(good, probabilities);
        Assert.All(probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.All(net.Statistics.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void FailedStep_LeavesTheCarriedRecurrentStateAsItWas()
    {
        var net = new StatefulTokens();
        int[] tokens = [1, 2, 3, 4];
        net.TrainStep(tokens, [0, 1]);
        float[] carried = net.Lstm1State.ToArray();
        float[] cell = net.Lstm1CellState.ToArray();
        net.LearningRate = 0;   // allowed: the parameters stay put
        net.Parameters.Fill(float.NaN);
        Assert.Throws<NonFiniteLossException>(() => net.TrainStep(tokens, [0, 1]));
        Assert.Equal(carried, net.Lstm1State.ToArray());
        Assert.Equal(cell, net.Lstm1CellState.ToArray());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-1e-3f)]
    public void LearningRateThatCannotTrain_IsRejectedNamingTheValue(float value)
    {
        var net = new SaturatingRegressor();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.LearningRate = value);
        Assert.Contains("SaturatingRegressor.LearningRate", e.Message);
        Assert.Equal(SaturatingRegressor.DefaultLearningRate, net.LearningRate);
    }

    [Fact]
    public void NaNRegressionTarget_IsNamedAsATarget()
    {
        var net = new SaturatingRegressor();
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[6], [0, 0, float.NaN, 0]));
        Assert.Contains("targets (row 1, column 0: NaN)", e.Message);
        Assert.Throws<ArgumentException>(() => net.Evaluate(new float[6], [0, 0, 0, float.PositiveInfinity]));
    }
}

/// <summary>One instance used from two threads at once throws, naming the network, instead of mixing buffers.</summary>
public sealed class ConcurrentUseTests
{
    [Fact]
    public async Task SecondThread_WhileOneIsInsideTrainStep_GetsInvalidOperationException()
    {
        var net = new SaturatingRegressor();
        float[] inputs = new float[6];
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // Hold the first thread inside TrainStep: its backward pass calls the gradient listener while it uses the instance.
        net.GradientListener = new BlockingListener(inside, release);
        var training = Task.Run(() => net.TrainStep(inputs, [0, 0, 0, 0]));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
        var e = Assert.Throws<InvalidOperationException>(() => net.Predict(inputs, new float[4]));
        Assert.Contains("SaturatingRegressor.Predict", e.Message);
        Assert.Contains("one thread at a time", e.Message);
        release.Set();
        await training;

        // Released: the instance is free again, and members called from inside a member (TrainStep's) still pass.
        net.GradientListener = null;
        net.TrainStep(inputs, [0, 0, 0, 0]);
        net.Predict(inputs, new float[4]);
    }

    private sealed class BlockingListener(ManualResetEventSlim inside, ManualResetEventSlim release) : IGradientListener
    {
        public void OnGradientsReady(int offset, int count)
        {
            inside.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        }
    }
}

/// <summary>Inference on a stateful network: independent chunks, and the training state left as it was.</summary>
public sealed class StatefulInferenceTests
{
    [Fact]
    public void Predict_StartsEveryChunkFromTheCallersState_AndLeavesItAsItWas()
    {
        var net = new StatefulTokens();
        int[] tokens = [1, 2, 3, 4];
        net.TrainStep(tokens, [0, 1]);
        float[] state = net.Lstm1State.ToArray();
        float[] cell = net.Lstm1CellState.ToArray();

        // Three chunks of two samples: the same two sequences each time give the same outputs each time.
        int[] repeated = [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4];
        var outputs = new float[6 * StatefulTokens.OutputSize];
        net.Predict(repeated, outputs);
        for (int chunk = 1; chunk < 3; chunk++)
        {
            Assert.Equal(outputs.AsSpan(0, 2 * StatefulTokens.OutputSize).ToArray(), outputs.AsSpan(chunk * 2 * StatefulTokens.OutputSize, 2 * StatefulTokens.OutputSize).ToArray());
        }

        Assert.Equal(state, net.Lstm1State.ToArray());
        Assert.Equal(cell, net.Lstm1CellState.ToArray());
        net.Evaluate(repeated, [0, 1, 0, 1, 0, 1]);
        net.PredictClass(tokens.AsSpan(0, 2));
        Assert.Equal(state, net.Lstm1State.ToArray());

        // The next training step starts from the state the last training step left, as if no inference ran.
        var twin = new StatefulTokens();
        twin.TrainStep(tokens, [0, 1]);
        Assert.Equal(twin.TrainStep(tokens, [1, 0]), net.TrainStep(tokens, [1, 0]));
    }
}

/// <summary>Early stopping gives back the network that scored the best metric, batch norm's running statistics included.</summary>
public sealed class EarlyStoppingStatisticsTests
{
    [Fact]
    public void RestoreBest_WithStatistics_GivesTheRecordedBestValidationLossExactly()
    {
        var net = new StatefulCures();
        float[] train = [0.5f, -1, 2, 0.1f, 1, 0.3f, -0.2f, 0.7f];
        float[] validation = [0.2f, 0.4f, -1, 1.5f, -0.3f, 0.8f, 0.1f, -0.6f];
        int[] validationLabels = [1, 2];
        var stopping = new NetGen.Training.EarlyStopping(StatefulCures.ParameterCount, patience: 100);
        for (int epoch = 1; epoch <= 12; epoch++)
        {
            net.TrainStep(train, epoch % 2 == 0 ? [0, 2] : [1, 0]);
            stopping.Update(epoch, net.Evaluate(validation, validationLabels).Loss, net.Parameters, net.Statistics);
        }

        // Training on moves both the parameters and the running statistics away from the best epoch's.
        for (int step = 0; step < 5; step++) net.TrainStep(train, [2, 2]);
        stopping.RestoreBest(net.Parameters, net.Statistics);
        Assert.Equal(stopping.BestMetric, net.Evaluate(validation, validationLabels).Loss);
        Assert.Throws<ArgumentException>(() => { stopping.RestoreBest(net.Parameters, new float[1]); });
    }
}

/// <summary>Backward uses the activations of the last training Forward: on other rows, or after inference, it says so.</summary>
public sealed class BackwardActivationTests
{
    [Fact]
    public void BackwardOnMoreRowsThanTheLastForward_OrAfterInference_Throws()
    {
        var net = new SaturatingRegressor();
        float[] two = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f];
        net.Forward(two.AsSpan(0, 3));
        var e = Assert.Throws<InvalidOperationException>(() => net.Backward(two, new float[4]));
        Assert.Contains("SaturatingRegressor.Backward: inputs hold 2 samples", e.Message);
        net.Forward(two);
        net.Backward(two, new float[4]);
        net.Predict(two, new float[4]);
        Assert.Throws<InvalidOperationException>(() => net.Backward(two, new float[4]));
    }
}
