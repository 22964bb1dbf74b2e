using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>[Dense(units, activation, Init = ..., InitScale = ..., UseBias = ..., L1 = ..., L2 = ...)].</summary>
    public sealed record DenseSpec(int Index, int Units, ActivationSpec Activation, WeightInitKind Init, double InitScale, bool UseBias, PenaltySpec Penalty)
        : LayerSpec(Index);
}

namespace NetGen.Generators.Layers
{
    /// <summary>
    /// [Dense(units, activation, ...)]: <c>y = activation(x W^T + b)</c>, W [units, inputs]. After a (steps, features)
    /// sequence it applies at every step.
    /// </summary>
    internal sealed class DenseLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["DenseAttribute"];

        public override Type SpecType => typeof(DenseSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            int units = reader.PositionalInt(attribute, 0);
            reader.RequirePositive(attribute, 0, units, "Dense units");
            var activation = reader.Enum<ActivationKind>(attribute, 1, "Activation", ActivationKind.Identity, "NetGen.Activation");
            double alpha = reader.OptionalNonNegative(attribute, "Dense", "ActivationAlpha");
            (WeightInitKind init, double initScale) = reader.Initializer(attribute, "Dense");

            bool useBias = reader.Bool(attribute, "UseBias", true);
            var penalty = new PenaltySpec(reader.OptionalNonNegative(attribute, "Dense", "L1"), reader.OptionalNonNegative(attribute, "Dense", "L2"));
            return new DenseSpec(index, units, new ActivationSpec(activation, alpha), init, initScale, useBias, penalty);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            var dense = (DenseSpec)spec;
            TensorShape shape = context.Input;
            // A (steps, features) sequence: the same dense layer applies at every step.
            if (shape.Rank is not (1 or 2))
            {
                return context.Error(spec, DiagnosticIds.DenseNeedsVector, shape.ToString(), shape.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            int inputs = shape.Dimensions[shape.Rank - 1];
            var output = shape.Rank == 2 ? new TensorShape(EquatableArray.Create(shape.Dimensions[0], dense.Units)) : TensorShape.Vector(dense.Units);
            // Output plus its gradient, and the pre-activation when the activation does not fuse into the product.
            return context.Parameters(spec, output, (long)dense.Units * inputs, dense.UseBias ? dense.Units : 0,
                output.LongSize * (DenseKernelChoice.FusesActivation(dense.Activation) ? 2 : 3));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new DenseEmitter(layer);
    }
}
