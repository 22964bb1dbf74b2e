namespace NetGen.Onnx;

/// <summary>
/// Every <see cref="Activation"/> as opset-17 nodes. Those with an operator of their own map to it; the
/// rest are composed exactly as NetGen's kernels define them (opset 17 has no Gelu: it arrived in opset 20):
/// <code>
/// ReLU      Relu                      LeakyReLU  LeakyRelu(alpha)     ELU  Elu(alpha)
/// Sigmoid   Sigmoid                   Tanh       Tanh                 Softplus  Softplus (log(1 + e^x))
/// SiLU      x * Sigmoid(x)
/// GELU      0.5 * x * (1 + Erf(x / sqrt 2))
/// GELUTanh  0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
/// </code>
/// NetGen's Softplus is linear above 20 (PyTorch's threshold); ONNX Runtime computes log(1 + e^x) stably,
/// which differs there by less than e^-20 relative.
/// </summary>
public static class OnnxActivations
{
    /// <summary>Appends <paramref name="activation"/> on <paramref name="input"/> and returns its output (the input itself for Identity).</summary>
    /// <param name="export">The export in progress.</param>
    /// <param name="layer">The layer name, the prefix of the node names.</param>
    /// <param name="input">The value to activate.</param>
    /// <param name="activation">The activation.</param>
    /// <param name="alpha">LeakyReLU's slope or ELU's alpha, already resolved to its default when unset.</param>
    /// <exception cref="NotSupportedException">An activation this exporter does not know (a newer enum value).</exception>
    public static string Append(OnnxExport export, string layer, string input, Activation activation, float alpha)
    {
        ArgumentNullException.ThrowIfNull(export);
        OnnxGraph graph = export.Graph;
        switch (activation)
        {
            case Activation.Identity:
                return input;
            case Activation.ReLU:
                return export.Node(layer, "Relu", [input]);
            case Activation.Sigmoid:
                return export.Node(layer, "Sigmoid", [input]);
            case Activation.Tanh:
                return export.Node(layer, "Tanh", [input]);
            case Activation.LeakyReLU:
                return export.Node(layer, "LeakyRelu", [input], OnnxAttribute.Float("alpha", alpha));
            case Activation.ELU:
                return export.Node(layer, "Elu", [input], OnnxAttribute.Float("alpha", alpha));
            case Activation.Softplus:
                return export.Node(layer, "Softplus", [input]);
            case Activation.SiLU:
                return export.Node(layer, "Mul", [input, export.Node(layer, "Sigmoid", [input])]);
            case Activation.GELU:
            {
                string scaled = export.Node(layer, "Mul", [input, graph.Scalar((float)(1 / Math.Sqrt(2)))]);
                string onePlusErf = export.Node(layer, "Add", [export.Node(layer, "Erf", [scaled]), graph.Scalar(1f)]);
                string half = export.Node(layer, "Mul", [input, graph.Scalar(0.5f)]);
                return export.Node(layer, "Mul", [half, onePlusErf]);
            }
            case Activation.GELUTanh:
            {
                string cube = export.Node(layer, "Mul", [export.Node(layer, "Mul", [input, input]), input]);
                string inner = export.Node(layer, "Add", [input, export.Node(layer, "Mul", [cube, graph.Scalar(0.044715f)])]);
                string tanh = export.Node(layer, "Tanh", [export.Node(layer, "Mul", [inner, graph.Scalar((float)Math.Sqrt(2 / Math.PI))])]);
                string half = export.Node(layer, "Mul", [input, graph.Scalar(0.5f)]);
                return export.Node(layer, "Mul", [half, export.Node(layer, "Add", [tanh, graph.Scalar(1f)])]);
            }
            default:
                throw new NotSupportedException($"layer {layer}: activation {activation} has no ONNX mapping.");
        }
    }
}
