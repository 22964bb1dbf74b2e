using Microsoft.ML.OnnxRuntime;

namespace NetGen.Tests.Networks;

/// <summary>A small convolutional autoencoder: encode 1x6x6 to 2x3x3, upsample back, reconstruct.</summary>
[Network(BatchSize = 4, Seed = 3)]
[Input(1, 6, 6)]
[Conv2D(2, 3, Padding = 1, Activation = Activation.Tanh)]
[AvgPool2D(2)]
[UpSampling2D(2)]
[Conv2D(1, 3, Padding = 1)]
[Flatten]
[MeanSquaredError]
[Adam(LearningRate = 1e-2)]
public partial class NearestAutoencoder;

/// <summary>The same with bilinear upsampling and different factors in height and width.</summary>
[Network(BatchSize = 4, Seed = 3)]
[Input(1, 6, 6)]
[Conv2D(2, 3, Padding = 1, Activation = Activation.Tanh)]
[AvgPool2D(2)]
[UpSampling2D(2, 3, Mode = UpSamplingMode.Bilinear)]
[Conv2D(1, 3, Padding = 1)]
[Flatten]
[Dense(36)]
[MeanSquaredError]
[Adam(LearningRate = 1e-2)]
public partial class BilinearAutoencoder;

/// <summary>[UpSampling2D] in generated networks: gradients, learning, and ONNX export against ONNX Runtime.</summary>
public sealed class UpSamplingNetworkTests
{
    private static float[] Uniform(int count, int seed)
    {
        var rng = new Rng((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = rng.NextUniform(-1, 1);
        return values;
    }

    private static void AssertGradients(INetwork<float> net, int seed)
    {
        float[] inputs = Uniform(4 * net.InputSize, seed);
        float[] targets = Uniform(4 * net.OutputSize, seed + 1);
        net.ComputeGradients(inputs, targets);
        float[] analytic = net.Gradients.ToArray();
        int checkedCount = NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic, () => net.ComputeLoss(inputs, targets),
            absolute: 5e-4, relative: 1e-2, epsilon: 1e-3f);
        Assert.Equal(net.ParameterCount, checkedCount);
        // The encoder's gradient passes back through the upsampling.
        Assert.Contains(analytic.Take(20), g => Math.Abs(g) > 1e-5);
    }

    [Fact]
    public void NearestUpsampling_GradientsMatchFiniteDifferences() => AssertGradients(new NearestAutoencoder(), 1);

    [Fact]
    public void BilinearUpsamplingWithTwoFactors_GradientsMatchFiniteDifferences() => AssertGradients(new BilinearAutoencoder(), 2);

    [Fact]
    public void Autoencoder_LearnsToReconstruct()
    {
        // Smooth 6x6 images: a bright blob at one of four places.
        var net = new NearestAutoencoder();
        var images = new float[64 * 36];
        for (int n = 0; n < 64; n++)
        {
            int cy = 1 + 3 * (n % 2), cx = 1 + 3 * (n / 2 % 2);
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 6; x++) images[n * 36 + y * 6 + x] = MathF.Exp(-((y - cy) * (y - cy) + (x - cx) * (x - cx)) / 2f);
            }
        }

        double first = net.Evaluate(images, images).Loss;
        for (int step = 0; step < 400; step++)
        {
            int start = step % 16 * 4;
            net.TrainStep(images.AsSpan(start * 36, 4 * 36), images.AsSpan(start * 36, 4 * 36));
        }

        double last = net.Evaluate(images, images).Loss;
        Assert.True(last < first / 10, $"reconstruction loss {first} -> {last}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnnxExport_MatchesPredictInOnnxRuntime(bool bilinear)
    {
        INetwork<float> net = bilinear ? new BilinearAutoencoder() : new NearestAutoencoder();
        for (int step = 0; step < 3; step++) net.TrainStep(Uniform(4 * 36, step), Uniform(4 * net.OutputSize, step + 9));
        const int Samples = 5;
        float[] inputs = Uniform(Samples * 36, 7);
        var expected = new float[Samples * net.OutputSize];
        net.Predict(inputs, expected);

        using var folder = new Data.TemporaryFolder();
        string path = folder.File("upsampling.onnx");
        if (net is NearestAutoencoder nearest) nearest.ExportOnnx(path);
        else ((BilinearAutoencoder)net).ExportOnnx(path);
        using var session = new InferenceSession(path);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, new long[] { Samples, 1, 6, 6 });
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        float max = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(max <= 1e-6f, $"max |Predict - ONNX Runtime| = {max:E2}");
    }
}
