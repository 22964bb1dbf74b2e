using NetGen.Generators.Model;
using NetGen.Generators.Shapes;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Generated convolutional networks are pinned by reviewed snapshots and compile cleanly; their shapes are checked by hand.</summary>
public class ConvolutionSnapshotTests
{
    public const string LeNet5 = """
        using NetGen;

        namespace Samples.LeNet;

        [Network(BatchSize = 64, Seed = 1)]
        [Input(1, 28, 28)]
        [Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(16, 5, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(120, Activation.ReLU)]
        [Dense(84, Activation.ReLU)]
        [Dense(10)]
        [SoftmaxCrossEntropy]
        [Adam(LearningRate = 1e-3)]
        public partial class LeNet5;
        """;

    /// <summary>
    /// Same padding (stride 1 and 2), no bias, LeakyReLU with its alpha, an L2 penalty, batch normalization over channels,
    /// dilation, average and overlapping max pooling, global pooling, reshape.
    /// </summary>
    public const string ConvFeatures = """
        using NetGen;

        [Network(BatchSize = 16, Seed = 2)]
        [Input(784)]
        [Reshape(1, 28, -1)]
        [Conv2D(8, 3, SamePadding = true, Activation = Activation.ReLU, Init = WeightInit.HeUniform)]
        [Conv2D(16, 3, Stride = 2, SamePadding = true, Activation = Activation.LeakyReLU, ActivationAlpha = 0.1, UseBias = false, L2 = 1e-4)]
        [BatchNorm]
        [AvgPool2D(2)]
        [Conv2D(32, 3, Dilation = 2, Padding = 2, Activation = Activation.Tanh)]
        [MaxPool2D(3, Stride = 2, Padding = 1)]
        [GlobalAvgPool2D]
        [Dense(10)]
        [SoftmaxCrossEntropy]
        [Sgd(LearningRate = 0.05, Momentum = 0.9)]
        internal partial class ConvFeatures;
        """;

    [Fact]
    public void LeNet5_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("LeNet5", GeneratorHarness.RunClean(LeNet5), "LeNet5.g.cs");

    [Fact]
    public void SamePaddingStridePoolingAndReshape_MatchesSnapshot() =>
        Snapshot.VerifyNetwork("ConvFeatures", GeneratorHarness.RunClean(ConvFeatures), "ConvFeatures.g.cs");

    private static readonly OptimizerSpec Adam = new(OptimizerKind.Adam, 1e-3, 0, false, 0.9, 0.999, 1e-8, 0);

    private static Conv2DSpec Conv(int index, int filters, int kernel, int stride = 1, int padding = 0, bool same = false, int dilation = 1) =>
        new(index, filters, kernel, stride, padding, same, dilation, new ActivationSpec(ActivationKind.ReLU, double.NaN), WeightInitKind.Default,
            double.NaN, UseBias: true, PenaltySpec.Inherit);

    private static DenseSpec Dense(int index, int units, ActivationKind activation) =>
        new(index, units, new ActivationSpec(activation, double.NaN), WeightInitKind.Default, double.NaN, UseBias: true, PenaltySpec.Inherit);

    [Fact]
    public void LeNet5_HasPyTorchsShapesAndParameterCount()
    {
        var model = new NetworkModel(null, "LeNet5", 64, 0, EquatableArray.Create(1, 28, 28), EquatableArray.Create<LayerSpec>(
                Conv(0, 6, 5, padding: 2), new Pool2DSpec(1, PoolKind.Max, 2, 2, 0), Conv(2, 16, 5), new Pool2DSpec(3, PoolKind.Max, 2, 2, 0),
                new FlattenSpec(4), Dense(5, 120, ActivationKind.ReLU), Dense(6, 84, ActivationKind.ReLU), Dense(7, 10, ActivationKind.Identity)),
            new LossSpec(LossKind.SoftmaxCrossEntropy), Adam);
        var (network, errors) = ShapeInference.Resolve(model);
        Assert.Empty(errors);
        Assert.Equal(["6x28x28", "6x14x14", "16x10x10", "16x5x5", "400", "120", "84", "10"], network!.Layers.Select(l => l.Output.ToString()));
        // sum(p.numel() for p in LeNet5().parameters()) in PyTorch: 156 + 2416 + 48120 + 10164 + 850.
        Assert.Equal(61_706, network.ParameterCount);
        Assert.Equal((156, 150, 6), (network.Layers[2].WeightOffset, network.Layers[0].WeightCount, network.Layers[0].BiasCount));
        // Per sample: conv 2x their outputs (output, gradient: ReLU fuses into the kernel, no pre-activation), max pools
        // 3x (output, gradient, argmax), dense layers 2x (output, gradient: ReLU runs in the product's epilogue); plus the
        // larger convolution's scratch, not per sample.
        long perSample = 2 * 4704 + 3 * 1176 + 2 * 1600 + 3 * 400 + 2 * 120 + 2 * 84 + 2 * 10;
        long scratch = Math.Max(ConvolutionShapes.ScratchFloats(network.Layers[0], 64), ConvolutionShapes.ScratchFloats(network.Layers[2], 64));
        Assert.Equal(64 * perSample + scratch, network.ActivationFloats);
    }

    [Theory]
    [InlineData(28, 3, 1, 28)]   // Keras: ceil(28 / 1)
    [InlineData(28, 3, 2, 14)]   // ceil(28 / 2)
    [InlineData(7, 5, 2, 4)]     // ceil(7 / 2)
    [InlineData(9, 3, 3, 3)]
    [InlineData(8, 4, 1, 8)]     // even kernels too, as Keras
    [InlineData(5, 2, 2, 3)]
    public void SamePadding_GivesKerasOutputSize_CeilOfInputOverStride(int input, int kernel, int stride, int expected)
    {
        var model = new NetworkModel(null, "Net", 4, 0, EquatableArray.Create(2, input, input),
            EquatableArray.Create<LayerSpec>(Conv(0, 3, kernel, stride, same: true), new GlobalAvgPool2DSpec(1)),
            new LossSpec(LossKind.SoftmaxCrossEntropy), Adam);
        var (network, errors) = ShapeInference.Resolve(model);
        Assert.Empty(errors);
        Assert.Equal($"3x{expected}x{expected}", network!.Layers[0].Output.ToString());
        Assert.Equal("3", network.Layers[1].Output.ToString());
    }

    // Keras / TensorFlow's padding="same", worked by hand: out = ceil(in / s), total = max((out - 1) * s + extent - in, 0),
    // total / 2 above (left), the rest below (right).
    [Theory]
    [InlineData(8, 3, 2, 1, 0, 1)]   // out 4, total 3*2 + 3 - 8 = 1: PyTorch's padding=1 would pad 1 above as well
    [InlineData(7, 3, 2, 1, 1, 1)]   // out 4, total 6 + 3 - 7 = 2
    [InlineData(8, 4, 1, 1, 1, 2)]   // even kernel: total 3
    [InlineData(8, 5, 2, 1, 1, 2)]   // out 4, total 6 + 5 - 8 = 3
    [InlineData(9, 5, 3, 1, 1, 1)]   // out 3, total 6 + 5 - 9 = 2 (less than PyTorch's k//2 = 2 per side)
    [InlineData(7, 5, 3, 1, 2, 2)]   // out 3, total 6 + 5 - 7 = 4
    [InlineData(8, 1, 2, 1, 0, 0)]   // a pointwise stride pads nothing (total -1 -> 0)
    [InlineData(5, 3, 1, 2, 2, 2)]   // dilation 2: the kernel spans 5, total 4
    [InlineData(6, 2, 2, 1, 0, 0)]   // out 3, total 4 + 2 - 6 = 0
    [InlineData(5, 2, 2, 1, 0, 1)]   // out 3, total 4 + 2 - 5 = 1
    public void SamePadding_PadsAsKeras_TheOddOneBelowAndRight(int input, int kernel, int stride, int dilation, int before, int after)
    {
        var conv = Conv(0, 3, kernel, stride, same: true, dilation: dilation);
        Assert.Equal((before, after), ConvolutionShapes.SamePadding(input, conv.KernelExtent, stride));
        // Height and width apart: an 8-high, 7-wide input with a 3x3 stride-2 kernel pads (0, 1) rows and (1, 1) columns.
        var padding = ConvolutionShapes.PaddingOf(Conv(0, 3, 3, 2, same: true), new TensorShape(EquatableArray.Create(1, 8, 7)));
        Assert.Equal(new ConvolutionPadding(Top: 0, Left: 1, Bottom: 1, Right: 1), padding);
        Assert.False(padding.IsUniform);
        Assert.Equal(ConvolutionShapes.OutputLength(input, conv.KernelExtent, stride, before, after), (input + stride - 1) / stride);
    }

    [Fact]
    public void ConvolutionSpecs_HaveValueEquality()
    {
        // The incremental pipeline caches on model equality: equal declarations must compare equal.
        Assert.Equal(Conv(0, 4, 3, stride: 2, same: true), Conv(0, 4, 3, stride: 2, same: true));
        Assert.NotEqual(Conv(0, 4, 3, stride: 2, same: true), Conv(0, 4, 3, stride: 2, padding: 1));
        Assert.Equal(new ReshapeSpec(1, EquatableArray.Create(1, -1)), new ReshapeSpec(1, EquatableArray.Create(1, -1)));
        Assert.Equal(new Pool2DSpec(2, PoolKind.Max, 2, 2, 0).GetHashCode(), new Pool2DSpec(2, PoolKind.Max, 2, 2, 0).GetHashCode());
        Assert.NotEqual<LayerSpec>(new Pool2DSpec(2, PoolKind.Max, 2, 2, 0), new Pool2DSpec(2, PoolKind.Average, 2, 2, 0));
    }

    [Fact]
    public void Reshape_InfersTheMinusOneDimension()
    {
        var model = new NetworkModel(null, "Net", 4, 0, EquatableArray.Create(784),
            EquatableArray.Create<LayerSpec>(new ReshapeSpec(0, EquatableArray.Create(4, -1, 7)), new FlattenSpec(1),
                new DenseSpec(2, 10, ActivationSpec.Identity, WeightInitKind.Default, double.NaN, true, PenaltySpec.Inherit)),
            new LossSpec(LossKind.SoftmaxCrossEntropy), Adam);
        var (network, _) = ShapeInference.Resolve(model);
        Assert.Equal("4x28x7", network!.Layers[0].Output.ToString());
        Assert.Equal(0, network.Layers[0].ParameterCount);
    }
}
