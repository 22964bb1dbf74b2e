using System.Runtime.CompilerServices;
using Microsoft.ML.OnnxRuntime;

namespace NetGen.Tests.Networks;

/// <summary>
/// Networks declared as graphs, end to end: gradients against a double-precision reference of the same graph, joins
/// and projections in convolutions, learning, checkpoint names as PyTorch's, ONNX export.
/// </summary>
public sealed class GraphNetworkTests
{
    private static float[] Uniform(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextUniform(-1, 1);
        return values;
    }

    // ---- A double-precision reference of GraphGradientNet, written out layer by layer. ----

    private static double[] Dense(double[] x, int rows, int inputs, ReadOnlySpan<double> p, int weight, int bias, int units, bool tanh)
    {
        var y = new double[rows * units];
        for (int r = 0; r < rows; r++)
        {
            for (int u = 0; u < units; u++)
            {
                double sum = bias < 0 ? 0 : p[bias + u];
                for (int i = 0; i < inputs; i++) sum += x[r * inputs + i] * p[weight + u * inputs + i];
                y[r * units + u] = tanh ? Math.Tanh(sum) : sum;
            }
        }

        return y;
    }

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    /// <summary>GraphGradientNet's mean softmax cross-entropy in double, its parameters read at the generated offsets.</summary>
    private static double ReferenceLoss(GraphGradientNet net, ReadOnlySpan<double> p, float[] inputs, int[] labels)
    {
        int rows = labels.Length;
        int Offset(Span<float> view) => view.IsEmpty ? -1 : (int)(Unsafe.ByteOffset(ref net.Parameters[0], ref view[0]) / sizeof(float));
        double[] x = inputs.Select(v => (double)v).ToArray();
        double[] stem = Dense(x, rows, 5, p, Offset(net.StemWeight), Offset(net.StemBias), 6, tanh: true);
        double[] h = stem;
        h = Add(Dense(Dense(h, rows, 6, p, Offset(net.Blocks0Dense1Weight), Offset(net.Blocks0Dense1Bias), 6, true), rows, 6, p, Offset(net.Blocks0Dense2Weight), Offset(net.Blocks0Dense2Bias), 6, false), h);
        h = Add(Dense(Dense(h, rows, 6, p, Offset(net.Blocks1Dense1Weight), Offset(net.Blocks1Dense1Bias), 6, true), rows, 6, p, Offset(net.Blocks1Dense2Weight), Offset(net.Blocks1Dense2Bias), 6, false), h);
        double[] side = Dense(stem, rows, 6, p, Offset(net.SideWeight), Offset(net.SideBias), 3, tanh: true);
        var joined = new double[rows * 9];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < 3; i++) joined[r * 9 + i] = side[r * 3 + i];
            for (int i = 0; i < 6; i++) joined[r * 9 + 3 + i] = h[r * 6 + i];
        }

        double[] branch = Dense(joined, rows, 9, p, Offset(net.Dense3Weight), Offset(net.Dense3Bias), 4, tanh: true);
        double[] shortcut = Dense(joined, rows, 9, p, Offset(net.Projection1Weight), bias: -1, 4, tanh: false);
        double[] logits = Dense(Add(branch, shortcut), rows, 4, p, Offset(net.Dense4Weight), Offset(net.Dense4Bias), 3, tanh: false);
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = logits.Skip(r * 3).Take(3).Max();
            double sum = logits.Skip(r * 3).Take(3).Sum(v => Math.Exp(v - max));
            loss += Math.Log(sum) + max - logits[r * 3 + labels[r]];
        }

        return loss / rows;
    }

    [Fact]
    public void ResidualBlockConcatProjection_GradientsMatchFiniteDifferencesOfADoubleReference()
    {
        var net = new GraphGradientNet();
        float[] inputs = Uniform(GraphGradientNet.BatchSize * GraphGradientNet.InputSize, 11);
        int[] labels = [0, 2, 1, 2];
        float loss = net.ComputeGradients(inputs, labels);
        float[] analytic = net.Gradients.ToArray();
        double[] p = net.Parameters.ToArray().Select(v => (double)v).ToArray();

        // The forward pass agrees with the reference to float rounding.
        Assert.Equal(ReferenceLoss(net, p, inputs, labels), loss, 1e-5);

        // Central differences in double (step 1e-6, truncation error ~1e-12): each analytic float gradient within
        // 1e-5 absolute + 1e-3 relative, where a wiring mistake (a gradient not accumulated, a wrong join) is off by O(1).
        const double Step = 1e-6;
        int nonZero = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + Step;
            double plus = ReferenceLoss(net, p, inputs, labels);
            p[i] = saved - Step;
            double minus = ReferenceLoss(net, p, inputs, labels);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-5 + 1e-3 * Math.Abs(numeric), $"parameter {i}: analytic {analytic[i]}, numeric {numeric}");
            if (Math.Abs(numeric) > 1e-6) nonZero++;
        }

        // Every parameter takes part, the stem's (reached through both branches and two residual blocks) included.
        Assert.True(nonZero >= p.Length * 9 / 10, $"only {nonZero} of {p.Length} gradients are non-zero");
    }

    [Fact]
    public void ResidualConvolutionWithProjectionAndChannelConcat_GradientsMatchFiniteDifferences()
    {
        var net = new ResidualConvGradientNet();
        float[] inputs = Uniform(3 * ResidualConvGradientNet.InputSize, 7);
        int[] labels = [2, 0, 1];
        net.ComputeGradients(inputs, labels);
        float[] analytic = net.Gradients.ToArray();
        int checkedCount = NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic, () => net.ComputeLoss(inputs, labels),
            absolute: 5e-4, relative: 1e-2, epsilon: 1e-3f);
        Assert.Equal(ResidualConvGradientNet.ParameterCount, checkedCount);
        // The 1x1 stride-2 shortcut: 4 filters x 3 channels, no bias.
        Assert.Equal(12, net.Projection1Weight.Length);
        Assert.Equal(0, net.Projection1Bias.Length);
    }

    [Fact]
    public void PartialBatch_GradientsEqualThoseOfTheSameRowsInAFullBatchNetwork()
    {
        // Rows beyond the call's must never leak into a join: two rows alone give the gradient of those two rows.
        float[] inputs = Uniform(GraphGradientNet.BatchSize * GraphGradientNet.InputSize, 5);
        var twoRows = new GraphGradientNet();
        twoRows.ComputeGradients(inputs.AsSpan(0, 2 * GraphGradientNet.InputSize), [1, 0]);
        var reference = new GraphGradientNet();
        double[] p = reference.Parameters.ToArray().Select(v => (double)v).ToArray();
        double expected = ReferenceLoss(reference, p, inputs.Take(2 * GraphGradientNet.InputSize).ToArray(), [1, 0]);
        Assert.Equal(expected, twoRows.ComputeLoss(inputs.AsSpan(0, 2 * GraphGradientNet.InputSize), [1, 0]), 1e-5);
    }

    [Fact]
    public void ResidualMlp_Learns()
    {
        // Four classes from the sign pattern of the first two of 16 features.
        var net = new ResidualMlpNet();
        float[] inputs = Uniform(512 * ResidualMlpNet.InputSize, 3);
        int[] labels = Enumerable.Range(0, 512).Select(i => (inputs[i * 16] > 0 ? 1 : 0) + (inputs[i * 16 + 1] > 0 ? 2 : 0)).ToArray();
        double first = net.Evaluate(inputs, labels).Loss;
        for (int epoch = 0; epoch < 20; epoch++)
        {
            for (int start = 0; start < 512; start += ResidualMlpNet.BatchSize)
            {
                net.TrainStep(inputs.AsSpan(start * 16, ResidualMlpNet.BatchSize * 16), labels.AsSpan(start, ResidualMlpNet.BatchSize));
            }
        }

        Evaluation after = net.Evaluate(inputs, labels);
        Assert.True(after.Loss < first / 4, $"loss {first} -> {after.Loss}");
        Assert.True(after.Accuracy > 0.95, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void Checkpoint_NamesBlockCopiesAsPyTorchModuleList_AndRoundTrips()
    {
        var net = new GraphGradientNet();
        using var folder = new Data.TemporaryFolder();
        string path = folder.File("graph.safetensors");
        net.TrainStep(Uniform(4 * 5, 1), [0, 1, 2, 0]);
        net.SaveCheckpoint(path);
        List<string> names;
        using (var reader = NetGen.Checkpoints.SafetensorsReader.Open(path)) names = reader.Tensors.Select(t => t.Name).ToList();
        Assert.Contains("stem.weight", names);
        Assert.Contains("blocks.0.dense1.weight", names);
        Assert.Contains("blocks.1.dense2.bias", names);
        Assert.Contains("side.weight", names);
        Assert.Contains("projection1.weight", names);
        Assert.DoesNotContain("projection1.bias", names);

        var loaded = new GraphGradientNet();
        loaded.LoadCheckpoint(path);
        Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(net.OptimizerState.ToArray(), loaded.OptimizerState.ToArray());
    }

    [Fact]
    public void GradientNorms_HaveOneEntryPerParameterLayerWithNestedNames()
    {
        Assert.Equal(["Stem", "Blocks0Dense1", "Blocks0Dense2", "Blocks1Dense1", "Blocks1Dense2", "Side", "Dense3", "Projection1", "Dense4"],
            GraphGradientNet.ParameterLayers);
    }

    [Fact]
    public void OnnxExport_OfResidualConvolutionWithConcat_MatchesPredictInOnnxRuntime()
    {
        var net = new ResidualConvGradientNet();
        float[] train = Uniform(3 * ResidualConvGradientNet.InputSize, 2);
        for (int step = 0; step < 5; step++) net.TrainStep(train, [0, 1, 2]);

        const int Samples = 5;
        float[] inputs = Uniform(Samples * ResidualConvGradientNet.InputSize, 9);
        var expected = new float[Samples * ResidualConvGradientNet.OutputSize];
        net.Predict(inputs, expected);
        using var folder = new Data.TemporaryFolder();
        string path = folder.File("graph.onnx");
        net.ExportOnnx(path);

        using var session = new InferenceSession(path);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, new long[] { Samples, 2, 7, 7 });
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        float max = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-6f, $"max |Predict - ONNX Runtime| = {max:E2}");
    }

    [Fact]
    public void OnnxExport_OfRepeatedBlocksWithNestedNames_MatchesPredictInOnnxRuntime()
    {
        var net = new GraphGradientNet();
        for (int step = 0; step < 5; step++) net.TrainStep(Uniform(4 * 5, step), [0, 1, 2, 0]);

        const int Samples = 7;
        float[] inputs = Uniform(Samples * GraphGradientNet.InputSize, 9);
        var expected = new float[Samples * GraphGradientNet.OutputSize];
        net.Predict(inputs, expected);
        using var folder = new Data.TemporaryFolder();
        string path = folder.File("blocks.onnx");
        net.ExportOnnx(path);

        using var session = new InferenceSession(path);
        Assert.Contains("blocks.1.dense2.weight", session.OverridableInitializerMetadata.Keys.Concat(ReadInitializerNames(path)));
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, new long[] { Samples, GraphGradientNet.InputSize });
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        float max = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-6f, $"max |Predict - ONNX Runtime| = {max:E2}");
    }

    /// <summary>The initializer names in the file: each appears as text in the protobuf.</summary>
    private static IEnumerable<string> ReadInitializerNames(string path)
    {
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        return new[] { "blocks.0.dense1.weight", "blocks.1.dense2.weight", "projection1.weight" }.Where(text.Contains);
    }
}
