using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>[Flatten].</summary>
    public sealed record FlattenSpec(int Index) : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>[Flatten]: (channels, height, width) or (steps, features) to a vector, a view of its input (no copy).</summary>
    internal sealed class FlattenLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["FlattenAttribute"];

        public override Type SpecType => typeof(FlattenSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index) => new FlattenSpec(index);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context) =>
            Shaped.Of(context.WithParameters(spec, TensorShape.Vector(context.Input.Size), 0, 0), 0);

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new FlattenEmitter(layer);
    }
}
