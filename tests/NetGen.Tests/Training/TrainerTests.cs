using NetGen.Tests.Networks;
using NetGen.Training;

namespace NetGen.Tests.Training;

/// <summary>
/// <see cref="Trainer"/> trains a generated network through its <see cref="INetwork{TTarget}"/> (no reflection), its validation
/// numbers agree with the network's own <c>Evaluate</c>, and the confusion matrix counts what it should.
/// </summary>
public sealed class TrainerTests
{
    /// <summary>Noisy XOR: points around the four corners of the unit square, label = x XOR y.</summary>
    internal static (float[] Inputs, int[] Labels) NoisyXor(int count, int seed)
    {
        var random = new Random(seed);
        float[] inputs = new float[count * 2];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int x = random.Next(2), y = random.Next(2);
            inputs[2 * i] = x + (float)(random.NextDouble() - 0.5) * 0.4f;
            inputs[2 * i + 1] = y + (float)(random.NextDouble() - 0.5) * 0.4f;
            labels[i] = x ^ y;
        }

        return (inputs, labels);
    }

    [Fact]
    public void Fit_GeneratedNetwork_LearnsNoisyXor()
    {
        (float[] trainInputs, int[] trainLabels) = NoisyXor(200, seed: 1);
        (float[] testInputs, int[] testLabels) = NoisyXor(100, seed: 2);
        var network = new XorNet();
        var trainer = new Trainer(network, new TrainerOptions { Epochs = 12, EvaluateTrainingSet = true });

        TrainingHistory history = trainer.Fit(trainInputs, trainLabels, testInputs, testLabels);

        Assert.Equal(Enumerable.Range(1, 12), history.Epochs.Select(e => e.Epoch));
        Assert.False(history.StoppedEarly);
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss / 2,
            $"train loss {history.Epochs[0].TrainLoss} -> {history.Epochs[^1].TrainLoss} did not halve");
        Assert.True(history.Epochs[^1].ValidationAccuracy >= 0.95, $"validation accuracy {history.Epochs[^1].ValidationAccuracy}");
        Assert.True(history.Epochs[^1].TrainAccuracy >= 0.95, $"train accuracy {history.Epochs[^1].TrainAccuracy}");
        Assert.All(history.Epochs, e => Assert.True(e.SamplesPerSecond > 0 && e.Seconds >= 0));
        Assert.All(history.Epochs, e => Assert.Equal(0.05f, e.LearningRate));
        Assert.Equal(100, history.Epochs[^1].Validation!.Confusion.Total);
    }

    [Fact]
    public void Validation_MatchesTheNetworksOwnEvaluate()
    {
        (float[] inputs, int[] labels) = NoisyXor(37, seed: 3);   // 37: the last batch holds one sample
        var network = new XorNet();
        for (int i = 0; i < 20; i++) network.TrainStep(inputs.AsSpan(0, 8), labels.AsSpan(0, 4));

        ClassificationMetrics metrics = ClassificationMetrics.Evaluate(network, inputs, labels, new float[XorNet.BatchSize * XorNet.OutputSize]);
        Evaluation reference = network.Evaluate(inputs, labels);

        Assert.Equal(reference.Count, metrics.Count);
        Assert.Equal(reference.Accuracy, metrics.Accuracy, 12);
        // -ln(softmax) from probabilities vs the generated log-softmax: float rounding of the probability, < 1e-5 relative here.
        Assert.Equal(reference.Loss, metrics.Loss, 1e-5 * Math.Max(1, reference.Loss));
        ConfusionMatrix confusion = metrics.Confusion;
        Assert.Equal(37, confusion.Total);
        Assert.Equal(labels.Count(l => l == 1), confusion[1, 0] + confusion[1, 1]);
        Assert.Equal(metrics.Accuracy * 37, confusion[0, 0] + confusion[1, 1], 9);
    }

    [Fact]
    public void ConfusionMatrix_CountsPrecisionRecallAndTable()
    {
        var matrix = new ConfusionMatrix(3);
        (int Actual, int Predicted)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (2, 1), (2, 2), (2, 2), (2, 2)];
        foreach ((int actual, int predicted) in pairs) matrix.Add(actual, predicted);

        Assert.Equal(8, matrix.Total);
        Assert.Equal(6.0 / 8, matrix.Accuracy, 12);
        Assert.Equal(2, matrix[0, 0]);
        Assert.Equal(1, matrix[2, 1]);
        Assert.Equal(2.0 / 3, matrix.Recall(0), 12);       // class 0: 2 of 3 right
        Assert.Equal(1.0 / 3, matrix.Precision(1), 12);    // predicted 1: 3 times, once right
        Assert.Equal(1.0, matrix.Precision(2), 12);
        Assert.Equal(
            "true\\pred     0    1    2   recall\n" +
            "0             2    1    0    66.7%\n" +
            "1             0    1    0   100.0%\n" +
            "2             0    1    3    75.0%\n",
            matrix.ToString().ReplaceLineEndings("\n"));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
    }

    [Fact]
    public void Evaluate_LabelOutOfRange_NamesItsIndex()
    {
        var network = new XorNet();
        var error = Assert.Throws<ArgumentException>(() =>
            ClassificationMetrics.Evaluate(network, new float[6], [0, 1, 2], new float[8]));
        Assert.StartsWith("labels[2] is 2, outside [0, 2).", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_ValidationInputsWithoutLabels_IsAnArgumentError()
    {
        var trainer = new Trainer(new XorNet());
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(new float[8], [0, 1, 1, 0], validationInputs: new float[2]));
        Assert.Equal("validationLabels", error.ParamName);
    }

    [Fact]
    public void Fit_ValidationInputsOfWrongLength_GivesBothCounts()
    {
        var trainer = new Trainer(new XorNet());
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(new float[8], [0, 1, 1, 0], new float[5], [0, 1, 1]));
        Assert.StartsWith("validationInputs hold 5 floats: 3 samples of 2 need 6.", error.Message, StringComparison.Ordinal);
    }
}
