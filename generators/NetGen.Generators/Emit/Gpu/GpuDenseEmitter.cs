using System.Collections.Generic;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit.Gpu;

/// <summary>
/// Dense on the device: the forward is one tiled matrix-product kernel with bias and activation fused;
/// the backward is the activation's gradient, two products (input and weight gradients) and the bias sum.
/// </summary>
internal sealed class GpuDenseEmitter(ResolvedLayer layer) : GpuLayerEmitter(layer)
{
    private DenseSpec Spec => (DenseSpec)Layer.Spec;

    private ActivationKind ActivationKind => Spec.Activation.Kind;

    private bool HasActivation => ActivationKind != ActivationKind.Identity;

    /// <summary>The activations the device kernels implement (ActivationKernels in NetGen.Gpu).</summary>
    public static bool SupportsActivation(ActivationKind kind) =>
        kind is ActivationKind.Identity or ActivationKind.ReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

    private string Units => Name + "Units";

    private string Inputs => Name + "Inputs";

    private string Activation => "global::NetGen.Activation." + ActivationKind;

    public override GpuBuffer Output => new(Field("Output"), Units);

    /// <summary>d(loss)/d(output); the activation's backward turns it, in place, into d(loss)/d(pre-activation).</summary>
    public override GpuBuffer? OutputGradient => new(Field("Gradient"), Units);

    private GpuBuffer PreActivation => new(Field("PreActivation"), Units);

    public override string Describe() =>
        $"{Name}: {Layer.Input.Size} -> {Spec.Units}" + (HasActivation ? $", {ActivationKind}" : "") + (Spec.UseBias ? "" : ", no bias");

    public override string[] KernelRow() => new[]
    {
        HasActivation ? $"{Name} {ActivationKind}" : Name,
        $"DenseForward [B,{Layer.Input.Size}]x[{Spec.Units},{Layer.Input.Size}]^T" + (Spec.UseBias ? " + bias" : "") + (HasActivation ? ", " + ActivationKind : ""),
        (HasActivation ? "ActivationBackward, " : "") + (InputGradient is null ? "DenseBackward (dweight" : "DenseBackward (dinput, dweight") + (Spec.UseBias ? ", dbias)" : ")"),
    };

    public override long ActivationFloats(int batchSize) => (long)batchSize * Spec.Units * (HasActivation ? 3 : 2);

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Inputs} = {Literals.Int(Layer.Input.Size)};");
        writer.WriteLine($"private const int {Units} = {Literals.Int(Spec.Units)};");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}WeightCount = {Literals.Int(Layer.WeightCount)};");
        writer.WriteLine($"private const int {Name}BiasOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const int {Name}BiasCount = {Literals.Int(Layer.BiasCount)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        if (HasActivation) writer.WriteLine($"private readonly {GpuEmitter.DeviceBuffer} {PreActivation.Field};");
        writer.WriteLine($"private readonly {GpuEmitter.DeviceBuffer} {Output.Field};");
        writer.WriteLine($"private readonly {GpuEmitter.DeviceBuffer} {OutputGradient!.Field};");
    }

    public override void EmitAllocation(SourceWriter writer)
    {
        if (HasActivation) writer.WriteLine($"{PreActivation.Field} = accelerator.Allocate1D<float>(BatchSize * {Units});");
        writer.WriteLine($"{Output.Field} = accelerator.Allocate1D<float>(BatchSize * {Units});");
        writer.WriteLine($"{OutputGradient!.Field} = accelerator.Allocate1D<float>(BatchSize * {Units});");
    }

    public override IEnumerable<string> DisposedFields()
    {
        if (HasActivation) yield return PreActivation.Field;
        yield return Output.Field;
        yield return OutputGradient!.Field;
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"private global::ILGPU.ArrayView<float> {Name}Weight => _parameters.View.SubView({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine($"private global::ILGPU.ArrayView<float> {Name}WeightGradient => _gradients.View.SubView({Name}WeightOffset, {Name}WeightCount);");
        if (Spec.UseBias)
        {
            writer.WriteLine($"private global::ILGPU.ArrayView<float> {Name}Bias => _parameters.View.SubView({Name}BiasOffset, {Name}BiasCount);");
            writer.WriteLine($"private global::ILGPU.ArrayView<float> {Name}BiasGradient => _gradients.View.SubView({Name}BiasOffset, {Name}BiasCount);");
        }
    }

    public override void EmitForward(SourceWriter writer)
    {
        string bias = Spec.UseBias ? Name + "Bias" : "default";
        string preActivation = HasActivation ? PreActivation.View : "default";
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"_kernels.DenseForward({Input.View}, {Name}Weight, {bias}, {preActivation}, {Output.View}, rows, {Inputs}, {Units}, {Activation});");
    }

    public override void EmitBackward(SourceWriter writer)
    {
        string gradient = OutputGradient!.View;
        writer.WriteLine($"// {Describe()}");
        if (HasActivation) writer.WriteLine($"_kernels.ActivationBackward({Output.View}, {gradient}, rows * {Units}, {Activation});");
        string inputGradient = InputGradient?.View ?? "default";
        string biasGradient = Spec.UseBias ? Name + "BiasGradient" : "default";
        writer.WriteLine($"_kernels.DenseBackward({gradient}, {Input.View}, {Name}Weight, {inputGradient}, {Name}WeightGradient, {biasGradient}, rows, {Inputs}, {Units});");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s parameters\", new global::System.ReadOnlySpan<float>(parameters, {Name}WeightOffset, {Name}WeightCount + {Name}BiasCount), columns: 0)";
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", Download({Output.Field}, rows * {Units}), columns: {Units})";
    }
}
