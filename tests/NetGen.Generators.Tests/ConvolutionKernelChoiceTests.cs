using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Tests;

/// <summary>
/// The build-time choice of inference's fused convolution + max pooling kernel (ConvolutionKernelChoice), and its
/// scratch arithmetic against what the runtime kernel asks for (NetGen.Kernels.Conv2D.MaxPoolScratchSize).
/// </summary>
public class ConvolutionKernelChoiceTests
{
    private static ResolvedLayer Conv(int channels, int height, int width, int filters, int kernel, int stride = 1, int padding = 0,
        int dilation = 1, ActivationKind activation = ActivationKind.ReLU)
    {
        var spec = new Conv2DSpec(0, filters, kernel, stride, padding, false, dilation, new ActivationSpec(activation, double.NaN),
            WeightInitKind.Default, double.NaN, true, PenaltySpec.Inherit);
        int outHeight = (height + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        int outWidth = (width + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        return new ResolvedLayer(spec, "Conv2D1", new TensorShape(EquatableArray.Create(channels, height, width)),
            new TensorShape(EquatableArray.Create(filters, outHeight, outWidth)), 0, filters * channels * kernel * kernel, 0, filters);
    }

    private static readonly Pool2DSpec MaxPool2 = new(1, PoolKind.Max, 2, 2, 0);

    [Fact]
    public void LeNetConv1_FewChannelsOnLargePlanes_GetsThePlanesKernel() =>
        Assert.Equal(PooledKernel.Planes, ConvolutionKernelChoice.PooledKernelFor(Conv(1, 28, 28, 6, 5, padding: 2), MaxPool2));

    [Fact]
    public void LeNetConv2_SixteenChannelsOnSmallPlanes_GetsTheChannelsKernel() =>
        Assert.Equal(PooledKernel.Channels, ConvolutionKernelChoice.PooledKernelFor(Conv(6, 14, 14, 16, 5), MaxPool2));

    [Fact]
    public void StrideOrDilation_OnlyTheChannelsKernelApplies()
    {
        Assert.Equal(PooledKernel.Channels, ConvolutionKernelChoice.PooledKernelFor(Conv(1, 28, 28, 6, 3, stride: 2, padding: 1), MaxPool2));
        Assert.Equal(PooledKernel.Channels, ConvolutionKernelChoice.PooledKernelFor(Conv(1, 28, 28, 6, 3, dilation: 2), MaxPool2));
    }

    [Fact]
    public void OtherPoolingsActivationsOrNoPooling_DoNotFuse()
    {
        ResolvedLayer conv = Conv(6, 14, 14, 16, 5);
        Assert.Equal(PooledKernel.None, ConvolutionKernelChoice.PooledKernelFor(conv, new Pool2DSpec(1, PoolKind.Max, 3, 2, 0)));
        Assert.Equal(PooledKernel.None, ConvolutionKernelChoice.PooledKernelFor(conv, new Pool2DSpec(1, PoolKind.Max, 2, 1, 0)));
        Assert.Equal(PooledKernel.None, ConvolutionKernelChoice.PooledKernelFor(conv, new Pool2DSpec(1, PoolKind.Average, 2, 2, 0)));
        Assert.Equal(PooledKernel.None, ConvolutionKernelChoice.PooledKernelFor(conv, null));
        Assert.Equal(PooledKernel.None, ConvolutionKernelChoice.PooledKernelFor(Conv(6, 14, 14, 16, 5, activation: ActivationKind.Tanh), MaxPool2));
        Assert.Equal(PooledKernel.Channels, ConvolutionKernelChoice.PooledKernelFor(Conv(6, 14, 14, 16, 5, activation: ActivationKind.Identity), MaxPool2));
    }

    [Theory]
    [InlineData(64, 1, 28, 28, 6, 5, 1, 2, 1)]
    [InlineData(1, 1, 28, 28, 6, 5, 1, 2, 1)]
    [InlineData(64, 6, 14, 14, 16, 5, 1, 0, 1)]
    [InlineData(1, 6, 14, 14, 16, 5, 1, 0, 1)]
    [InlineData(3, 7, 9, 9, 17, 3, 1, 1, 1)]
    [InlineData(2, 3, 19, 17, 33, 3, 2, 1, 1)]     // stride 2: channels only
    [InlineData(2, 3, 13, 12, 6, 3, 1, 2, 2)]      // dilation 2: channels only
    public void PooledScratchFloats_EqualsTheKernelsScratchSize(int batch, int channels, int height, int width, int filters, int kernel,
        int stride, int padding, int dilation)
    {
        ResolvedLayer layer = Conv(channels, height, width, filters, kernel, stride, padding, dilation);
        Assert.Equal(NetGen.Kernels.Conv2D.MaxPoolScratchSize(true, batch, channels, height, width, filters, kernel, stride, padding, dilation),
            ConvolutionKernelChoice.PooledScratchFloats(layer, PooledKernel.Channels, batch));
        if (stride != 1 || dilation != 1) return;
        Assert.Equal(NetGen.Kernels.Conv2D.MaxPoolScratchSize(false, batch, channels, height, width, filters, kernel, stride, padding, dilation),
            ConvolutionKernelChoice.PooledScratchFloats(layer, PooledKernel.Planes, batch));
    }
}
