using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Onnx;

/// <summary>
/// GELU as ONNX writes it before opset 20 (PyTorch's nn.GELU): <c>Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)</c>, the
/// five nodes recognized at the Div and imported as one GELU activation (fused into the Dense or Conv2D computing x).
/// </summary>
internal sealed partial class OnnxImporter
{
    /// <summary>Nodes already imported as part of a pattern (by their first output).</summary>
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    private bool IsScalar(string tensor, double value) =>
        _constants.TryGetValue(tensor, out OnnxTensor? t) && t.Floats.Count == 1 && Math.Abs(t.Floats[0] - value) < 1e-4 * Math.Max(1, Math.Abs(value));

    private OnnxNode? OnlyReader(string tensor, string opType)
    {
        var readers = _file.Nodes.Where(n => n.Inputs.Contains(tensor)).ToList();
        return readers.Count == 1 && readers[0].OpType == opType && readers[0].Outputs.Count > 0 ? readers[0] : null;
    }

    /// <summary>The GELU pattern starting at this Div, imported; false when the Div starts no such pattern.</summary>
    private bool MapGelu(OnnxNode div)
    {
        if (div.Inputs.Count != 2 || !IsScalar(div.Inputs[1], Math.Sqrt(2))) return false;
        string x = div.Inputs[0];
        OnnxNode? erf = OnlyReader(div.Outputs[0], "Erf");
        OnnxNode? add = erf is null ? null : OnlyReader(erf.Outputs[0], "Add");
        if (add is null || !add.Inputs.Any(i => IsScalar(i, 1))) return false;
        OnnxNode? mul = OnlyReader(add.Outputs[0], "Mul");
        if (mul is null || !mul.Inputs.Contains(x)) return false;
        OnnxNode? half = OnlyReader(mul.Outputs[0], "Mul");
        if (half is null || !half.Inputs.Any(i => IsScalar(i, 0.5))) return false;

        foreach (OnnxNode node in new[] { erf!, add, mul, half }) _consumed.Add(node.Outputs[0]);
        // The activation reads x and writes what the last Mul wrote; x is read twice inside the pattern (Div and Mul).
        var gelu = new OnnxNode(div.Name, "Gelu", "", EquatableArray.Create(x), EquatableArray.Create(half.Outputs[0]), EquatableArray<OnnxAttribute>.Empty);
        _readers[x] = _readers.TryGetValue(x, out int readers) ? readers - 1 : 1;
        Activate(gelu, ActivationKind.GELU, double.NaN);
        return true;
    }
}
