namespace NetGen.Tests.Networks;

/// <summary>An [Activation(Activation.Identity)] layer compiles and passes values and gradients through unchanged.</summary>
public sealed class IdentityActivationLayerTests
{
    [Fact]
    public void An_identity_layer_changes_neither_outputs_nor_gradients()
    {
        var with = new IdentityLayerNet();
        var without = new IdentityFreeNet();
        Assert.Equal(without.Parameters.ToArray(), with.Parameters.ToArray());
        float[] inputs = Kernels.Numerics.Random(4 * 3, 1);
        float[] outputGradient = Kernels.Numerics.Random(4 * 2, 2);

        Assert.Equal(without.Forward(inputs).ToArray(), with.Forward(inputs).ToArray());
        with.ZeroGradients();
        without.ZeroGradients();
        with.Backward(inputs, outputGradient);
        without.Backward(inputs, outputGradient);
        Assert.Equal(without.Gradients.ToArray(), with.Gradients.ToArray());
    }
}
