using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>[BatchNorm(Momentum = ..., Epsilon = ...)].</summary>
    public sealed record BatchNormSpec(int Index, double Momentum, double Epsilon) : LayerSpec(Index);
    /// <summary>[LayerNorm(Epsilon = ...)].</summary>
    public sealed record LayerNormSpec(int Index, double Epsilon) : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>[BatchNorm]: per feature after a dense layer, per channel after a convolution; running statistics for inference.</summary>
    internal sealed class BatchNormLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["BatchNormAttribute"];

        public override Type SpecType => typeof(BatchNormSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            double momentum = reader.Double(attribute, "Momentum", 0.1);
            double epsilon = reader.Double(attribute, "Epsilon", 1e-5);
            reader.RequireRange(attribute, "BatchNorm", "Momentum", momentum, v => v >= 0 && v <= 1, "in [0, 1], such as 0.1");
            reader.RequireRange(attribute, "BatchNorm", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-5");
            return new BatchNormSpec(index, momentum, epsilon);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            TensorShape shape = context.Input;
            if (shape.Rank is not (1 or 3)) return context.Error(spec, DiagnosticIds.NormalizationShape, shape.ToString());

            // One scale and shift per feature (after dense) or per channel (after convolution); running mean and variance beside.
            int channels = shape.Dimensions[0];
            int offset = context.ParameterOffset;
            var layer = new ResolvedLayer(spec, context.Name, shape, shape, offset, channels, offset + channels, channels, context.StatisticsOffset, 2 * channels);
            return Shaped.Of(layer, 2L * shape.Size);
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new BatchNormEmitter(layer);
    }

    /// <summary>[LayerNorm]: over each sample's values (each position's features in a sequence), with a scale and shift per value.</summary>
    internal sealed class LayerNormLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["LayerNormAttribute"];

        public override Type SpecType => typeof(LayerNormSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            double epsilon = reader.Double(attribute, "Epsilon", 1e-5);
            reader.RequireRange(attribute, "LayerNorm", "Epsilon", epsilon, v => v > 0, "a small positive number, such as 1e-5");
            return new LayerNormSpec(index, epsilon);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            // A (steps, features) sequence is normalized at each position over its features, as nn.LayerNorm(features).
            long features = context.Input.Rank == 2 ? context.Input.Dimensions[1] : context.Input.LongSize;
            return context.Parameters(spec, context.Input, features, features, 2L * context.Input.LongSize);
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new LayerNormEmitter(layer);
    }
}
