using System;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>Which fused convolution + pooling kernel a layer's inference forward calls (none: the two layers run apart).</summary>
public enum PooledKernel
{
    /// <summary>The convolution and the pooling run as two kernels (every training forward, and shapes that do not fuse).</summary>
    None,

    /// <summary><c>Conv2D.ForwardMaxPoolChannels</c>: vectors of 16 output channels, tiles of 3 pooling windows.</summary>
    Channels,

    /// <summary><c>Conv2D.ForwardMaxPoolPlanes</c>: the direct correlation's vectors of 16 positions on zero-bordered rows.</summary>
    Planes,
}

/// <summary>
/// The kernels a convolution's generated code calls, chosen at build time from its shape (pure arithmetic on the
/// model, like <see cref="DenseKernelChoice"/>).
/// </summary>
/// <remarks>
/// In inference (<c>ForwardCore(training: false)</c>: Predict, PredictClass, Evaluate), a Conv2D whose activation is
/// Identity or ReLU followed by MaxPool2D(2) (stride 2, no padding) runs as one kernel that writes only the pooled
/// output: max commutes with the bias and with ReLU, so 4x fewer floats are written and no argmax is kept. Of the
/// two fused kernels the one with the larger share of useful multiply-adds is chosen:
/// <list type="bullet">
/// <item>Channels: <c>filters / (16 * ceil(filters / 16))</c> of its vector lanes are channels, and
/// <c>windows / (5 * ceil(windows / 5))</c> of its tiles' windows are not repeats (a tile is 5 windows).</item>
/// <item>Planes (stride 1, dilation 1, padding at most kernel - 1 only): <c>OW / (W + 2p)</c> of a zero-bordered row
/// is output, <c>OH*(W + 2p) / (16 * vectors)</c> of the vectors (rounded up to tiles of 3), and
/// <c>filters / (6 * ceil(filters / 6))</c> of its 6-channel tiles.</item>
/// </list>
/// LeNet-5: conv 1->6 on 28x28 gets Planes (0.86 against 0.375: six channels fill 6 of 16 lanes), conv 6->16 on
/// 14x14 gets Channels (1.0 against 0.62: a 10-wide output on 14-wide rows wastes 29% of the positions).
/// Measured at one sample on this repository's 2-core machine: 2.9 us (Planes) against 6.3 us (Channels) for the
/// first, 6.2 us (Channels) against 7.6 us (Planes) for the second.
/// </remarks>
public static class ConvolutionKernelChoice
{
    /// <summary>The fused kernel for <paramref name="conv"/>'s inference forward when <paramref name="next"/> is the layer after it.</summary>
    public static PooledKernel PooledKernelFor(ResolvedLayer conv, LayerSpec? next)
    {
        if (conv.Spec is not Conv2DSpec spec || next is not Pool2DSpec pool) return PooledKernel.None;
        if (pool.Kind != PoolKind.Max || pool.Size != 2 || pool.Stride != 2 || pool.Padding != 0) return PooledKernel.None;
        if (spec.Activation.Kind is not (ActivationKind.Identity or ActivationKind.ReLU)) return PooledKernel.None;
        // The fused kernels take one padding for every side.
        if (!ConvolutionShapes.PaddingOf(spec, conv.Input).IsUniform) return PooledKernel.None;
        int outHeight = conv.Output.Dimensions[1], outWidth = conv.Output.Dimensions[2];
        if (outHeight < 2 || outWidth < 2) return PooledKernel.None;
        double channels = ChannelsShare(spec.Filters, (outHeight / 2) * (outWidth / 2));
        double planes = PlanesShare(spec, conv.Input, outHeight, outWidth);
        return channels >= planes ? PooledKernel.Channels : PooledKernel.Planes;
    }

    /// <summary>Share of the channel-vector kernel's multiply-adds that are useful.</summary>
    public static double ChannelsShare(int filters, int windows) =>
        filters / (16.0 * Math.Ceiling(filters / 16.0)) * (windows / (5.0 * Math.Ceiling(windows / 5.0)));

    /// <summary>Share of the planes kernel's multiply-adds that are useful; 0 where it does not apply.</summary>
    public static double PlanesShare(Conv2DSpec spec, TensorShape input, int outHeight, int outWidth)
    {
        ConvolutionPadding padding = ConvolutionShapes.PaddingOf(spec, input);
        int width = input.Dimensions[2], pad = padding.Top;
        if (spec.Stride != 1 || spec.Dilation != 1 || !padding.IsUniform || pad > spec.Kernel - 1) return 0;
        long paddedWidth = width + 2L * pad;
        long vectors = ((outHeight * paddedWidth + 15) / 16 + 2) / 3 * 3;
        return outWidth / (double)paddedWidth * (outHeight * paddedWidth / (16.0 * vectors)) *
            (spec.Filters / (6.0 * Math.Ceiling(spec.Filters / 6.0)));
    }

    /// <summary>
    /// Floats of scratch the fused kernel needs at <paramref name="batch"/> samples, as
    /// <c>NetGen.Kernels.Conv2D.MaxPoolScratchSize</c> computes it (the generated code calls that; this copy feeds
    /// the memory table); 0 for <see cref="PooledKernel.None"/>.
    /// </summary>
    public static long PooledScratchFloats(ResolvedLayer conv, PooledKernel kernel, int batch)
    {
        if (kernel == PooledKernel.None || conv.Spec is not Conv2DSpec spec) return 0;
        int inChannels = conv.Input.Dimensions[0], height = conv.Input.Dimensions[1], width = conv.Input.Dimensions[2];
        int outHeight = conv.Output.Dimensions[1], outWidth = conv.Output.Dimensions[2], pad = ConvolutionShapes.PaddingOf(spec, conv.Input).Top;
        long taps = (long)inChannels * spec.Kernel * spec.Kernel, windows = (long)(outHeight / 2) * (outWidth / 2);
        const long workspaces = 4;   // one sample may split across every part of the call
        if (kernel == PooledKernel.Channels)
        {
            long blocks = (spec.Filters + 15) / 16;
            long shared = blocks * 16 * taps + blocks * 16 + taps;
            return shared + workspaces * (inChannels * (height + 2L * pad) * (width + 2L * pad) + 2 * windows * 16);
        }
        long paddedWidth = width + 2L * pad, outBlocks = (spec.Filters + 5) / 6;
        long vectors = ((outHeight * paddedWidth + 15) / 16 + 2) / 3 * 3;
        long plane = (vectors * 16 + (spec.Kernel - 1) * (paddedWidth + 1) + 15) / 16 * 16;
        long planesShared = outBlocks * 6 * taps + outBlocks * 6;
        return planesShared + workspaces * (inChannels * plane + outBlocks * 6 * vectors * 16 + 32 + ((outWidth / 2) + 7) / 8 * 8);
    }
}
