using Microsoft.ML.OnnxRuntime;
using NetGen.Tests.Data;
using NetGen.Tests.Networks;
using Xunit.Abstractions;

namespace NetGen.Tests.Onnx;

/// <summary>
/// Trained networks exported with the generated <c>ExportOnnx</c>, loaded in ONNX Runtime and run on a batch whose
/// size is neither the network's batch size nor 1 (the batch dimension is symbolic): the outputs must match
/// NetGen's <c>Predict</c>. Tolerance 1e-6 absolute on probabilities and regression outputs of order 1: both sides
/// compute in float32 but sum products in different orders (ONNX Runtime's MLAS GEMM and convolution vs NetGen's
/// packed kernels) and use different erf/exp/tanh approximations. Measured: 3e-8 to 1.5e-7 (a few float ulps);
/// a wrong gate order or reset convention gives 4e-3 to 4e-2, so the bound separates right from wrong by 4 decades.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-6f;

    private static float[] Floats(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (random.NextSingle() * 2 - 1) * scale;
        return values;
    }

    private static int[] Ints(int count, int exclusiveMax, int seed)
    {
        var random = new Random(seed);
        int[] values = new int[count];
        for (int i = 0; i < count; i++) values[i] = random.Next(exclusiveMax);
        return values;
    }

    private static float[] Run(string model, OrtValue input)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] Run(string model, float[] inputs, long[] shape)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        return Run(model, input);
    }

    private static float[] Run(string model, int[] tokens, long[] shape)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(tokens.Select(t => (long)t).ToArray(), shape);
        return Run(model, input);
    }

    private float AssertClose(string network, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"{network}: ONNX output {i} is {actual[i]}");
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"{network}: max |Predict - ONNX Runtime| = {max:E2} over {expected.Length} outputs");
        Assert.True(max <= Tolerance, $"{network}: max |diff| {max:E2} exceeds {Tolerance:E0}");
        return max;
    }

    [Fact]
    public void Mlp_WithEveryActivationDropoutAndNormalization_MatchesPredictInOnnxRuntime()
    {
        var net = new OnnxMlpNet();
        float[] inputs = Floats(64 * OnnxMlpNet.InputSize, 1);
        int[] labels = Ints(64, OnnxMlpNet.OutputSize, 2);
        for (int step = 0; step < 30; step++)
        {
            int start = step % 8 * OnnxMlpNet.BatchSize;
            net.TrainStep(inputs.AsSpan(start * OnnxMlpNet.InputSize, OnnxMlpNet.BatchSize * OnnxMlpNet.InputSize), labels.AsSpan(start, OnnxMlpNet.BatchSize));
        }

        Assert.Contains(net.Statistics.ToArray(), s => s != 0 && s != 1); // the running statistics moved

        const int Samples = 13;
        float[] batch = Floats(Samples * OnnxMlpNet.InputSize, 3, scale: 2);
        float[] expected = new float[Samples * OnnxMlpNet.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        string path = folder.File("mlp.onnx");
        net.ExportOnnx(path);
        AssertClose(nameof(OnnxMlpNet), expected, Run(path, batch, [Samples, OnnxMlpNet.InputSize]));
    }

    [Fact]
    public void LeNetWithBatchNormAndPooling_MatchesPredictInOnnxRuntime()
    {
        var net = new OnnxLeNet();
        float[] images = Floats(32 * OnnxLeNet.InputSize, 4);
        int[] labels = Ints(32, OnnxLeNet.OutputSize, 5);
        for (int step = 0; step < 6; step++)
        {
            int start = step % 2 * OnnxLeNet.BatchSize;
            net.TrainStep(images.AsSpan(start * OnnxLeNet.InputSize, OnnxLeNet.BatchSize * OnnxLeNet.InputSize), labels.AsSpan(start, OnnxLeNet.BatchSize));
        }

        const int Samples = 21;
        float[] batch = Floats(Samples * OnnxLeNet.InputSize, 6);
        float[] expected = new float[Samples * OnnxLeNet.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        string path = folder.File("lenet.onnx");
        net.ExportOnnx(path);
        AssertClose(nameof(OnnxLeNet), expected, Run(path, batch, [Samples, 1, 16, 16]));
    }

    [Fact]
    public void ConvNetsWithDilationStridesSamePaddingReshapeAndGlobalPool_MatchPredictInOnnxRuntime()
    {
        using var folder = new TemporaryFolder();

        var conv = new ConvGradientNet();
        float[] convInputs = Floats(ConvGradientNet.BatchSize * ConvGradientNet.InputSize, 7);
        for (int step = 0; step < 4; step++) conv.TrainStep(convInputs, [0, 2, 1]);
        float[] convBatch = Floats(5 * ConvGradientNet.InputSize, 8);
        float[] convExpected = new float[5 * ConvGradientNet.OutputSize];
        conv.Predict(convBatch, convExpected);
        conv.ExportOnnx(folder.File("conv.onnx"));
        AssertClose(nameof(ConvGradientNet), convExpected, Run(folder.File("conv.onnx"), convBatch, [5, 2, 9, 7]));

        var strided = new StridedConvGradientNet();
        float[] stridedInputs = Floats(StridedConvGradientNet.BatchSize * StridedConvGradientNet.InputSize, 9);
        for (int step = 0; step < 4; step++) strided.TrainStep(stridedInputs, [1, 2]);
        float[] stridedBatch = Floats(3 * StridedConvGradientNet.InputSize, 10);
        float[] stridedExpected = new float[3 * StridedConvGradientNet.OutputSize];
        strided.Predict(stridedBatch, stridedExpected);
        strided.ExportOnnx(folder.File("strided.onnx"));
        AssertClose(nameof(StridedConvGradientNet), stridedExpected, Run(folder.File("strided.onnx"), stridedBatch, [3, StridedConvGradientNet.InputSize]));

        // Keras's same padding, one side more than the other: ONNX's pads [top, left, bottom, right] carry it.
        var keras = new KerasSamePaddingNet();
        float[] kerasInputs = Floats(KerasSamePaddingNet.BatchSize * KerasSamePaddingNet.InputSize, 11);
        for (int step = 0; step < 4; step++) keras.TrainStep(kerasInputs, [2, 0]);
        float[] kerasBatch = Floats(3 * KerasSamePaddingNet.InputSize, 12);
        float[] kerasExpected = new float[3 * KerasSamePaddingNet.OutputSize];
        keras.Predict(kerasBatch, kerasExpected);
        keras.ExportOnnx(folder.File("keras.onnx"));
        AssertClose(nameof(KerasSamePaddingNet), kerasExpected, Run(folder.File("keras.onnx"), kerasBatch, [3, 2, 9, 8]));
    }

    [Fact]
    public void EmbeddingLstmGruSimpleRnnSequence_MatchesPredictPerStepInOnnxRuntime()
    {
        var net = new OnnxSequenceNet();
        int[] tokens = Ints(OnnxSequenceNet.BatchSize * OnnxSequenceNet.InputSize, 11, 11);
        int[] labels = Ints(OnnxSequenceNet.BatchSize * OnnxSequenceNet.OutputSteps, 11, 12);
        for (int step = 0; step < 10; step++) net.TrainStep(tokens, labels);

        const int Samples = 6;
        int[] batch = Ints(Samples * OnnxSequenceNet.InputSize, 11, 13);
        float[] expected = new float[Samples * OnnxSequenceNet.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        string path = folder.File("sequence.onnx");
        net.ExportOnnx(path);
        AssertClose(nameof(OnnxSequenceNet), expected, Run(path, batch, [Samples, OnnxSequenceNet.InputSize]));
    }

    [Fact]
    public void LastStateRecurrentNets_MatchPredictInOnnxRuntime()
    {
        using var folder = new TemporaryFolder();

        var gru = new OnnxGruLastStateNet();
        int[] tokens = Ints(OnnxGruLastStateNet.BatchSize * OnnxGruLastStateNet.InputSize, 7, 14);
        for (int step = 0; step < 10; step++) gru.TrainStep(tokens, [0, 1, 2, 1]);
        int[] gruBatch = Ints(5 * OnnxGruLastStateNet.InputSize, 7, 15);
        float[] gruExpected = new float[5 * OnnxGruLastStateNet.OutputSize];
        gru.Predict(gruBatch, gruExpected);
        gru.ExportOnnx(folder.File("gru.onnx"));
        AssertClose(nameof(OnnxGruLastStateNet), gruExpected, Run(folder.File("gru.onnx"), gruBatch, [5, OnnxGruLastStateNet.InputSize]));

        // Float sequences: Gru over every step, then an Lstm's last state.
        var lstm = new LastStateGradientCheckNet();
        float[] sequences = Floats(LastStateGradientCheckNet.BatchSize * LastStateGradientCheckNet.InputSize, 16);
        for (int step = 0; step < 10; step++) lstm.TrainStep(sequences, [2, 0]);
        float[] lstmBatch = Floats(7 * LastStateGradientCheckNet.InputSize, 17);
        float[] lstmExpected = new float[7 * LastStateGradientCheckNet.OutputSize];
        lstm.Predict(lstmBatch, lstmExpected);
        lstm.ExportOnnx(folder.File("lstm.onnx"));
        AssertClose(nameof(LastStateGradientCheckNet), lstmExpected, Run(folder.File("lstm.onnx"), lstmBatch, [7, 3, 2]));
    }

    [Fact]
    public void StatefulNet_ExportedFromTheZeroState_MatchesPredictAfterResetState()
    {
        var net = new StatefulShortNet();
        int[] tokens = Ints(StatefulShortNet.BatchSize * StatefulShortNet.InputSize, 6, 22);
        int[] labels = Ints(StatefulShortNet.BatchSize * StatefulShortNet.OutputSteps, 6, 23);
        for (int step = 0; step < 5; step++) net.TrainStep(tokens, labels); // carries state from call to call

        // One chunk of BatchSize samples: Predict would carry the state into a second chunk.
        int[] batch = Ints(StatefulShortNet.BatchSize * StatefulShortNet.InputSize, 6, 24);
        float[] expected = new float[StatefulShortNet.BatchSize * StatefulShortNet.OutputSize];
        net.ResetState();
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        net.ExportOnnx(folder.File("stateful.onnx"));
        AssertClose(nameof(StatefulShortNet), expected, Run(folder.File("stateful.onnx"), batch, [StatefulShortNet.BatchSize, StatefulShortNet.InputSize]));
    }

    [Fact]
    public void Regression_WithSoftmaxLayerPerStepDenseAndLayerNorm_ExportsRawOutputs()
    {
        var net = new OnnxSequenceRegressionNet();
        float[] inputs = Floats(OnnxSequenceRegressionNet.BatchSize * OnnxSequenceRegressionNet.InputSize, 18);
        float[] targets = Floats(OnnxSequenceRegressionNet.BatchSize * OnnxSequenceRegressionNet.OutputSize, 19);
        for (int step = 0; step < 10; step++) net.TrainStep(inputs, targets);

        float[] batch = Floats(9 * OnnxSequenceRegressionNet.InputSize, 20, scale: 3);
        float[] expected = new float[9 * OnnxSequenceRegressionNet.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        net.ExportOnnx(folder.File("regression.onnx"));
        AssertClose(nameof(OnnxSequenceRegressionNet), expected, Run(folder.File("regression.onnx"), batch, [9, 2, 3]));

        var plain = new RegressionNet();
        float[] plainBatch = Floats(4 * RegressionNet.InputSize, 21);
        float[] plainExpected = new float[4 * RegressionNet.OutputSize];
        plain.Predict(plainBatch, plainExpected);
        plain.ExportOnnx(folder.File("plain.onnx"));
        AssertClose(nameof(RegressionNet), plainExpected, Run(folder.File("plain.onnx"), plainBatch, [4, RegressionNet.InputSize]));
    }

    [Fact]
    public void ExportedModel_HasSymbolicBatchDimensionOnInputAndOutput_AndTokenInputIsInt64()
    {
        using var folder = new TemporaryFolder();
        new OnnxLeNet().ExportOnnx(folder.File("lenet.onnx"));
        using (var session = new InferenceSession(folder.File("lenet.onnx")))
        {
            NodeMetadata input = session.InputMetadata["input"];
            NodeMetadata output = session.OutputMetadata["output"];
            Assert.Equal(new[] { -1, 1, 16, 16 }, input.Dimensions);
            Assert.Equal("N", input.SymbolicDimensions[0]);
            Assert.Equal(new[] { -1, 10 }, output.Dimensions);
            Assert.Equal("N", output.SymbolicDimensions[0]);
            Assert.Equal(typeof(float), input.ElementType);
        }

        new OnnxSequenceNet().ExportOnnx(folder.File("sequence.onnx"));
        using (var session = new InferenceSession(folder.File("sequence.onnx")))
        {
            Assert.Equal(typeof(long), session.InputMetadata["input"].ElementType);
            Assert.Equal(new[] { -1, 7 }, session.InputMetadata["input"].Dimensions);
            Assert.Equal(new[] { -1, 7, 11 }, session.OutputMetadata["output"].Dimensions);
        }
    }

    [Fact]
    public void ExportToStream_WritesTheSameBytesAsExportToPath_AndReplacesAnExistingFileWithoutLeftovers()
    {
        var net = new OnnxMlpNet();
        using var folder = new TemporaryFolder();
        string path = folder.File("model.onnx");
        File.WriteAllText(path, "an older file");
        net.ExportOnnx(path);
        using var stream = new MemoryStream();
        net.ExportOnnx(stream);
        Assert.Equal(stream.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.FullPath));
    }
}
