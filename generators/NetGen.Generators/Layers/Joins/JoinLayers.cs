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
    /// [Add("a", "b")] or the join that [EndResidual] closes (<see cref="Residual"/>): the element-wise sum of its
    /// <see cref="LayerSpec.Inputs"/>, which all have one shape.
    /// </summary>
    public sealed record AddSpec(int Index, bool Residual = false) : LayerSpec(Index)
    {
        public override string KindName => Residual ? "Residual" : "Add";
    }
    /// <summary>[Concat("a", "b", Axis = ...)]: the inputs joined along <see cref="Axis"/> of a sample (negative: from the last).</summary>
    public sealed record ConcatSpec(int Index, int Axis) : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>[Add] and the residual join: the element-wise sum of inputs of one shape (read by the graph reader).</summary>
    internal sealed class AddLayer : LayerKind
    {
        public override Type SpecType => typeof(AddSpec);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            TensorShape shape = context.Input;
            for (int i = 1; i < context.Inputs.Count; i++)
            {
                if (context.Inputs[i] == shape) continue;
                string advice = ((AddSpec)spec).Residual
                    ? "set Projection = true on [Residual] to learn a projection of the shortcut, or end the branch with the shortcut's shape"
                    : "add outputs of one shape, or project one of them first (a [Dense] or 1x1 [Conv2D])";
                return context.Error(spec, DiagnosticIds.JoinShapeMismatch, context.Name, context.Describe(0), shape.ToString(), context.Describe(i), context.Inputs[i].ToString(), advice);
            }

            return Shaped.Of(context.SameShape(spec), 2L * shape.Size);
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new AddEmitter(layer);
    }

    /// <summary>[Concat]: the inputs joined along one axis of a sample (read by the graph reader).</summary>
    internal sealed class ConcatLayer : LayerKind
    {
        public override Type SpecType => typeof(ConcatSpec);

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            var concat = (ConcatSpec)spec;
            TensorShape shape = context.Input;
            int axis = concat.Axis < 0 ? concat.Axis + shape.Rank : concat.Axis;
            if (axis < 0 || axis >= shape.Rank)
            {
                return Shaped.Failed(new ShapeError(spec.Index, "Axis", DiagnosticIds.InvalidJoin, EquatableArray.Create(
                    $"Axis {concat.Axis.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside the {shape.Rank} dimensions of {context.Describe(0)} ({shape}): use 0 to {shape.Rank - 1}, or -1 for the last")));
            }

            int[] dimensions = [.. shape.Dimensions];
            for (int i = 1; i < context.Inputs.Count; i++)
            {
                TensorShape other = context.Inputs[i];
                bool fits = other.Rank == shape.Rank && System.Linq.Enumerable.All(System.Linq.Enumerable.Range(0, shape.Rank), d => d == axis || other.Dimensions[d] == shape.Dimensions[d]);
                if (!fits)
                {
                    return context.Error(spec, DiagnosticIds.JoinShapeMismatch, context.Name, context.Describe(0), shape.ToString(), context.Describe(i), other.ToString(),
                        $"every dimension but axis {axis.ToString(System.Globalization.CultureInfo.InvariantCulture)} must agree");
                }

                dimensions[axis] += other.Dimensions[axis];
            }

            var output = new TensorShape(dimensions.ToEquatableArray());
            return Shaped.Of(context.WithParameters(spec, output, 0, 0), 2L * output.Size);
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new ConcatEmitter(layer);
    }
}
