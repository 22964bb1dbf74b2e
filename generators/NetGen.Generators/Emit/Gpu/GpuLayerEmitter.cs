using System.Collections.Generic;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit.Gpu;

/// <summary>
/// A batch of activations in the generated Gpu class: a device buffer of <c>BatchSize * size</c> floats (the
/// kernels use its leading <c>rows * size</c>), or the device copy of the caller's inputs.
/// </summary>
internal sealed record GpuBuffer(string Field, string SizeConstant)
{
    public static GpuBuffer Inputs { get; } = new("_inputs", "InputSize");

    /// <summary>The expression of the whole buffer as an <c>ArrayView&lt;float&gt;</c>.</summary>
    public string View => Field + ".View";
}

/// <summary>
/// Emits one layer's part of the generated Gpu class: constants, device buffers, the forward launch and the
/// backward launches. One subclass per layer kind, as for the CPU emitters; a layer kind without one has no GPU
/// kernel yet, and the network then gets no Gpu class (see <see cref="GpuEmitter.FirstUnsupportedFeature"/>).
/// </summary>
internal abstract class GpuLayerEmitter(ResolvedLayer layer)
{
    public ResolvedLayer Layer { get; } = layer;

    public string Name => Layer.Name;

    /// <summary>Where this layer reads its input and writes its input gradient (null for the first layer).</summary>
    public GpuBuffer Input { get; set; } = GpuBuffer.Inputs;

    public GpuBuffer? InputGradient { get; set; }

    public abstract GpuBuffer Output { get; }

    public abstract GpuBuffer? OutputGradient { get; }

    /// <summary>One line for the comment above the layer's code, e.g. "Dense1: 784 -> 256, ReLU".</summary>
    public abstract string Describe();

    /// <summary>The row of the kernel table in the class remarks: layer, forward kernel, backward kernels.</summary>
    public abstract string[] KernelRow();

    /// <summary>Device floats of this layer's activation buffers at the full batch.</summary>
    public virtual long ActivationFloats(int batchSize) => 0;

    public virtual void EmitConstants(SourceWriter writer)
    {
    }

    /// <summary>Field declarations of the layer's device buffers.</summary>
    public virtual void EmitFields(SourceWriter writer)
    {
    }

    /// <summary>Constructor code that allocates the buffers on <c>accelerator</c>.</summary>
    public virtual void EmitAllocation(SourceWriter writer)
    {
    }

    /// <summary>Views into the flat parameter and gradient buffers.</summary>
    public virtual void EmitAccessors(SourceWriter writer)
    {
    }

    /// <summary>Lines of <c>Dispose()</c> for the layer's buffers.</summary>
    public virtual IEnumerable<string> DisposedFields()
    {
        yield break;
    }

    public abstract void EmitForward(SourceWriter writer);

    public abstract void EmitBackward(SourceWriter writer);

    /// <summary>Expressions (chained with ??) naming this layer's first non-finite parameter or output; run only after a NaN loss.</summary>
    public virtual IEnumerable<string> NonFiniteChecks()
    {
        yield break;
    }

    protected string Field(string suffix) => "_" + char.ToLowerInvariant(Name[0]) + Name.Substring(1) + suffix;

    /// <summary>The emitter for <paramref name="layer"/>, or null when its kind has no GPU kernel yet.</summary>
    public static GpuLayerEmitter? For(ResolvedLayer layer) => layer.Spec switch
    {
        DenseSpec => new GpuDenseEmitter(layer),
        FlattenSpec => new GpuFlattenEmitter(layer),
        _ => null,
    };
}
