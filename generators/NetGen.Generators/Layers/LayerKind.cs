using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Parser;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>What a layer kind's shape rule sees: its names, its inputs' shapes and where its parameters start.</summary>
internal sealed class ShapeContext(string name, EquatableArray<int> sources, EquatableArray<TensorShape> inputs, int parameterOffset,
    int statisticsOffset, int batchSize, Func<int, string> describe)
{
    /// <summary>The prefix of the layer's generated members ("Dense2").</summary>
    public string Name { get; } = name;

    /// <summary>The layers it reads (-1: the network input).</summary>
    public EquatableArray<int> Sources { get; } = sources;

    /// <summary>The shapes of its inputs; <see cref="Input"/> is the first.</summary>
    public EquatableArray<TensorShape> Inputs { get; } = inputs;

    public TensorShape Input => Inputs[0];

    /// <summary>Where its parameters start in the flat buffer.</summary>
    public int ParameterOffset { get; } = parameterOffset;

    /// <summary>Where its running statistics start in the statistics buffer.</summary>
    public int StatisticsOffset { get; } = statisticsOffset;

    public int BatchSize { get; } = batchSize;

    /// <summary>How messages name input <c>i</c>'s source: "dense2" or "the input".</summary>
    public string Describe(int input) => describe(Sources[input]);

    /// <summary>A layer whose output has its input's shape and no parameters.</summary>
    public ResolvedLayer SameShape(LayerSpec spec) => new(spec, Name, Input, Input, ParameterOffset, 0, ParameterOffset, 0);

    /// <summary>A layer with <paramref name="weights"/> then <paramref name="biases"/> parameters (counts that fit; see <see cref="Parameters"/>).</summary>
    public ResolvedLayer WithParameters(LayerSpec spec, TensorShape output, int weights, int biases) =>
        new(spec, Name, Input, output, ParameterOffset, weights, ParameterOffset + weights, biases);

    /// <summary>
    /// A layer with <paramref name="weights"/> then <paramref name="biases"/> parameters counted in long, or NG0016 when the
    /// network's parameters would pass what one .NET array holds (a product that wraps int must never pass).
    /// </summary>
    public Shaped Parameters(LayerSpec spec, TensorShape output, long weights, long biases, long activationFloats)
    {
        long end = ParameterOffset + weights + biases;
        if (end > ShapeInference.MaxFloats) return TooLarge(spec, end, "the parameters up to and including it");
        return Shaped.Of(WithParameters(spec, output, (int)weights, (int)biases), activationFloats);
    }

    /// <summary>NG0016 at the layer: <paramref name="floats"/> floats for <paramref name="what"/>.</summary>
    public Shaped TooLarge(LayerSpec spec, long floats, string what) =>
        Error(spec, DiagnosticIds.SizeTooLarge, Name, Emit.Literals.Grouped(floats), what, Emit.Literals.Grouped(ShapeInference.MaxFloats));

    public Shaped Error(LayerSpec spec, string diagnosticId, params string[] arguments) =>
        Shaped.Failed(new ShapeError(spec.Index, null, diagnosticId, arguments.ToEquatableArray()));
}

/// <summary>
/// A shape rule's result: the resolved layer with the floats its buffers hold per sample and the scratch it needs at the
/// full batch (shared by every layer, sized for the largest), or the error that explains why the shapes cannot work.
/// </summary>
internal readonly record struct Shaped(ResolvedLayer? Layer, ShapeError? Error, long ActivationFloats, long ScratchFloats)
{
    public static Shaped Failed(ShapeError error) => new(null, error, 0, 0);

    public static Shaped Of(ResolvedLayer layer, long activationFloats, long scratchFloats = 0) => new(layer, null, activationFloats, scratchFloats);
}

/// <summary>
/// One kind of layer, in one place: the attributes it reads, its shape rule and the emitter that prints its code (which
/// also names its checkpoint tensors and its ONNX operator). Every stage finds kinds through <see cref="LayerKinds"/>, so a
/// new kind is one class deriving from this one, beside its attribute and its kernel.
/// </summary>
internal abstract class LayerKind
{
    /// <summary>The attribute classes it reads ("DenseAttribute"); none for kinds the graph reader makes (joins).</summary>
    public virtual IEnumerable<string> AttributeNames => Array.Empty<string>();

    /// <summary>The model record it resolves.</summary>
    public abstract Type SpecType { get; }

    /// <summary>Reads one attribute into its record at <paramref name="index"/>, each invalid argument reported at its location.</summary>
    public virtual LayerSpec? Read(AttributeReader reader, AttributeData attribute, int index) => null;

    /// <summary>The shape rule: output shape, parameter layout and buffer sizes, or a located error.</summary>
    public abstract Shaped Resolve(LayerSpec spec, ShapeContext context);

    /// <summary>The CPU emitter of one resolved layer of this kind.</summary>
    public abstract LayerEmitter CreateEmitter(ResolvedLayer layer);
}

/// <summary>The table of layer kinds every stage reads: each <see cref="LayerKind"/> in this assembly, found once.</summary>
internal static class LayerKinds
{
    private static readonly LayerKind[] All = typeof(LayerKind).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(LayerKind).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .Select(t => (LayerKind)Activator.CreateInstance(t)!)
        .ToArray();

    private static readonly Dictionary<string, LayerKind> ByAttribute = All
        .SelectMany(kind => kind.AttributeNames.Select(name => (name, kind)))
        .ToDictionary(p => p.name, p => p.kind, StringComparer.Ordinal);

    private static readonly Dictionary<Type, LayerKind> BySpec = All.ToDictionary(kind => kind.SpecType);

    /// <summary>The kind that reads this attribute class, or null (not a layer attribute).</summary>
    public static LayerKind? ForAttribute(string attributeName) => ByAttribute.TryGetValue(attributeName, out LayerKind? kind) ? kind : null;

    /// <summary>The kind of a layer record.</summary>
    public static LayerKind For(LayerSpec spec) => BySpec.TryGetValue(spec.GetType(), out LayerKind? kind)
        ? kind
        : throw new InvalidOperationException($"{spec.GetType().Name} has no layer kind registered.");
}
