using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>
    /// [Conv2D(filters, kernel, Stride = ..., Padding = ..., SamePadding = ..., Dilation = ..., Activation = ..., ActivationAlpha = ...,
    /// Init = ..., InitScale = ..., UseBias = ..., L1 = ..., L2 = ...)]: a square kernel, the same stride, padding and dilation in both dimensions.
    /// With <see cref="SamePadding"/> the padding depends on the input (Keras's rule, per side: <c>ConvolutionShapes.PaddingOf</c>).
    /// </summary>
    public sealed record Conv2DSpec(int Index, int Filters, int Kernel, int Stride, int Padding, bool SamePadding, int Dilation,
        ActivationSpec Activation, WeightInitKind Init, double InitScale, bool UseBias, PenaltySpec Penalty) : LayerSpec(Index)
    {
        /// <summary>Positions one kernel spans with its dilation: <c>dilation * (kernel - 1) + 1</c>.</summary>
        public int KernelExtent => (int)System.Math.Min((long)Dilation * (Kernel - 1) + 1, int.MaxValue);
    }
    public enum PoolKind
    {
        Max,
        Average,
    }

    /// <summary>[MaxPool2D(size, Stride = ..., Padding = ...)] or [AvgPool2D(...)]: square windows.</summary>
    public sealed record Pool2DSpec(int Index, PoolKind Kind, int Size, int Stride, int Padding) : LayerSpec(Index)
    {
        public override string KindName => Kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D";
    }
    /// <summary>[GlobalAvgPool2D]: (channels, height, width) -> (channels).</summary>
    public sealed record GlobalAvgPool2DSpec(int Index) : LayerSpec(Index);
    /// <summary>[Reshape(shape)]: the declared dimensions, at most one of them -1 (inferred by shape inference).</summary>
    public sealed record ReshapeSpec(int Index, EquatableArray<int> Shape) : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>[Conv2D]: a 2-D convolution over (channels, height, width), PyTorch's Conv2d.</summary>
    internal sealed class Conv2DLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["Conv2DAttribute"];

        public override Type SpecType => typeof(Conv2DSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) =>
            ConvolutionReader.Conv2D(reader, attribute, index, reader.Reports);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            ShapeError? error = ConvolutionShapes.Resolve(spec, context.Name, context.Input, context.ParameterOffset, out ResolvedLayer layer, out long floats);
            return error is not null ? Shaped.Failed(error) : Shaped.Of(layer, floats, ConvolutionShapes.ScratchFloats(layer, context.BatchSize));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new Conv2DEmitter(layer);
    }

    /// <summary>[MaxPool2D] and [AvgPool2D]: square windows.</summary>
    internal sealed class Pool2DLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["MaxPool2DAttribute", "AvgPool2DAttribute"];

        public override Type SpecType => typeof(Pool2DSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) =>
            ConvolutionReader.Pool2D(reader, attribute, index, attribute.AttributeClass!.Name == "MaxPool2DAttribute" ? PoolKind.Max : PoolKind.Average, reader.Reports);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            ShapeError? error = ConvolutionShapes.Resolve(spec, context.Name, context.Input, context.ParameterOffset, out ResolvedLayer layer, out long floats);
            return error is not null ? Shaped.Failed(error) : Shaped.Of(layer, floats, ConvolutionShapes.ScratchFloats(layer, context.BatchSize));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new Pool2DEmitter(layer);
    }

    /// <summary>[GlobalAvgPool2D]: (channels, height, width) to (channels).</summary>
    internal sealed class GlobalAvgPool2DLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["GlobalAvgPool2DAttribute"];

        public override Type SpecType => typeof(GlobalAvgPool2DSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) => new GlobalAvgPool2DSpec(index);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            ShapeError? error = ConvolutionShapes.Resolve(spec, context.Name, context.Input, context.ParameterOffset, out ResolvedLayer layer, out long floats);
            return error is not null ? Shaped.Failed(error) : Shaped.Of(layer, floats, ConvolutionShapes.ScratchFloats(layer, context.BatchSize));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new GlobalAvgPool2DEmitter(layer);
    }

    /// <summary>[Reshape(shape)]: the same values in another shape, a view of its input (no copy).</summary>
    internal sealed class ReshapeLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["ReshapeAttribute"];

        public override Type SpecType => typeof(ReshapeSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) =>
            ConvolutionReader.Reshape(reader, attribute, index, reader.Reports, reader.CancellationToken);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            ShapeError? error = ConvolutionShapes.Resolve(spec, context.Name, context.Input, context.ParameterOffset, out ResolvedLayer layer, out long floats);
            return error is not null ? Shaped.Failed(error) : Shaped.Of(layer, floats, ConvolutionShapes.ScratchFloats(layer, context.BatchSize));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new ReshapeEmitter(layer);
    }
}
