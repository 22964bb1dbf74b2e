using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Tests;

/// <summary>Shape inference is plain arithmetic on records: tested without Roslyn.</summary>
public class ShapeInferenceTests
{
    private static readonly OptimizerSpec Adam = new(OptimizerKind.Adam, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0);

    private static NetworkModel Model(int[] input, params LayerSpec[] layers) =>
        new(null, "Net", 4, 0, input.ToEquatableArray(), layers.ToEquatableArray(), new LossSpec(LossKind.SoftmaxCrossEntropy), Adam);

    private static DenseSpec Dense(int index, int units, bool bias = true) => new(index, units, new ActivationSpec(ActivationKind.ReLU, double.NaN), WeightInitKind.Default, double.NaN, bias, PenaltySpec.Inherit);

    [Fact]
    public void Mlp_LaysOutParametersLayerAfterLayer()
    {
        var (network, errors) = ShapeInference.Resolve(Model([784], Dense(0, 256), Dense(1, 128), Dense(2, 10)));
        Assert.Empty(errors);
        Assert.NotNull(network);
        Assert.Equal(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, network.ParameterCount);
        Assert.Equal(2 * network.ParameterCount, network.OptimizerStateCount);
        ResolvedLayer second = network.Layers[1];
        Assert.Equal("Dense2", second.Name);
        Assert.Equal(784 * 256 + 256, second.WeightOffset);
        Assert.Equal(second.WeightOffset + 256 * 128, second.BiasOffset);
        Assert.Equal("128", second.Output.ToString());
    }

    [Fact]
    public void DenseWithoutBias_HasNoBiasParameters()
    {
        var (network, _) = ShapeInference.Resolve(Model([5], Dense(0, 3, bias: false), Dense(1, 2)));
        Assert.Equal(0, network!.Layers[0].BiasCount);
        Assert.Equal(15 + 6 + 2, network.ParameterCount);
    }

    [Fact]
    public void Flatten_TurnsImageIntoVector()
    {
        var (network, errors) = ShapeInference.Resolve(Model([1, 28, 28], new FlattenSpec(0), Dense(1, 10)));
        Assert.Empty(errors);
        Assert.Equal("1x28x28", network!.Layers[0].Input.ToString());
        Assert.Equal("784", network.Layers[0].Output.ToString());
        Assert.Equal(0, network.Layers[0].ParameterCount);
    }

    [Fact]
    public void DenseAfterImage_IsRejectedAtThatLayer()
    {
        var (network, errors) = ShapeInference.Resolve(Model([1, 28, 28], Dense(0, 10)));
        Assert.Null(network);
        ShapeError error = Assert.Single(errors);
        Assert.Equal(DiagnosticIds.DenseNeedsVector, error.DiagnosticId);
        Assert.Equal(0, error.LayerIndex);
        Assert.Equal(["1x28x28", "784"], error.MessageArguments);
    }

    [Fact]
    public void CrossEntropyOnOneOutput_IsRejectedAtTheLoss()
    {
        var (network, errors) = ShapeInference.Resolve(Model([4], Dense(0, 1)));
        Assert.Null(network);
        Assert.Equal(-1, Assert.Single(errors).LayerIndex);
    }
}
