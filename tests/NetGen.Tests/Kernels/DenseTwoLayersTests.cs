using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>Dense.ForwardTwoLayers (two dense layers in one pass over the cores, the one-sample path) against two reference layers.</summary>
public sealed class DenseTwoLayersTests
{
    [Theory]
    [InlineData(1, 784, 256, 128, Activation.ReLU, Activation.ReLU)]
    [InlineData(1, 784, 256, 10, Activation.ReLU, Activation.Identity)]
    [InlineData(1, 400, 120, 84, Activation.ReLU, Activation.ReLU)]   // LeNet-5's dense layers: split at one row since the pair's threshold
    [InlineData(1, 300, 100, 37, Activation.ReLU, Activation.Identity)] // 33,700 multiply-adds, just above it: segments of 48 and 52 hidden units, masked tails
    [InlineData(3, 129, 63, 17, Activation.Tanh, Activation.Sigmoid)]
    [InlineData(7, 33, 9, 5, Activation.Identity, Activation.ReLU)]
    [InlineData(2, 1000, 300, 256, Activation.Sigmoid, Activation.Tanh)]
    public void Matches_two_reference_layers_and_gives_the_same_bits_for_any_thread_split(int batch, int inputs, int hidden, int units,
        Activation first, Activation second)
    {
        float[] input = Numerics.Random(batch * inputs, 1), weight1 = Numerics.Random(hidden * inputs, 2, -0.1f, 0.1f);
        float[] bias1 = Numerics.Random(hidden, 3), weight2 = Numerics.Random(units * hidden, 4, -0.2f, 0.2f), bias2 = Numerics.Random(units, 5);

        float[] expectedHidden = new float[batch * hidden], expected = new float[batch * units];
        Dense.ForwardReference(input, weight1, bias1, expectedHidden, batch, inputs, hidden);
        Activations.Forward(first, expectedHidden, expectedHidden);
        Dense.ForwardReference(expectedHidden, weight2, bias2, expected, batch, hidden, units);
        Activations.Forward(second, expected, expected);

        float[] hiddenPooled = new float[batch * hidden], pooled = new float[batch * units];
        Dense.ForwardTwoLayers(input, weight1, bias1, first, hiddenPooled, weight2, bias2, second, pooled, batch, inputs, hidden, units);
        for (int i = 0; i < expectedHidden.Length; i++) Assert.True(Math.Abs(expectedHidden[i] - hiddenPooled[i]) <= 1e-4f, $"hidden[{i}]: {hiddenPooled[i]} vs {expectedHidden[i]}");
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - pooled[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"output[{i}]: {pooled[i]} vs {expected[i]}");

        float[] hiddenSequential = new float[batch * hidden], sequential = new float[batch * units];
        Gemm.SequentialParts = 2;
        try
        {
            Dense.ForwardTwoLayers(input, weight1, bias1, first, hiddenSequential, weight2, bias2, second, sequential, batch, inputs, hidden, units);
        }
        finally
        {
            Gemm.SequentialParts = 0;
        }
        Assert.Equal(hiddenPooled, hiddenSequential);
        Assert.Equal(pooled, sequential);
    }

    [Fact]
    public void Layers_without_bias_and_too_many_outputs_for_its_stack_buffer_still_match()
    {
        const int Batch = 5, Inputs = 40, Hidden = 24, Units = 500;   // 2 x 5 x 500 partial sums: two Forward calls instead
        float[] input = Numerics.Random(Batch * Inputs, 6), weight1 = Numerics.Random(Hidden * Inputs, 7), weight2 = Numerics.Random(Units * Hidden, 8);
        float[] expectedHidden = new float[Batch * Hidden], expected = new float[Batch * Units];
        Dense.ForwardReference(input, weight1, default, expectedHidden, Batch, Inputs, Hidden);
        Dense.ForwardReference(expectedHidden, weight2, default, expected, Batch, Hidden, Units);
        float[] hidden = new float[Batch * Hidden], output = new float[Batch * Units];
        Dense.ForwardTwoLayers(input, weight1, default, Activation.Identity, hidden, weight2, default, Activation.Identity, output, Batch, Inputs, Hidden, Units);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - output[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"output[{i}]");
    }

    [Fact]
    public void A_short_second_weight_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => Dense.ForwardTwoLayers(new float[10], new float[40], default, Activation.ReLU, new float[4],
            new float[7], default, Activation.Identity, new float[2], 1, 10, 4, 2));
        Assert.Equal("weight2", error.ParamName);
    }
}
