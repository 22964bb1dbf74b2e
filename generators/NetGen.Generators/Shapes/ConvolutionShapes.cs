using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Shapes;

/// <summary>
/// Shape inference for convolution, pooling and reshape on (channels, height, width) tensors: output shapes,
/// parameter layout, buffer sizes, and the errors for shapes that cannot work. Pure arithmetic, as
/// <see cref="ShapeInference"/>.
/// </summary>
public static class ConvolutionShapes
{
    /// <summary>
    /// Resolves one convolution, pooling, global pooling or reshape layer at parameter offset <paramref name="offset"/>.
    /// <paramref name="activationFloats"/> is what its buffers hold per sample (outputs, gradients, pre-activations,
    /// max-pooling's argmax indices).
    /// </summary>
    public static ShapeError? Resolve(LayerSpec spec, string name, TensorShape input, int offset,
        out ResolvedLayer layer, out long activationFloats)
    {
        layer = new ResolvedLayer(spec, name, input, input, offset, 0, offset, 0);
        activationFloats = 0;
        switch (spec)
        {
            case Conv2DSpec conv:
            {
                if (input.Rank != 3) return NeedsImage(spec, "Conv2D", input);
                int channels = input.Dimensions[0], height = input.Dimensions[1], width = input.Dimensions[2];
                // SamePadding always fits: its padding is whatever ceil(input / stride) outputs need (PaddingOf).
                ShapeError? error = conv.SamePadding ? null : CheckWindow(spec, name, input, conv.KernelExtent, KernelText(conv), conv.Stride, conv.Padding,
                    exactFit: true, maxPadding: int.MaxValue, suggestSamePadding: true);
                if (error is not null) return error;

                ConvolutionPadding padding = PaddingOf(conv, input);
                var output = new TensorShape(EquatableArray.Create(conv.Filters,
                    OutputLength(height, conv.KernelExtent, conv.Stride, padding.Top, padding.Bottom),
                    OutputLength(width, conv.KernelExtent, conv.Stride, padding.Left, padding.Right)));
                long longWeights = (long)conv.Filters * channels * conv.Kernel * conv.Kernel;
                if (offset + longWeights + conv.Filters > ShapeInference.MaxFloats)
                {
                    return new ShapeError(spec.Index, null, DiagnosticIds.SizeTooLarge, EquatableArray.Create(name,
                        Emit.Literals.Grouped(offset + longWeights + conv.Filters), "the parameters up to and including it", Emit.Literals.Grouped(ShapeInference.MaxFloats)));
                }

                int weights = (int)longWeights;
                int biases = conv.UseBias ? conv.Filters : 0;
                layer = new ResolvedLayer(spec, name, input, output, offset, weights, offset + weights, biases);
                // Output and its gradient, plus the pre-activation when the activation does not fuse into the kernel.
                activationFloats = output.LongSize * (FusesActivation(conv) ? 2 : 3);
                return null;
            }
            case Pool2DSpec pool:
            {
                string kind = pool.Kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D";
                if (input.Rank != 3) return NeedsImage(spec, kind, input);
                ShapeError? error = CheckWindow(spec, name, input, pool.Size, $"{pool.Size}x{pool.Size} window", pool.Stride, pool.Padding,
                    exactFit: true, maxPadding: pool.Size / 2, suggestSamePadding: false);
                if (error is not null) return error;

                var output = new TensorShape(EquatableArray.Create(input.Dimensions[0],
                    OutputLength(input.Dimensions[1], pool.Size, pool.Stride, pool.Padding),
                    OutputLength(input.Dimensions[2], pool.Size, pool.Stride, pool.Padding)));
                layer = new ResolvedLayer(spec, name, input, output, offset, 0, offset, 0);
                // Output and its gradient; max pooling also keeps one argmax index per output.
                activationFloats = (long)output.Size * (pool.Kind == PoolKind.Max ? 3 : 2);
                return null;
            }
            case GlobalAvgPool2DSpec:
            {
                if (input.Rank != 3) return NeedsImage(spec, "GlobalAvgPool2D", input);
                var output = TensorShape.Vector(input.Dimensions[0]);
                layer = new ResolvedLayer(spec, name, input, output, offset, 0, offset, 0);
                activationFloats = 2L * output.Size;
                return null;
            }
            case ReshapeSpec reshape:
            {
                int known = reshape.Shape.Where(d => d > 0).Aggregate(1, (product, d) => product * d);
                bool infers = reshape.Shape.Any(d => d == -1);
                string declared = string.Join(", ", reshape.Shape);
                if (infers ? input.Size % known != 0 : known != input.Size)
                {
                    string reason = infers
                        ? $"the other dimensions multiply to {Int(known)}, which does not divide {Int(input.Size)}"
                        : $"its dimensions multiply to {Int(known)}; make them multiply to {Int(input.Size)}, or write -1 for one of them";
                    return new ShapeError(spec.Index, null, DiagnosticIds.ReshapeSizeMismatch,
                        EquatableArray.Create(declared, input.ToString(), Int(input.Size), reason));
                }

                var output = new TensorShape(reshape.Shape.Select(d => d == -1 ? input.Size / known : d).ToEquatableArray());
                layer = new ResolvedLayer(spec, name, input, output, offset, 0, offset, 0);
                return null;
            }
            default:
                throw new ArgumentException($"{spec.GetType().Name} is not a convolution, pooling or reshape layer.", nameof(spec));
        }
    }

    /// <summary>
    /// Whether the convolution kernel applies the layer's activation itself (<c>NetGen.Kernels.Conv2D.Forward</c>
    /// with an <c>Activation</c>): those whose backward reads the output alone, so no pre-activation is kept.
    /// </summary>
    public static bool FusesActivation(Conv2DSpec conv) =>
        conv.Activation.Kind is ActivationKind.Identity or ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

    /// <summary>
    /// Floats of scratch one convolution needs at <paramref name="batch"/> samples, as
    /// <c>NetGen.Kernels.Conv2D.ScratchSize</c> computes it (its <c>Shape</c> constructor; the generated code calls that
    /// at construction, this copy of the arithmetic feeds the memory table): the larger of the im2col path's layout
    /// (up to 4 workspaces of one chunk's im2col matrix and product) and, for stride 1, dilation 1 and the same padding
    /// on every side, the direct
    /// path's (arranged weights, up to 4 workspaces of zero-bordered planes and grids, plus one weight-gradient
    /// partial per chunk, plus the sample-lane input gradient's workspaces where its shape takes it); 0 for other layers.
    /// </summary>
    public static long ScratchFloats(ResolvedLayer layer, int batch)
    {
        if (layer.Spec is not Conv2DSpec conv) return 0;
        const long ChunkTargetFloats = 1 << 16;
        const int MaxThreads = 4, Block = 6, VectorBlock = 3;
        int inChannels = layer.Input.Dimensions[0], height = layer.Input.Dimensions[1], width = layer.Input.Dimensions[2];
        int outHeight = layer.Output.Dimensions[1], outWidth = layer.Output.Dimensions[2];
        ConvolutionPadding padding = PaddingOf(conv, layer.Input);
        int kernel = conv.Kernel, pad = padding.Top, filters = conv.Filters;
        long patch = (long)inChannels * kernel * kernel;
        long positions = (long)outHeight * outWidth;
        long partial = filters * patch + filters;

        long sampleWorkspace = positions * (patch + filters);
        long chunkSamples = Math.Max(1, Math.Min(ChunkTargetFloats / sampleWorkspace, batch));
        long chunks = (batch + chunkSamples - 1) / chunkSamples;
        long scratch = Math.Min(MaxThreads, chunks) * chunkSamples * sampleWorkspace + chunks * partial;
        if (conv.Stride != 1 || conv.Dilation != 1 || !padding.IsUniform || pad > kernel - 1) return scratch;

        static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
        long paddedWidth = width + 2 * pad, backwardWidth = outWidth + 2 * (kernel - 1 - pad);
        long forwardVectors = RoundUp((outHeight * paddedWidth + 15) / 16, VectorBlock);
        long forwardPlane = RoundUp(forwardVectors * 16 + (kernel - 1) * (paddedWidth + 1), 16);
        long backwardVectors = RoundUp((height * backwardWidth + 15) / 16, VectorBlock);
        long backwardPlane = RoundUp(backwardVectors * 16 + (kernel - 1) * (backwardWidth + 1), 16);
        long outBlocks = (filters + Block - 1) / Block, inBlocks = (inChannels + Block - 1) / Block, outQuads = (filters + 3) / 4;
        long shared = outBlocks * Block * patch + inBlocks * Block * filters * kernel * kernel;
        long sampleFloats = inChannels * forwardPlane + outQuads * 4 * forwardVectors * 16;
        long samples = Math.Max(1, Math.Min(ChunkTargetFloats / sampleFloats, batch));
        long directChunks = (batch + samples - 1) / samples;
        long grid = Math.Max(outBlocks * Block * forwardVectors * 16, inBlocks * Block * backwardVectors * 16);
        long workspace = samples * sampleFloats + filters * backwardPlane + grid + RoundUp(patch, 4);
        long direct = shared + Math.Min(MaxThreads, directChunks) * workspace + directChunks * partial;
        // The input gradient with the batch in the vector lanes: blocks of 16 samples, when it computes fewer
        // multiply-adds than the grid correlation by a margin of 1.25 (as the runtime's Conv2D shape decides).
        const int Lanes = 16;
        long border = kernel - 1 - pad, laneRows = 0;
        for (long y = 0; y < height; y++) laneRows += Math.Min(kernel, border + outHeight - y) - Math.Max(0, border - y);
        long laneTaps = laneRows * kernel * width, directTaps = backwardVectors * 16 * kernel * kernel;
        bool laneShape = batch >= Lanes && laneTaps * 5 < directTaps * 4;
        // And the weight gradient in the lanes (tiles of 6 channels x 4 taps), where its useful share beats the grid's.
        double positionShare = positions / (forwardVectors * 16.0) * filters / (outQuads * 4.0) * patch / ((patch + 3) / 4 * 4.0);
        double laneWeightShare = filters / (double)RoundUp(filters, Block) * patch / RoundUp(patch, 4);
        bool laneWeightShape = batch >= Lanes && laneWeightShare > 1.25 * positionShare;
        if (laneShape || laneWeightShape)
        {
            long inputGradient = laneShape ? filters * (outHeight + 2 * border) * (outWidth + 2 * border) * Lanes + inBlocks * Block * height * width * Lanes + Lanes * Lanes : 0;
            long weightGradient = laneWeightShape ? filters * positions * Lanes + inChannels * (height + 2L * pad) * paddedWidth * Lanes + Lanes * Lanes + RoundUp(patch, 4) : 0;
            long blocks = (batch + Lanes - 1) / Lanes;
            direct += Lanes + Math.Min(MaxThreads, blocks) * RoundUp(Math.Max(inputGradient, weightGradient), 16)
                + (laneWeightShape ? blocks * RoundUp(filters, Block) * RoundUp(patch, 4) : 0);
        }
        return Math.Max(scratch, direct);
    }

    /// <summary>PyTorch's output length, rounded down: <c>(input + 2*padding - extent) / stride + 1</c>.</summary>
    public static int OutputLength(int input, int extent, int stride, int padding) => OutputLength(input, extent, stride, padding, padding);

    /// <summary>The output length padded by <paramref name="before"/> and <paramref name="after"/>: <c>(input + before + after - extent) / stride + 1</c>, rounded down.</summary>
    public static int OutputLength(int input, int extent, int stride, int before, int after) =>
        (int)Math.Min(((long)input + before + after - extent) / stride + 1, int.MaxValue);

    /// <summary>
    /// Keras's and TensorFlow's <c>padding="same"</c> along one dimension (as <c>NetGen.Kernels.Conv2D.SamePadding</c>):
    /// <c>ceil(input / stride)</c> outputs need <c>total = max((ceil(input / stride) - 1) * stride + extent - input, 0)</c>,
    /// <c>total / 2</c> before the first position and the rest after the last. The total is below the extent, so it
    /// fits an int.
    /// </summary>
    public static (int Before, int After) SamePadding(int input, int extent, int stride)
    {
        long outputs = ((long)input + stride - 1) / stride;
        long total = Math.Max((outputs - 1) * stride + extent - input, 0);
        return ((int)(total / 2), (int)(total - total / 2));
    }

    /// <summary>The padding of <paramref name="conv"/> on each side of <paramref name="input"/>: its Padding on every side, or Keras's rule per dimension with SamePadding.</summary>
    public static ConvolutionPadding PaddingOf(Conv2DSpec conv, TensorShape input)
    {
        if (!conv.SamePadding) return new ConvolutionPadding(conv.Padding, conv.Padding, conv.Padding, conv.Padding);
        (int top, int bottom) = SamePadding(input.Dimensions[1], conv.KernelExtent, conv.Stride);
        (int left, int right) = SamePadding(input.Dimensions[2], conv.KernelExtent, conv.Stride);
        return new ConvolutionPadding(top, left, bottom, right);
    }

    private static string KernelText(Conv2DSpec conv) => conv.Dilation == 1
        ? $"{conv.Kernel}x{conv.Kernel} kernel"
        : $"{conv.Kernel}x{conv.Kernel} kernel with dilation {conv.Dilation} (spanning {conv.KernelExtent})";

    internal static ShapeError NeedsImage(LayerSpec spec, string kind, TensorShape input)
    {
        int side = (int)Math.Round(Math.Sqrt(input.Size));
        string fix = input.Rank == 1 && side * side == input.Size
            ? $"declare [Input(1, {side}, {side})], or insert [Reshape(1, {side}, {side})] before it"
            : "declare [Input(channels, height, width)], or insert [Reshape(channels, height, width)] before it";
        return new ShapeError(spec.Index, null, DiagnosticIds.SpatialLayerNeedsImage, EquatableArray.Create(kind, input.ToString(), fix));
    }

    /// <summary>
    /// A window spanning <paramref name="extent"/> must fit the padded input (NG0021) and, with
    /// <paramref name="exactFit"/>, tile it a whole number of times (NG0022, which suggests a padding or stride that does).
    /// </summary>
    private static ShapeError? CheckWindow(LayerSpec spec, string name, TensorShape input, int extent, string window,
        int stride, int padding, bool exactFit, int maxPadding, bool suggestSamePadding)
    {
        // In long: a padding or stride near int.MaxValue must give a message, not a wrapped sum.
        int height = input.Dimensions[1], width = input.Dimensions[2];
        int smaller = Math.Min(height, width);
        if (extent > smaller + 2L * padding)
        {
            string padded = padding == 0 ? "" : $" (padded by {Int(padding)} to {Long(height + 2L * padding)}x{Long(width + 2L * padding)})";
            string argument = spec is Conv2DSpec ? "kernel" : "size";
            return new ShapeError(spec.Index, argument, DiagnosticIds.KernelLargerThanInput,
                EquatableArray.Create(name, window, $"{Int(height)}x{Int(width)}", padded, Long(smaller + 2L * padding)));
        }

        if (!exactFit) return null;
        foreach ((string dimension, int length, string unit) in new[] { ("height", height, "row"), ("width", width, "column") })
        {
            long span = length + 2L * padding - extent;
            long dropped = span % stride;
            if (dropped == 0) continue;

            string outputs = (span / (double)stride + 1).ToString("0.###", CultureInfo.InvariantCulture);
            string fix = Suggest(height, width, extent, stride, padding, maxPadding, suggestSamePadding);
            return new ShapeError(spec.Index, "Stride", DiagnosticIds.OutputSizeNotWhole, EquatableArray.Create(
                name, input.ToString(), dimension, Int(length), Int(padding), Int(extent), Int(stride), outputs,
                dropped == 1 ? unit : $"{Long(dropped)} {unit}s", fix));
        }

        return null;
    }

    /// <summary>
    /// The paddings and strides nearest to the declared ones that fit both dimensions exactly. The searches stay within
    /// the padded input: a stride past it gives one output whatever its value, so a stride of int.MaxValue costs no more
    /// than one of 3.
    /// </summary>
    private static string Suggest(int height, int width, int extent, int stride, int padding, int maxPadding, bool suggestSamePadding)
    {
        bool Fits(long s, long p) => new long[] { height, width }.All(n => n + 2 * p >= extent && (n + 2 * p - extent) % s == 0);

        var options = new List<string>();
        // Paddings: the ones closest to the declared padding (ties give two), searched up to one kernel and two strides past the input.
        long largest = Math.Max(height, width) + 2L * padding;
        long searchLimit = Math.Min(maxPadding, Math.Min((long)padding + 2L * Math.Min(stride, largest) + extent, Math.Max(height, width) + 2L * extent));
        List<int> paddings = Nearest(Enumerable.Range(0, (int)Math.Max(searchLimit + 1, 0)).Where(p => Fits(stride, p)), padding);
        if (paddings.Count > 0) options.Add("Padding = " + string.Join(" or ", paddings.Select(Int)));
        // Strides: the nearest below and above the declared stride (stride 1 always fits), none past the padded input.
        long? below = null, above = null;
        for (long s = Math.Min(stride - 1L, largest); s >= 1 && below is null; s--) if (Fits(s, padding)) below = s;
        for (long s = stride + 1L; s <= largest && above is null; s++) if (Fits(s, padding)) above = s;
        var strides = new[] { below, above }.Where(s => s is not null).Select(s => Long(s!.Value)).ToList();
        if (strides.Count > 0) options.Add("Stride = " + string.Join(" or ", strides));
        if (suggestSamePadding) options.Add("SamePadding = true");
        return "use " + string.Join(", or ", options);
    }

    private static List<int> Nearest(IEnumerable<int> candidates, int target)
    {
        var list = candidates.ToList();
        if (list.Count == 0) return list;
        int best = list.Min(c => Math.Abs(c - target));
        return list.Where(c => Math.Abs(c - target) == best).ToList();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A convolution's zero padding on each side, in ONNX's <c>pads</c> order.</summary>
public readonly record struct ConvolutionPadding(int Top, int Left, int Bottom, int Right)
{
    /// <summary>The same padding on every side: the kernels' overloads with one padding per dimension, and the direct and fused paths, take it.</summary>
    public bool IsUniform => Top == Left && Left == Bottom && Bottom == Right;

    /// <summary>"1" when uniform, else "top 0, left 0, bottom 1, right 1".</summary>
    public override string ToString() => IsUniform
        ? Top.ToString(CultureInfo.InvariantCulture)
        : string.Format(CultureInfo.InvariantCulture, "top {0}, left {1}, bottom {2}, right {3}", Top, Left, Bottom, Right);
}
