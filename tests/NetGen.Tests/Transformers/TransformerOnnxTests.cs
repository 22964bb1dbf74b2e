using Microsoft.ML.OnnxRuntime;
using NetGen.Tests.Data;
using Xunit.Abstractions;

namespace NetGen.Tests.Transformers;

/// <summary>Attention networks exported with the generated ExportOnnx, run in ONNX Runtime against Predict.</summary>
public sealed class TransformerOnnxTests(ITestOutputHelper output)
{
    // Probabilities in float32 on both sides with different summation orders (ONNX Runtime's MatMul and Softmax), as
    // the other ONNX parity tests; measured 1.2e-7 (TinyGpt) and 4.5e-8 (three heads).
    private const float Tolerance = 1e-6f;

    private static float[] Run(string model, OrtValue input)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private void AssertClose(string network, float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        output.WriteLine($"{network}: max |Predict - ONNX Runtime| = {max:E2} over {expected.Length} outputs");
        Console.WriteLine($"{network}: max |Predict - ONNX Runtime| = {max:E2} over {expected.Length} outputs");
        Assert.True(max <= Tolerance, $"{network}: max |diff| {max:E2} exceeds {Tolerance:E0}");
    }

    [Fact]
    public void TwoBlockGpt_MatchesPredictInOnnxRuntime()
    {
        var net = new TinyGpt();
        var rng = new Rng(3);
        int[] tokens = Enumerable.Range(0, 12).Select(_ => rng.NextInt(11)).ToArray();
        for (int step = 0; step < 10; step++) net.TrainStep(tokens, tokens.Reverse().ToArray());
        const int Samples = 5;
        int[] batch = Enumerable.Range(0, Samples * TinyGpt.InputSize).Select(_ => rng.NextInt(11)).ToArray();
        float[] expected = new float[Samples * TinyGpt.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        net.ExportOnnx(folder.File("gpt.onnx"));
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch.Select(t => (long)t).ToArray(), [Samples, TinyGpt.InputSize]);
        AssertClose(nameof(TinyGpt), expected, Run(folder.File("gpt.onnx"), input));
    }

    [Fact]
    public void UnmaskedAttentionOnFloats_MatchesPredictInOnnxRuntime()
    {
        var net = new UnmaskedThreeHeadNet();
        var rng = new Rng(4);
        const int Samples = 3;
        float[] batch = Enumerable.Range(0, Samples * UnmaskedThreeHeadNet.InputSize).Select(_ => rng.NextUniform(-1, 1)).ToArray();
        float[] expected = new float[Samples * UnmaskedThreeHeadNet.OutputSize];
        net.Predict(batch, expected);
        using var folder = new TemporaryFolder();
        net.ExportOnnx(folder.File("attention.onnx"));
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch, [Samples, 4, 9]);
        AssertClose(nameof(UnmaskedThreeHeadNet), expected, Run(folder.File("attention.onnx"), input));
    }
}
