using NetGen.Generators.Model;

namespace NetGen.Generators.Emit;

/// <summary>The kernel calls for an activation, with its alpha as a literal where it takes one.</summary>
internal static class ActivationCode
{
    // Identity has no kernel: y = x and dx = dy are copies (an [Activation(Activation.Identity)] layer).
    public static string Forward(ActivationSpec activation, string x, string y) => activation.Kind == ActivationKind.Identity
        ? $"{x}.CopyTo({y});"
        : $"global::NetGen.Kernels.Activations.{KernelName(activation.Kind)}Forward({x}, {y}{Alpha(activation)});";

    public static string Backward(ActivationSpec activation, string x, string y, string dy, string dx) => activation.Kind == ActivationKind.Identity
        ? $"{dy}.CopyTo({dx});"
        : $"global::NetGen.Kernels.Activations.{KernelName(activation.Kind)}Backward({x}, {y}, {dy}, {dx}{Alpha(activation)});";

    private static string Alpha(ActivationSpec activation) => activation.HasAlpha ? ", " + Literals.Float(activation.EffectiveAlpha) : "";

    private static string KernelName(ActivationKind kind) => kind switch
    {
        ActivationKind.ReLU => "Relu",
        ActivationKind.LeakyReLU => "LeakyRelu",
        ActivationKind.ELU => "Elu",
        ActivationKind.GELU => "Gelu",
        ActivationKind.GELUTanh => "GeluTanh",
        ActivationKind.SiLU => "Silu",
        _ => kind.ToString(),
    };
}
