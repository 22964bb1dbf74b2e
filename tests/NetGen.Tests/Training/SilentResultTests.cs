using NetGen.Kernels;
using NetGen.Search;
using NetGen.Tests.Networks;
using NetGen.Tests.Search;
using NetGen.Threading;
using NetGen.Training;

namespace NetGen.Tests.Training;

/// <summary>
/// The smaller silent results of issue 21: each misuse or NaN that used to give a plausible number (accuracy from NaN
/// scores, class 0, an all-zero random stream, another cell of a matrix, epochs of NaN loss, "best NaN") now gives a
/// documented value or an argument exception, and the helpers meant for generated code behave as documented.
/// </summary>
public sealed class SilentResultTests
{
    // Rows of scores with a NaN somewhere: first, last, every one, and beside an infinity that would otherwise win.
    public static TheoryData<float[]> RowsWithNaN => new()
    {
        new[] { float.NaN, 0.1f, 0.2f },
        new[] { 0.5f, 0.1f, float.NaN },
        new[] { float.NaN, float.NaN, float.NaN },
        new[] { float.PositiveInfinity, float.NaN, 0f },
    };

    [Theory, MemberData(nameof(RowsWithNaN))]
    public void ArgMax_RowWithNaN_IsMinusOne(float[] row)
    {
        Assert.Equal(-1, Scores.ArgMax(row));
    }

    [Fact]
    public void ArgMax_FiniteRows_IsTheFirstLargest()
    {
        Assert.Equal(1, Scores.ArgMax([0f, 3f, 3f, -1f]));
        Assert.Equal(0, Scores.ArgMax([float.PositiveInfinity, 1f]));
        Assert.Equal(-1, Scores.ArgMax([]));
    }

    [Theory, MemberData(nameof(RowsWithNaN))]
    public void CountCorrect_RowWithNaN_CountsAsWrongForEveryLabel(float[] row)
    {
        for (int label = 0; label < row.Length; label++)
        {
            Assert.Equal(0, Losses.CountCorrect(row, [label], 1, row.Length));
        }
    }

    [Fact]
    public void ClassificationEvaluate_NaNScores_AreWrongAndCountedApart()
    {
        // Weights of NaN make every score NaN: before, every sample was "predicted" as class 0, and half of them were right.
        var network = new XorNet();
        network.Parameters.Fill(float.NaN);
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(12, seed: 5);

        ClassificationMetrics metrics = ClassificationMetrics.Evaluate(network, inputs, labels, new float[XorNet.BatchSize * XorNet.OutputSize]);

        Assert.Equal(0, metrics.Accuracy);
        Assert.Equal(12, metrics.Confusion.Total);
        Assert.Equal(12, metrics.Confusion.NotANumber);
        Assert.Equal(0, metrics.Confusion.Recall(0));
        Assert.Contains("NaN scores", metrics.Confusion.ToString());
    }

    [Fact]
    public void DefaultRng_IsTheSeedZeroStream_NotAllZeros()
    {
        var defaulted = new Rng();
        var seeded = new Rng(0);
        int zeros = 0;
        for (int i = 0; i < 1000; i++)
        {
            uint value = defaulted.NextUInt();
            Assert.Equal(seeded.NextUInt(), value);
            if (value == 0) zeros++;
        }

        Assert.True(zeros < 3, $"{zeros} zeros in 1000 draws");
    }

    [Fact]
    public void DropoutWithDefaultRng_KeepsAboutTheRightShare()
    {
        // Before, the all-zero stream dropped every unit at any rate above 0.
        float[] x = Enumerable.Repeat(1f, 4096).ToArray(), y = new float[4096], mask = new float[4096];
        Rng rng = default;
        Dropout.Forward(x, y, mask, 0.25f, ref rng);
        int kept = mask.Count(m => m != 0);
        Assert.InRange(kept, 4096 * 0.70, 4096 * 0.80);
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    [InlineData(3, 0)]
    [InlineData(0, 3)]
    [InlineData(0, 5)]   // before: cell [1, 2] of a 3x3 matrix
    [InlineData(int.MinValue, int.MaxValue)]
    public void ConfusionMatrixIndexer_OutOfRange_Throws(int actual, int predicted)
    {
        var matrix = new ConfusionMatrix(3);
        matrix.Add(1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix[actual, predicted]);
    }

    [Fact]
    public void ConfusionMatrix_RecallAndPrecisionOfAClassOutOfRange_Throw()
    {
        var matrix = new ConfusionMatrix(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Recall(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Precision(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.AddNotANumber(2));
    }

    [Fact]
    public void Fit_NoSamples_ThrowsArgumentException()
    {
        var trainer = new Trainer(new XorNet(), new TrainerOptions { Epochs = 2 });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit([], []));
        Assert.Equal("trainLabels", error.ParamName);
    }

    [Fact]
    public void TrainerOptionsCallbacksNull_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new TrainerOptions { Callbacks = null! });
    }

    [Fact]
    public void Fit_NullCallbackInTheList_ThrowsArgumentException()
    {
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(8, seed: 6);
        var trainer = new Trainer(new XorNet(), new TrainerOptions { Epochs = 1, Callbacks = [new PlainProgress(TextWriter.Null), null!] });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(inputs, labels));
        Assert.Contains("Callbacks[1]", error.Message);
    }

    [Fact]
    public void GradientHealthOfNull_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new GradientHealth(null!));
    }

    [Fact]
    public void EarlyStoppingOnValidationAccuracy_WithoutAValidationSet_Throws()
    {
        // Before: every epoch's accuracy was NaN, and training stopped after patience + 1 epochs reporting "best NaN".
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(16, seed: 7);
        var early = new EarlyStoppingCallback(patience: 1, metric: TrainerMetric.ValidationAccuracy);
        var trainer = new Trainer(new XorNet(), new TrainerOptions { Epochs = 5, Callbacks = [early] });

        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(inputs, labels));

        Assert.Contains("ValidationAccuracy", error.Message);
        Assert.Contains("EvaluateTrainingSet", error.Message);
    }

    [Fact]
    public void CheckpointOnBestValidationAccuracy_WithoutAValidationSet_Throws()
    {
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(16, seed: 7);
        var best = new CheckpointOnBest("unused.safetensors", _ => { }, TrainerMetric.ValidationAccuracy);
        var trainer = new Trainer(new XorNet(), new TrainerOptions { Epochs = 2, Callbacks = [best] });
        Assert.Throws<InvalidOperationException>(() => trainer.Fit(inputs, labels));
    }

    [Fact]
    public void EarlyStoppingOnValidationAccuracy_WithTrainingSetEvaluation_Runs()
    {
        (float[] inputs, int[] labels) = TrainerTests.NoisyXor(16, seed: 7);
        var early = new EarlyStoppingCallback(patience: 5, metric: TrainerMetric.ValidationAccuracy);
        var trainer = new Trainer(new XorNet(), new TrainerOptions { Epochs = 2, EvaluateTrainingSet = true, Callbacks = [early] });

        TrainingHistory history = trainer.Fit(inputs, labels);

        Assert.False(double.IsNaN(early.BestValue));
        Assert.Equal(2, history.Epochs.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(WorkerPool.MaxThreadCount + 1)]
    [InlineData(int.MaxValue)]
    public void WorkerPoolThreadCount_OutOfRange_ThrowsAndKeepsTheCount(int count)
    {
        int before = WorkerPool.ThreadCount;
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerPool.ThreadCount = count);
        Assert.Equal(before, WorkerPool.ThreadCount);
    }

    public static TheoryData<double> BadRates => new() { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1e-3, 1e39 /* infinite as a float */ };

    [Theory, MemberData(nameof(BadRates))]
    public void NetworkVariantInstantiate_BadLearningRate_ThrowsNamingTheValue(double rate)
    {
        NetworkVariant<int> variant = ChoicesArchitectureSearch.Variants[0];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => variant.Instantiate(seed: 1, learningRate: rate, weightDecay: 1e-4));
        Assert.Contains(variant.Name, error.Message);
        Assert.Contains("learning rate", error.Message);
    }

    [Theory, MemberData(nameof(BadRates))]
    public void NetworkVariantInstantiate_BadWeightDecay_ThrowsNamingTheValue(double decay)
    {
        NetworkVariant<int> variant = ChoicesArchitectureSearch.Variants[0];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => variant.Instantiate(seed: 1, learningRate: 1e-2, weightDecay: decay));
        Assert.Contains(variant.Name, error.Message);
        Assert.Contains("weight decay", error.Message);
    }

    [Fact]
    public void NetworkVariantInstantiate_GoodValues_SetThem()
    {
        NetworkVariant<int> variant = ChoicesArchitectureSearch.Variants[0];
        INetwork<int> network = variant.Instantiate(seed: 1, learningRate: 0.02, weightDecay: 0.0);
        Assert.Equal(0.02f, network.LearningRate);
        Assert.Equal(0f, ((IRuntimeWeightDecay)network).WeightDecay);
    }

    public static TheoryData<float> BadFloats => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, -float.Epsilon };

    [Theory, MemberData(nameof(BadFloats))]
    public void HyperparameterChecks_Reject_NaN_Infinity_AndNegative(float value)
    {
        var rate = Assert.Throws<ArgumentOutOfRangeException>(() => Hyperparameters.CheckLearningRate(value, "Mlp"));
        var decay = Assert.Throws<ArgumentOutOfRangeException>(() => Hyperparameters.CheckWeightDecay(value, "Mlp"));
        Assert.Equal(value, rate.ActualValue);
        Assert.StartsWith("Mlp: a learning rate", rate.Message);
        Assert.StartsWith("Mlp: a weight decay", decay.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1e-45f)]
    [InlineData(3e38f)]
    public void HyperparameterChecks_Accept_FiniteNonNegative(float value)
    {
        Assert.Equal(value, Hyperparameters.CheckLearningRate(value, "Mlp"));
        Assert.Equal(value, Hyperparameters.CheckWeightDecay(value, "Mlp"));
    }

    [Fact]
    public void ThrowIfNonFinite_NamesTheNetworkArgumentRowAndColumn()
    {
        float[] inputs = new float[3 * 5000];
        NumericChecks.ThrowIfNonFinite(inputs, "Mlp", "inputs", columns: 3);   // all finite: nothing
        inputs[2 * 4096 + 7] = float.PositiveInfinity;                          // in the third chunk of 4096
        inputs[3 * 4096 + 1] = float.NaN;

        var error = Assert.Throws<ArgumentException>(() => NumericChecks.ThrowIfNonFinite(inputs, "Mlp", "inputs", columns: 3));

        Assert.Equal("inputs", error.ParamName);
        Assert.Contains($"Mlp: inputs (row {(2 * 4096 + 7) / 3}, column {(2 * 4096 + 7) % 3}) is {float.PositiveInfinity}", error.Message);
    }

    [Fact]
    public void ThrowIfNonFinite_HugeButFiniteValues_Pass()
    {
        // Their sum overflows to infinity, which sends the chunk to the element-by-element look: still finite.
        float[] values = Enumerable.Repeat(float.MaxValue, 100).ToArray();
        NumericChecks.ThrowIfNonFinite(values, "Mlp", "targets", columns: 0);
    }
}
