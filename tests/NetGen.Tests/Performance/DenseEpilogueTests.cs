using NetGen.Kernels;
using NetGen.Tests.Kernels;

namespace NetGen.Tests.Performance;

/// <summary>
/// <see cref="Dense.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, Activation)"/>,
/// the layer with its bias and activation fused, against the layer computed in double and activated after, on the
/// shapes that reach each product path: one sample (row dots, weight rows split across cores), few units (packed kernel,
/// padded tile), tiny (simple kernel) and batched (packed kernel, split across cores).
/// </summary>
public class DenseEpilogueTests
{
    public static TheoryData<Activation, int, int, int, bool> Cases()
    {
        var data = new TheoryData<Activation, int, int, int, bool>();
        int[][] shapes = [[1, 784, 256], [3, 17, 7], [65, 129, 3], [64, 784, 129], [17, 63, 65]];
        foreach (Activation activation in new[] { Activation.Identity, Activation.ReLU, Activation.Sigmoid, Activation.Tanh })
        {
            foreach (int[] s in shapes)
            {
                data.Add(activation, s[0], s[1], s[2], true);
            }
        }
        data.Add(Activation.ReLU, 64, 784, 129, false);
        data.Add(Activation.Tanh, 1, 784, 256, false);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedForward_MatchesDoubleLayerThenActivation(Activation activation, int batch, int inputs, int units, bool withBias)
    {
        float[] input = Numerics.Random(batch * inputs, 1), weight = Numerics.Random(units * inputs, 2);
        float[] bias = withBias ? Numerics.Random(units, 3) : [];
        float[] output = Numerics.Random(batch * units, 4);   // garbage: the call must overwrite it
        Dense.Forward(input, weight, bias, output, batch, inputs, units, activation);

        // Pre-activation error: at most gamma_(k+2)·(sum |x w| + |b|) (Higham 3.1: k + 1 rounded terms), doubled for
        // slack; every activation here has slope at most 1, so it carries over; the float activation itself adds a few
        // ulps of a value of magnitude at most max(1, |z|), covered by 1e-6 · max(1, |z|).
        const double Unit = 1.0 / (1 << 24);
        double gamma = (inputs + 2) * Unit / (1 - (inputs + 2) * Unit);
        for (int b = 0; b < batch; b++)
        {
            for (int n = 0; n < units; n++)
            {
                double z = withBias ? bias[n] : 0, magnitude = Math.Abs(z);
                for (int k = 0; k < inputs; k++)
                {
                    double term = (double)input[b * inputs + k] * weight[n * inputs + k];
                    z += term;
                    magnitude += Math.Abs(term);
                }
                double expected = activation switch
                {
                    Activation.ReLU => Math.Max(0, z),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
                    Activation.Tanh => Math.Tanh(z),
                    _ => z,
                };
                double allowed = 2 * gamma * magnitude + 1e-6 * Math.Max(1, Math.Abs(z));
                double error = Math.Abs(output[b * units + n] - expected);
                if (!(error <= allowed))
                    Assert.Fail($"{activation} {batch}x{inputs}->{units}: output[{b}, {n}] = {output[b * units + n]:R}, expected {expected:R} (error {error:E2} > {allowed:E2}).");
            }
        }
    }

    [Theory]
    [InlineData(64, 784, 129)]
    [InlineData(3, 17, 7)]
    public void Backward_WithoutAccumulation_OverwritesStaleParameterGradients(int batch, int inputs, int units)
    {
        float[] doutput = Numerics.Random(batch * units, 5), input = Numerics.Random(batch * inputs, 6), weight = Numerics.Random(units * inputs, 7);
        float[] dweight = Numerics.Random(units * inputs, 8), dbias = Numerics.Random(units, 9);   // stale values to overwrite
        float[] dinput = new float[batch * inputs];
        Dense.Backward(doutput, input, weight, dinput, dweight, dbias, batch, inputs, units, accumulateParameterGradients: false);

        float[] expectedWeight = new float[units * inputs], expectedBias = new float[units], expectedInput = new float[batch * inputs];
        Dense.BackwardReference(doutput, input, weight, expectedInput, expectedWeight, expectedBias, batch, inputs, units);
        // Each gradient is a float sum of `batch` (dweight, dbias) or `units` (dinput) products of values in [-1, 1],
        // so its error is below (terms + 1)·2^-24·terms; 1e-5 relative plus 1e-4 absolute bounds that for 784 terms.
        Numerics.AssertClose(expectedWeight, dweight, 1e-4, 1e-5, "dweight");
        Numerics.AssertClose(expectedBias, dbias, 1e-4, 1e-5, "dbias");
        Numerics.AssertClose(expectedInput, dinput, 1e-4, 1e-5, "dinput");
    }

    [Theory]
    [InlineData(Activation.GELU)]
    [InlineData((Activation)99)]
    public void FusedForward_ActivationThatCannotFuse_ThrowsNamingIt(Activation activation)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Dense.Forward(new float[6], new float[6], [], new float[4], 2, 3, 2, activation));
        Assert.Equal("activation", error.ParamName);
    }
}
