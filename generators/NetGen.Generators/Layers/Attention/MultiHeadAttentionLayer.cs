using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>[MultiHeadAttention(heads, Causal = ..., Dropout = ..., UseBias = ..., Rotary = ...)] on a (steps, width) sequence.</summary>
public sealed record MultiHeadAttentionSpec(int Index, int Heads, bool Causal, double Dropout, bool UseBias, bool Rotary) : LayerSpec(Index);

/// <summary>
/// The MultiHeadAttention slice: attribute reading and the shape rule here, CPU emission in
/// <see cref="MultiHeadAttentionEmitter"/>. Parameters, as nanoGPT's CausalSelfAttention (PyTorch's Linear layout):
/// c_attn.weight [3·width, width] then c_proj.weight [width, width], then c_attn.bias [3·width] and c_proj.bias [width].
/// </summary>
internal sealed class MultiHeadAttentionLayer : LayerKind
{
    public override IEnumerable<string> AttributeNames => ["MultiHeadAttentionAttribute"];

    public override Type SpecType => typeof(MultiHeadAttentionSpec);

    public override LayerSpec Read(AttributeReader reader, AttributeData attribute, int index)
    {
        int heads = reader.PositionalInt(attribute, 0);
        reader.RequirePositive(attribute, 0, heads, "MultiHeadAttention heads");
        double dropout = reader.Double(attribute, "Dropout", 0.0);
        reader.RequireRange(attribute, "MultiHeadAttention", "Dropout", dropout, v => v >= 0 && v < 1, "in [0, 1), such as 0.1");
        return new MultiHeadAttentionSpec(index, heads, reader.Bool(attribute, "Causal", false), dropout,
            reader.Bool(attribute, "UseBias", true), reader.Bool(attribute, "Rotary", false));
    }

    public override Shaped Resolve(LayerSpec spec, ShapeContext context)
    {
        var attention = (MultiHeadAttentionSpec)spec;
        TensorShape shape = context.Input;
        if (shape.Rank != 2) return context.Error(spec, DiagnosticIds.RecurrentNeedsSequence, "MultiHeadAttention", shape.ToString());
        int steps = shape.Dimensions[0], width = shape.Dimensions[1];
        if (attention.Heads <= 0) return context.Error(spec, DiagnosticIds.ValueOutOfRange, "MultiHeadAttention heads", "not positive", "a divisor of the width");
        if (width % attention.Heads != 0)
        {
            return Invalid(spec, "heads", "MultiHeadAttention heads", attention.Heads.ToString(CultureInfo.InvariantCulture),
                $"a divisor of the sequence's width {width.ToString(CultureInfo.InvariantCulture)} (each head attends with width / heads features)");
        }

        int headSize = width / attention.Heads;
        if (attention.Rotary && headSize % 2 != 0)
        {
            return Invalid(spec, "Rotary", "MultiHeadAttention's head size with Rotary = true", headSize.ToString(CultureInfo.InvariantCulture),
                "even (rotary embeddings rotate pairs of features): choose heads so that width / heads is even");
        }

        long weights = 4L * width * width, biases = attention.UseBias ? 4L * width : 0;
        // qkv and its gradient (3 widths each), the heads' output and its gradient, the output and its gradient, and
        // one log-sum-exp per head and query row.
        long activations = (long)steps * (6L * width + 2L * width + 2L * width + attention.Heads);
        return context.Parameters(spec, shape, weights, biases, activations);
    }

    public override LayerEmitter CreateEmitter(ResolvedLayer layer) => new MultiHeadAttentionEmitter(layer);

    // NG0009 at the argument that cannot work (a constructor parameter's name stands for its position).
    private static Shaped Invalid(LayerSpec spec, string argument, string what, string value, string expected) =>
        Shaped.Failed(new ShapeError(spec.Index, argument, DiagnosticIds.ValueOutOfRange, EquatableArray.Create(what, value, expected)));
}
