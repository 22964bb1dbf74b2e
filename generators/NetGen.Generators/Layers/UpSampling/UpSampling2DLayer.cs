using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>[UpSampling2D(scaleHeight, scaleWidth, Mode = ...)]: (C, H, W) to (C, H·sH, W·sW), nearest or bilinear.</summary>
public sealed record UpSampling2DSpec(int Index, int ScaleHeight, int ScaleWidth, bool Bilinear) : LayerSpec(Index);

/// <summary>
/// The whole UpSampling2D slice: attribute reading, shape rule, CPU emission (the kernels in NetGen.Kernels.UpSampling2D)
/// and the ONNX mapping (one Resize node), in one file.
/// </summary>
internal sealed class UpSampling2DLayer : LayerKind
{
    public override IEnumerable<string> AttributeNames => ["UpSampling2DAttribute"];

    public override Type SpecType => typeof(UpSampling2DSpec);

    public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
    {
        int height = reader.PositionalInt(attribute, 0);
        int width = attribute.ConstructorArguments.Length > 1 ? reader.PositionalInt(attribute, 1) : height;
        reader.RequirePositive(attribute, 0, height, attribute.ConstructorArguments.Length > 1 ? "UpSampling2D scaleHeight" : "UpSampling2D scale");
        if (attribute.ConstructorArguments.Length > 1) reader.RequirePositive(attribute, 1, width, "UpSampling2D scaleWidth");
        var mode = reader.NamedEnum(attribute, "Mode", UpSamplingModeKind.Nearest, "NetGen.UpSamplingMode");
        return new UpSampling2DSpec(index, height, width, mode == UpSamplingModeKind.Bilinear);
    }

    /// <summary>NetGen.UpSamplingMode's values, for reading the attribute.</summary>
    private enum UpSamplingModeKind
    {
        Nearest = 0,
        Bilinear = 1,
    }

    public override Shaped Resolve(LayerSpec spec, ShapeContext context)
    {
        var up = (UpSampling2DSpec)spec;
        TensorShape input = context.Input;
        if (input.Rank != 3) return Shaped.Failed(ConvolutionShapes.NeedsImage(spec, "UpSampling2D", input));
        long height = (long)input.Dimensions[1] * up.ScaleHeight, width = (long)input.Dimensions[2] * up.ScaleWidth;
        long floats = TensorShape.SaturatingMultiply(TensorShape.SaturatingMultiply(height, width), input.Dimensions[0]);
        if (floats > ShapeInference.MaxFloats) return context.TooLarge(spec, floats, "one sample's output");
        var output = new TensorShape(EquatableArray.Create(input.Dimensions[0], (int)height, (int)width));
        // Output and its gradient.
        return Shaped.Of(context.WithParameters(spec, output, 0, 0), 2L * output.LongSize);
    }

    public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new UpSampling2DEmitter(layer);

    private sealed class UpSampling2DEmitter(ResolvedLayer layer) : ElementwiseEmitter(layer)
    {
        private UpSampling2DSpec Spec => (UpSampling2DSpec)Layer.Spec;

        private string Kernel => "global::NetGen.Kernels.UpSampling2D." + (Spec.Bilinear ? "Bilinear" : "Nearest");

        private string Shape => $"rows, {Name}Channels, {Name}InHeight, {Name}InWidth, {Name}ScaleHeight, {Name}ScaleWidth";

        public override string Describe() =>
            $"{Name}: {Layer.Input} -> {Layer.Output}, {(Spec.Bilinear ? "bilinear" : "nearest")} x{Spec.ScaleHeight}" + (Spec.ScaleWidth != Spec.ScaleHeight ? $"x{Spec.ScaleWidth}" : "");

        public override string TableName() => $"{Name} x{Spec.ScaleHeight}" + (Spec.ScaleWidth != Spec.ScaleHeight ? $"x{Spec.ScaleWidth}" : "") + (Spec.Bilinear ? " bilinear" : "");

        public override void EmitConstants(SourceWriter writer)
        {
            base.EmitConstants(writer);
            writer.WriteLine($"private const int {Name}Channels = {Literals.Int(Layer.Input.Dimensions[0])};");
            writer.WriteLine($"private const int {Name}InHeight = {Literals.Int(Layer.Input.Dimensions[1])};");
            writer.WriteLine($"private const int {Name}InWidth = {Literals.Int(Layer.Input.Dimensions[2])};");
            writer.WriteLine($"private const int {Name}ScaleHeight = {Literals.Int(Spec.ScaleHeight)};");
            writer.WriteLine($"private const int {Name}ScaleWidth = {Literals.Int(Spec.ScaleWidth)};");
        }

        public override void EmitForward(SourceWriter writer)
        {
            writer.WriteLine($"// {Describe()}");
            writer.WriteLine($"{Kernel}Forward({Input.Span}, {Output.Span}, {Shape});");
        }

        protected override void EmitBackwardCore(SourceWriter writer, string inputGradient) =>
            writer.WriteLine($"{Kernel}Backward({OutputGradient!.Span}, {inputGradient}, {Shape});");

        // ONNX Resize with scales [1, 1, sH, sW]: nearest with PyTorch's floor indexing, or linear with half-pixel centres (align_corners=False).
        public override string OnnxOperator(string name, Func<string, string> offset)
        {
            string scales = $"new float[] {{ 1f, 1f, {Literals.Float(Spec.ScaleHeight)}, {Literals.Float(Spec.ScaleWidth)} }}";
            string attributes = Spec.Bilinear
                ? $"{OnnxEmitter.Onnx}OnnxAttribute.String(\"mode\", \"linear\"), {OnnxEmitter.Onnx}OnnxAttribute.String(\"coordinate_transformation_mode\", \"pytorch_half_pixel\")"
                : $"{OnnxEmitter.Onnx}OnnxAttribute.String(\"mode\", \"nearest\"), {OnnxEmitter.Onnx}OnnxAttribute.String(\"coordinate_transformation_mode\", \"asymmetric\"), {OnnxEmitter.Onnx}OnnxAttribute.String(\"nearest_mode\", \"floor\")";
            return $"new {OnnxEmitter.Onnx}OnnxSingleNode({name}, \"Resize\", new float[]?[] {{ null, {scales} }}, {attributes})";
        }
    }
}
