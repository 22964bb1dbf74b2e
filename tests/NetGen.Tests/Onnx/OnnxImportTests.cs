using Microsoft.ML.OnnxRuntime;
using NetGen.Data;
using NetGen.Tests.Data;
using Xunit.Abstractions;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Networks compiled from PyTorch's ONNX files ([OnnxModel], tests/NetGen.Tests/OnnxModels, written by make_models.py):
/// Predict must equal ONNX Runtime's output on the same file within 1e-5 on a batch of the bundled digits (both compute
/// in float32 and sum in different orders; a wrong weight layout, a missed bias or running statistic gives 1e-2 or
/// more), training from the imported weights must lower the loss, and ExportOnnx of the imported network must run in
/// ONNX Runtime with Predict's outputs.
/// </summary>
public sealed class OnnxImportTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;
    private const int Samples = 40; // more than BatchSize (16): Predict runs it in chunks

    private static readonly Lazy<MnistDataset> Digits = new(() => MnistDataset.Load(TestPaths.MnistFolder));

    private static string Model(string name) => Path.Combine(TestPaths.RepoRoot, "tests", "NetGen.Tests", "OnnxModels", name);

    private static float[] OnnxRuntime(string model, float[] inputs, long[] shape)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private float AssertClose(string what, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{what}: output {i} is {actual[i]}");
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"{what}: max |NetGen - ONNX Runtime| = {max:E2} over {expected.Length} outputs");
        Assert.True(max <= Tolerance, $"{what}: max |diff| {max:E2} exceeds {Tolerance:E0}");
        return max;
    }

    /// <summary>Predict on the first test digits against ONNX Runtime on the file, then the round trip through ExportOnnx.</summary>
    private void PredictMatchesOnnxRuntime<TNetwork>(TNetwork network, string file, long[] sampleShape) where TNetwork : INetwork<int>
    {
        float[] images = Digits.Value.TestImages.AsSpan(0, Samples * MnistDataset.ImageSize).ToArray();
        float[] predicted = new float[Samples * 10];
        network.Predict(images, predicted);
        long[] shape = [Samples, .. sampleShape];
        AssertClose(typeof(TNetwork).Name + " vs " + file, OnnxRuntime(Model(file), images, shape), predicted);

        using var folder = new TemporaryFolder();
        string exported = folder.File("exported.onnx");
        ExportOnnx(network, exported);
        AssertClose(typeof(TNetwork).Name + " exported again", predicted, OnnxRuntime(exported, images, shape));
    }

    private static void ExportOnnx<TNetwork>(TNetwork network, string path)
    {
        // ExportOnnx is a generated member, not on INetwork.
        typeof(TNetwork).GetMethod("ExportOnnx", [typeof(string)])!.Invoke(network, [path]);
    }

    /// <summary>A few epochs' worth of steps on the bundled training digits: the loss on held-out digits goes down.</summary>
    private void FineTuningLowersTheLoss<TNetwork>(TNetwork network, int steps, int batchSize, double factor = 0.7) where TNetwork : INetwork<int>
    {
        MnistDataset digits = Digits.Value;
        float[] heldOut = digits.TestImages.AsSpan(0, 500 * MnistDataset.ImageSize).ToArray();
        int[] heldOutLabels = digits.TestLabels.AsSpan(0, 500).ToArray();
        double before = network.Evaluate(heldOut, heldOutLabels).Loss;
        for (int step = 0; step < steps; step++)
        {
            int start = step * batchSize % (digits.TrainCount - batchSize);
            network.TrainStep(digits.TrainImages.AsSpan(start * MnistDataset.ImageSize, batchSize * MnistDataset.ImageSize), digits.TrainLabels.AsSpan(start, batchSize));
        }

        Evaluation after = network.Evaluate(heldOut, heldOutLabels);
        output.WriteLine($"{typeof(TNetwork).Name}: held-out loss {before:F4} -> {after.Loss:F4} after {steps} steps (accuracy {after.Accuracy:P1})");
        Assert.True(after.Loss < before * factor, $"{typeof(TNetwork).Name}: loss {before:F4} -> {after.Loss:F4}, not below {factor} times");
    }

    [Fact]
    public void Mlp_GemmWithFusedReluAndTanh_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedMlp(), "mlp.onnx", [784]);

    [Fact]
    public void LeNet5_ConvPoolFlattenGemm_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedLeNet5(), "lenet5.onnx", [1, 28, 28]);

    [Fact]
    public void ResidualCnn_BatchNormAddAndPooling_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedResidualCnn(), "residual_cnn.onnx", [1, 28, 28]);

    [Fact]
    public void Branches_ConcatGlobalPoolAndFusedActivations_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedBranches(), "branches.onnx", [1, 28, 28]);

    [Fact]
    public void LstmOverDigitRows_GatesPermutedFromOnnx_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedLstmRows(), "lstm_rows.onnx", [28, 28]);

    [Fact]
    public void GruOverDigitRows_GatesPermutedFromOnnx_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedGruRows(), "gru_rows.onnx", [28, 28]);

    [Fact]
    public void ImportedLstmRows_FineTunes() => FineTuningLowersTheLoss(new ImportedLstmRows(), 150, ImportedLstmRows.BatchSize);

    [Fact]
    public void ImportedGruRows_FineTunes() => FineTuningLowersTheLoss(new ImportedGruRows(), 150, ImportedGruRows.BatchSize);

    private static int[] Tokens(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(20)).ToArray();
    }

    // The synthetic task the token model fine-tunes on: the class is the last token modulo 4.
    private static int[] LastTokenClasses(int[] tokens) => Enumerable.Range(0, tokens.Length / 12).Select(i => tokens[i * 12 + 11] % 4).ToArray();

    [Fact]
    public void EmbeddingGruLstmTokenModel_PredictMatchesOnnxRuntime_AndFineTunes()
    {
        var network = new ImportedTokenGru();
        int[] tokens = Tokens(Samples * 12, 1);
        float[] predicted = new float[Samples * 4];
        network.Predict(tokens, predicted);
        using (var session = new InferenceSession(Model("token_gru.onnx")))
        using (var runOptions = new RunOptions())
        using (OrtValue input = OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), [Samples, 12]))
        using (IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]))
        {
            AssertClose("ImportedTokenGru vs token_gru.onnx", results[0].GetTensorDataAsSpan<float>().ToArray(), predicted);
        }

        int[] heldOut = Tokens(400 * 12, 2);
        double before = network.Evaluate(heldOut, LastTokenClasses(heldOut)).Loss;
        for (int step = 0; step < 300; step++)
        {
            int[] batch = Tokens(ImportedTokenGru.BatchSize * 12, 100 + step);
            network.TrainStep(batch, LastTokenClasses(batch));
        }

        Evaluation after = network.Evaluate(heldOut, LastTokenClasses(heldOut));
        output.WriteLine($"ImportedTokenGru: held-out loss {before:F4} -> {after.Loss:F4} after 300 steps (accuracy {after.Accuracy:P1})");
        Assert.True(after.Loss < before * 0.7, $"loss {before:F4} -> {after.Loss:F4}");
    }

    [Fact]
    public void LayerNormGeluMlp_Opset17LayerNormalizationAndErfGelu_PredictMatchesOnnxRuntimeAndExportRoundTrips() =>
        PredictMatchesOnnxRuntime(new ImportedLayerNormMlp(), "layernorm_mlp.onnx", [784]);

    [Fact]
    public void ImportedLayerNormMlp_FineTunes() => FineTuningLowersTheLoss(new ImportedLayerNormMlp(), 150, ImportedLayerNormMlp.BatchSize);

    [Fact]
    public void ImportedMlp_FineTunes() => FineTuningLowersTheLoss(new ImportedMlp(), 150, ImportedMlp.BatchSize);

    [Fact]
    public void ImportedLeNet5_FineTunes() => FineTuningLowersTheLoss(new ImportedLeNet5(), 100, ImportedLeNet5.BatchSize);

    [Fact]
    public void ImportedResidualCnn_FineTunes() => FineTuningLowersTheLoss(new ImportedResidualCnn(), 100, ImportedResidualCnn.BatchSize);

    [Fact]
    public void ImportedBranches_FineTunes() => // sigmoid and softplus in the head: slower from PyTorch's initialization
        FineTuningLowersTheLoss(new ImportedBranches(), 400, ImportedBranches.BatchSize, factor: 0.9);

    [Fact]
    public void ImportedWeights_AreTheFileInitializersUnderTheirPyTorchNames()
    {
        var network = new ImportedLeNet5();
        Assert.Equal(6 * 25, network.Conv1Weight.Length);
        Assert.Equal(10 * 84, network.Fc3Weight.Length);
        // ResetParameters goes back to the file's weights, whatever the seed.
        float first = network.Fc3Weight[0];
        network.ResetParameters(seed: 42);
        Assert.Equal(first, network.Fc3Weight[0]);
        Assert.NotEqual(0f, first);
    }
}
