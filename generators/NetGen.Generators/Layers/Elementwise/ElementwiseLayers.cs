using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>[Activation(kind, Alpha = ...)].</summary>
    public sealed record ActivationLayerSpec(int Index, ActivationSpec Activation) : LayerSpec(Index)
    {
        public override string KindName => "Activation";
    }
    /// <summary>[Softmax].</summary>
    public sealed record SoftmaxSpec(int Index) : LayerSpec(Index);
    /// <summary>[Dropout(rate)].</summary>
    public sealed record DropoutSpec(int Index, double Rate) : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>[Activation(kind)]: y = f(x), output and its gradient.</summary>
    internal sealed class ActivationLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["ActivationAttribute"];

        public override Type SpecType => typeof(ActivationLayerSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            var activation = reader.Enum<ActivationKind>(attribute, 0, "activation", ActivationKind.Identity, "NetGen.Activation");
            double alpha = reader.OptionalNonNegative(attribute, "Activation", "Alpha");
            return new ActivationLayerSpec(index, new ActivationSpec(activation, alpha));
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context) => Shaped.Of(context.SameShape(spec), 2L * context.Input.Size);

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new ActivationLayerEmitter(layer);
    }

    /// <summary>[Softmax]: each sample's values to probabilities; output and its gradient.</summary>
    internal sealed class SoftmaxLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["SoftmaxAttribute"];

        public override Type SpecType => typeof(SoftmaxSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) => new SoftmaxSpec(index);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context) => Shaped.Of(context.SameShape(spec), 2L * context.Input.Size);

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new SoftmaxEmitter(layer);
    }

    /// <summary>[Dropout(rate)]: inverted dropout in training; output, mask and gradient.</summary>
    internal sealed class DropoutLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["DropoutAttribute"];

        public override Type SpecType => typeof(DropoutSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            double rate = reader.PositionalDouble(attribute, 0);
            reader.RequireRange(attribute, 0, "Dropout rate", rate, v => v >= 0 && v < 1, "in [0, 1), such as 0.5");
            return new DropoutSpec(index, rate);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context) => Shaped.Of(context.SameShape(spec), 3L * context.Input.Size);

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new DropoutEmitter(layer);
    }
}
