using NetGen.Data;
using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Networks;

// [Bfloat16Inference] networks: the MNIST MLP of the sample, and a one-layer regression whose error has a closed bound.

[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
[Bfloat16Inference]
public partial class Bfloat16MnistMlp;

[Network(BatchSize = 4, Seed = 2)]
[Input(300)]
[Dense(7)]
[MeanSquaredError]
[Sgd(LearningRate = 0.01)]
[Bfloat16Inference]
public partial class Bfloat16Regression;

/// <summary>
/// PredictBfloat16 against Predict: its only difference is the rounding of each dense weight to bfloat16, it follows every
/// change of the float weights, it allocates nothing, and on MNIST it classifies as well as float.
/// </summary>
public class Bfloat16NetworkTests
{
    private static float Round(float value) => DenseBfloat16.ToSingle(DenseBfloat16.FromSingle(value));

    // A float twin of the network whose dense weights are rounded to bfloat16: what PredictBfloat16 must compute.
    private static Bfloat16MnistMlp RoundedTwin(Bfloat16MnistMlp network)
    {
        var twin = new Bfloat16MnistMlp();
        network.Parameters.CopyTo(twin.Parameters);
        RoundInPlace(twin.Dense1Weight);
        RoundInPlace(twin.Dense2Weight);
        RoundInPlace(twin.Dense3Weight);
        return twin;
    }

    private static void RoundInPlace(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Round(values[i]);
    }

    private static void AssertMatchesRoundedTwin(Bfloat16MnistMlp network, float[] images, string when)
    {
        int samples = images.Length / Bfloat16MnistMlp.InputSize;
        float[] expected = new float[samples * Bfloat16MnistMlp.OutputSize], actual = new float[expected.Length];
        RoundedTwin(network).Predict(images, expected);
        network.PredictBfloat16(images, actual);
        // The same rounded weights in float: only the order of the float sums differs (784 terms of magnitude <= 1).
        Numerics.AssertClose(expected, actual, 1e-5, 1e-4, when);
    }

    [Fact]
    public void PredictBfloat16_EqualsFloatPredictOfTheRoundedWeights()
    {
        var network = new Bfloat16MnistMlp();
        float[] images = Numerics.Random(70 * Bfloat16MnistMlp.InputSize, 5, 0f, 1f); // 64 + 6: two chunks
        AssertMatchesRoundedTwin(network, images, "fresh network");
    }

    [Fact]
    public void PredictBfloat16_OneDenseLayer_StaysWithinTheBfloat16Bound()
    {
        // Rounding each weight errs by at most 2^-9 of it, so each output errs by at most 2^-9 * sum_k |w_k x_k|,
        // plus the float sums' own rounding (300 terms: < 1e-5 here).
        var network = new Bfloat16Regression();
        const int samples = 4;
        float[] inputs = Numerics.Random(samples * Bfloat16Regression.InputSize, 6);
        float[] exact = new float[samples * Bfloat16Regression.OutputSize], reduced = new float[exact.Length];
        network.Predict(inputs, exact);
        network.PredictBfloat16(inputs, reduced);
        ReadOnlySpan<float> weight = network.Dense1Weight;
        int loose = 0;
        for (int s = 0; s < samples; s++)
        {
            for (int n = 0; n < Bfloat16Regression.OutputSize; n++)
            {
                double bound = 0;
                for (int k = 0; k < Bfloat16Regression.InputSize; k++)
                    bound += Math.Abs(weight[n * Bfloat16Regression.InputSize + k] * inputs[s * Bfloat16Regression.InputSize + k]);
                bound = bound / 512 + 1e-5;
                double error = Math.Abs(exact[s * Bfloat16Regression.OutputSize + n] - reduced[s * Bfloat16Regression.OutputSize + n]);
                Assert.True(error <= bound, $"sample {s}, output {n}: |float - bfloat16| = {error:G3} > bound {bound:G3}");
                if (error > 1e-6) loose++;
            }
        }

        Assert.True(loose > 0, "bfloat16 rounding should change some output: is PredictBfloat16 reading the float weights?");
    }

    [Fact]
    public void PredictBfloat16_FollowsEveryChangeOfTheFloatWeights()
    {
        var network = new Bfloat16MnistMlp();
        float[] images = Numerics.Random(3 * Bfloat16MnistMlp.InputSize, 7, 0f, 1f);
        var probabilities = new float[3 * Bfloat16MnistMlp.OutputSize];
        network.PredictBfloat16(images, probabilities);

        // A training step.
        float[] batch = Numerics.Random(Bfloat16MnistMlp.BatchSize * Bfloat16MnistMlp.InputSize, 8, 0f, 1f);
        int[] labels = Enumerable.Range(0, Bfloat16MnistMlp.BatchSize).Select(i => i % 10).ToArray();
        network.TrainStep(batch, labels);
        AssertMatchesRoundedTwin(network, images, "after TrainStep");

        // A write through a layer's weight span, and through Parameters.
        network.Dense1Weight.Fill(0.01f);
        AssertMatchesRoundedTwin(network, images, "after writing Dense1Weight");
        network.Parameters[Bfloat16MnistMlp.ParameterCount - 20] = 3f; // in Dense3's weight
        AssertMatchesRoundedTwin(network, images, "after writing Parameters");

        // ResetParameters and a checkpoint load.
        string path = Path.Combine(Path.GetTempPath(), $"netgen-bf16-{Environment.ProcessId}.safetensors");
        try
        {
            network.SaveCheckpoint(path);
            network.ResetParameters(seed: 9);
            AssertMatchesRoundedTwin(network, images, "after ResetParameters");
            network.LoadCheckpoint(path);
            AssertMatchesRoundedTwin(network, images, "after LoadCheckpoint");
        }
        finally
        {
            File.Delete(path);
        }

        // A span taken before the call and written after it: RefreshBfloat16Weights brings the copy in step.
        Span<float> held = network.Dense2Weight;
        network.PredictBfloat16(images, probabilities);
        held.Fill(-0.02f);
        network.RefreshBfloat16Weights();
        AssertMatchesRoundedTwin(network, images, "after RefreshBfloat16Weights");
    }

    [Fact]
    public void PredictBfloat16_AllocatesNothing()
    {
        var network = new Bfloat16MnistMlp();
        float[] one = Numerics.Random(Bfloat16MnistMlp.InputSize, 9, 0f, 1f), many = Numerics.Random(64 * Bfloat16MnistMlp.InputSize, 10, 0f, 1f);
        float[] scores = new float[Bfloat16MnistMlp.OutputSize], manyScores = new float[64 * Bfloat16MnistMlp.OutputSize];
        network.PredictBfloat16(one, scores); // converts the weights once, warms up the JIT and the worker pool
        network.PredictBfloat16(many, manyScores);
        // Only this thread is measured: other test classes run concurrently (the worker pool's threads allocate nothing either:
        // the benchmark app measures the whole process).
        Assert.Equal(0, SteadyAllocation.Bytes(() =>
        {
            for (int i = 0; i < 10; i++) network.PredictBfloat16(one, scores);
            network.PredictBfloat16(many, manyScores);
        }));
    }

    [Fact]
    public void PredictBfloat16_WrongLengths_ThrowNamingTheMethod()
    {
        var network = new Bfloat16MnistMlp();
        var inputs = Assert.Throws<ArgumentException>(() => network.PredictBfloat16(new float[100], new float[10]));
        Assert.Contains("Bfloat16MnistMlp.PredictBfloat16", inputs.Message);
        Assert.Equal("inputs", inputs.ParamName);
        var outputs = Assert.Throws<ArgumentException>(() => network.PredictBfloat16(new float[784], new float[9]));
        Assert.Equal("outputs", outputs.ParamName);
    }

    [Fact]
    public void Mnist_Bfloat16Accuracy_StaysWithinHalfAPointOfFloat()
    {
        MnistDataset data = MnistDataset.Load(TestPaths.MnistFolder);
        var network = new Bfloat16MnistMlp();
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, labelSize: 1, Bfloat16MnistMlp.BatchSize, seed: 1);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount; b++)
            {
                batches.GetBatch(b, out ReadOnlySpan<float> images, out ReadOnlySpan<int> labels);
                network.TrainStep(images, labels);
            }
        }

        double floatAccuracy = network.Evaluate(data.TestImages, data.TestLabels).Accuracy;
        var probabilities = new float[data.TestCount * Bfloat16MnistMlp.OutputSize];
        network.PredictBfloat16(data.TestImages, probabilities);
        double bfloat16Accuracy = (double)Losses.CountCorrect(probabilities, data.TestLabels, data.TestCount, Bfloat16MnistMlp.OutputSize) / data.TestCount;
        Assert.True(floatAccuracy > 0.85, $"float accuracy {floatAccuracy:P2} after 2 epochs: the network did not learn");
        Assert.True(Math.Abs(floatAccuracy - bfloat16Accuracy) <= 0.005,
            $"float {floatAccuracy:P2}, bfloat16 {bfloat16Accuracy:P2} on {data.TestCount} test digits");
    }
}
