using System;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Layers;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Model
{
    /// <summary>[Embedding(vocabulary, dimensions)]: the first layer of a token network.</summary>
    public sealed record EmbeddingSpec(int Index, int Vocabulary, int Dimensions) : LayerSpec(Index);
    public enum RecurrentKind
    {
        SimpleRnn,
        Lstm,
        Gru,
    }
    /// <summary>[SimpleRnn(hidden)], [Lstm(hidden, ForgetBias = ...)], [Gru(hidden)], each with ReturnSequences and Stateful.</summary>
    public sealed record RecurrentSpec(int Index, RecurrentKind Kind, int Hidden, bool ReturnSequences, bool Stateful, double ForgetBias) : LayerSpec(Index)
    {
        public override string KindName => Kind.ToString();

        /// <summary>Gate blocks in the weights: 1 (SimpleRnn), 4 (Lstm: i, f, g, o), 3 (Gru: r, z, n).</summary>
        public int Gates => Kind switch { RecurrentKind.Lstm => 4, RecurrentKind.Gru => 3, _ => 1 };
    }
}

namespace NetGen.Generators.Layers
{
    /// <summary>[Embedding(vocabulary, dimensions)]: token ids to rows of a table; reads the network's input.</summary>
    internal sealed class EmbeddingLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["EmbeddingAttribute"];

        public override Type SpecType => typeof(EmbeddingSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            int vocabulary = reader.PositionalInt(attribute, 0);
            int dimensions = reader.PositionalInt(attribute, 1);
            reader.RequirePositive(attribute, 0, vocabulary, "Embedding vocabulary");
            reader.RequirePositive(attribute, 1, dimensions, "Embedding dimensions");
            return new EmbeddingSpec(index, vocabulary, dimensions);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            var embedding = (EmbeddingSpec)spec;
            TensorShape shape = context.Input;
            if (context.Sources[0] != -1 || shape.Rank != 1)
            {
                return context.Error(spec, DiagnosticIds.EmbeddingNotFirst, context.Sources[0] != -1
                    ? "the output of layer " + spec.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + " (" + shape + ")"
                    : "an input of shape " + shape);
            }

            // One token id per step in, one [dimensions] row per step out.
            var output = new TensorShape(EquatableArray.Create(shape.Dimensions[0], embedding.Dimensions));
            return context.Parameters(spec, output, (long)embedding.Vocabulary * embedding.Dimensions, 0, 2L * output.LongSize);
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new EmbeddingEmitter(layer);
    }

    /// <summary>[SimpleRnn], [Lstm], [Gru] over a (steps, features) sequence, PyTorch's weight layout.</summary>
    internal sealed class RecurrentLayer : LayerKind
    {
        public override System.Collections.Generic.IEnumerable<string> AttributeNames => ["SimpleRnnAttribute", "LstmAttribute", "GruAttribute"];

        public override Type SpecType => typeof(RecurrentSpec);

        public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
        {
            var kind = attribute.AttributeClass!.Name switch { "LstmAttribute" => RecurrentKind.Lstm, "GruAttribute" => RecurrentKind.Gru, _ => RecurrentKind.SimpleRnn };
            int hidden = reader.PositionalInt(attribute, 0);
            reader.RequirePositive(attribute, 0, hidden, kind + " hidden size");
            double forgetBias = kind == RecurrentKind.Lstm ? reader.Double(attribute, "ForgetBias", 1.0) : double.NaN;
            if (kind == RecurrentKind.Lstm && !double.IsNaN(forgetBias))
            {
                // NaN is documented: PyTorch's uniform initialization of the forget gate's bias.
                reader.RequireRange(attribute, "Lstm", "ForgetBias", forgetBias, v => true, "a finite number (or NaN for PyTorch's uniform initialization)");
            }

            return new RecurrentSpec(index, kind, hidden, reader.Bool(attribute, "ReturnSequences", true), reader.Bool(attribute, "Stateful", false), forgetBias);
        }

        public override Shaped Resolve(LayerSpec spec, ShapeContext context)
        {
            var recurrent = (RecurrentSpec)spec;
            TensorShape shape = context.Input;
            if (shape.Rank != 2) return context.Error(spec, DiagnosticIds.RecurrentNeedsSequence, recurrent.Kind.ToString(), shape.ToString());

            // weightIh [G*H, I], weightHh [G*H, H], then biasIh [G*H], biasHh [G*H].
            int steps = shape.Dimensions[0], features = shape.Dimensions[1];
            long rowsOfWeights = (long)recurrent.Gates * recurrent.Hidden;
            var output = recurrent.ReturnSequences ? new TensorShape(EquatableArray.Create(steps, recurrent.Hidden)) : TensorShape.Vector(recurrent.Hidden);
            // Sequence output and gradient, cache (gates and states of every step) and backward scratch, per sample.
            return context.Parameters(spec, output, rowsOfWeights * ((long)features + recurrent.Hidden), 2 * rowsOfWeights,
                2L * steps * recurrent.Hidden + steps * (2 * rowsOfWeights + 3L * recurrent.Hidden));
        }

        public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new RecurrentEmitter(layer);
    }
}
