namespace NetGen.Tests.Networks;

[Network(BatchSize = 4, Seed = 2)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3, Beta2 = 0.999)]
public partial class AdamSettingsNet;

/// <summary>Generated networks hand the optimizer its settings in double, so 1 - beta2 is PyTorch's 0.001, not 0.00099998713.</summary>
public sealed class GeneratedOptimizerSettingsTests
{
    [Fact]
    public void AdamSecondMoment_AfterOneStep_IsExactlyTheDoubleConstantTimesTheSquaredGradient()
    {
        var net = new AdamSettingsNet();
        float[] inputs = [0.5f, -1, 2, 0.1f, 1, 0.3f, -0.2f, 0.7f, 1.5f, -0.4f, 0.9f, 0.2f];
        net.ComputeGradients(inputs, [0, 1, 1, 0]);
        float[] gradients = net.Gradients.ToArray();
        net.OptimizerStep();
        ReadOnlySpan<float> v = net.OptimizerState.Slice(AdamSettingsNet.ParameterCount, AdamSettingsNet.ParameterCount);
        const float OneMinusBeta2 = (float)(1.0 - 0.999);   // 0.001f; (1f - 0.999f) would be 0.00099998713f
        for (int i = 0; i < gradients.Length; i++) Assert.Equal(OneMinusBeta2 * gradients[i] * gradients[i], v[i]);
        Assert.Contains(gradients, g => g != 0);
    }
}
