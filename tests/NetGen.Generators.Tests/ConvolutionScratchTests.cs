using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Tests;

/// <summary>
/// The memory table's convolution scratch (ConvolutionShapes.ScratchFloats, arithmetic the generator cannot borrow
/// from the runtime) equals what the kernel asks for (NetGen.Kernels.Conv2D.ScratchSize, which the generated code
/// calls to allocate it), on both the im2col and the direct path's shapes.
/// </summary>
public class ConvolutionScratchTests
{
    [Theory]
    [InlineData(64, 1, 28, 28, 6, 5, 1, 2, 1)]     // LeNet-5 conv1: direct path, sample-lane weight gradient
    [InlineData(20, 2, 6, 6, 7, 5, 1, 2, 1)]       // both sample-lane gradients, a last block of 4 samples
    [InlineData(64, 6, 14, 14, 16, 5, 1, 0, 1)]    // LeNet-5 conv2: direct path
    [InlineData(1, 6, 14, 14, 16, 5, 1, 0, 1)]
    [InlineData(17, 6, 14, 14, 16, 5, 1, 0, 1)]    // sample-lane input gradient: 2 blocks of 16
    [InlineData(33, 7, 9, 11, 5, 3, 1, 0, 1)]      // ... 3 blocks, 2 blocks of input channels
    [InlineData(64, 16, 28, 28, 32, 3, 1, 1, 1)]   // 3x3 same padding: the grid correlation wastes little, no lanes
    [InlineData(7, 3, 13, 11, 10, 3, 2, 1, 1)]     // stride 2: im2col path
    [InlineData(5, 4, 15, 16, 9, 3, 1, 0, 2)]      // dilation 2: im2col path
    [InlineData(3, 2, 9, 9, 4, 3, 1, 3, 1)]        // padding past K-1: im2col path
    [InlineData(200, 17, 9, 9, 33, 1, 1, 0, 1)]    // 1x1, many chunks
    public void ScratchFloats_EqualsTheKernelsScratchSize(int batch, int channels, int height, int width, int filters, int kernel,
        int stride, int padding, int dilation)
    {
        var conv = new Conv2DSpec(0, filters, kernel, stride, padding, false, dilation, ActivationSpec.Identity, WeightInitKind.Default,
            double.NaN, true, PenaltySpec.Inherit);
        int outHeight = (height + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        int outWidth = (width + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        var layer = new ResolvedLayer(conv, "Conv2D1", new TensorShape(EquatableArray.Create(channels, height, width)),
            new TensorShape(EquatableArray.Create(filters, outHeight, outWidth)), 0, filters * channels * kernel * kernel, 0, filters);
        int expected = NetGen.Kernels.Conv2D.ScratchSize(batch, channels, height, width, filters, kernel, kernel,
            stride, stride, padding, padding, dilation, dilation);
        Assert.Equal(expected, ConvolutionShapes.ScratchFloats(layer, batch));
    }

    // SamePadding's Keras rule: per-side padding where the total is odd (the direct path's stride-1 shapes then fall back
    // to im2col in both), uniform where it is even (the direct path stays).
    [Theory]
    [InlineData(64, 16, 28, 28, 32, 4, 1)]   // even kernel, stride 1: 1 before, 2 after
    [InlineData(64, 1, 28, 28, 6, 5, 1)]     // odd kernel, stride 1: 2 on every side, direct path
    [InlineData(7, 3, 16, 15, 10, 3, 2)]     // stride 2: rows (0, 1), columns (1, 1)
    [InlineData(20, 2, 9, 9, 4, 2, 1)]       // even kernel, stride 1: 0 before, 1 after
    public void ScratchFloats_EqualsTheKernelsScratchSize_WithSamePadding(int batch, int channels, int height, int width, int filters, int kernel, int stride)
    {
        var conv = new Conv2DSpec(0, filters, kernel, stride, 0, true, 1, ActivationSpec.Identity, WeightInitKind.Default,
            double.NaN, true, PenaltySpec.Inherit);
        var input = new TensorShape(EquatableArray.Create(channels, height, width));
        ConvolutionPadding padding = ConvolutionShapes.PaddingOf(conv, input);
        var layer = new ResolvedLayer(conv, "Conv2D1", input,
            new TensorShape(EquatableArray.Create(filters, (height + stride - 1) / stride, (width + stride - 1) / stride)), 0, filters * channels * kernel * kernel, 0, filters);
        int expected = NetGen.Kernels.Conv2D.ScratchSize(batch, channels, height, width, filters, kernel, kernel,
            stride, stride, padding.Top, padding.Left, padding.Bottom, padding.Right, 1, 1);
        Assert.Equal(expected, ConvolutionShapes.ScratchFloats(layer, batch));
    }
}
