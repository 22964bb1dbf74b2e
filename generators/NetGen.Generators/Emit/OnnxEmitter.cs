using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// The generated <c>ExportOnnx</c>: a static description of the layers (their constants and the offsets of their
/// tensors, the same offset expressions as the checkpoint layout) handed to <c>NetGen.Onnx.OnnxNetwork</c>, which
/// builds the opset-17 graph from the trained buffers at run time.
/// </summary>
internal static class OnnxEmitter
{
    internal const string Onnx = "global::NetGen.Onnx.";

    public static void Emit(SourceWriter writer, ResolvedNetwork network, List<LayerEmitter> emitters)
    {
        string output = !CpuEmitter.IsClassification(network) ? "Identity" : network.ClassifiesEveryStep ? "SoftmaxPerStep" : "Softmax";
        writer.WriteLine("// The ONNX description: each layer's operator settings and where its tensors sit in the flat buffers.");
        writer.WriteLine($"private static readonly {Onnx}OnnxNetwork OnnxDescription = new(\"{network.Model.ClassName}\", {Shape(network.InputShape)}, {Shape(network.OutputShape)},");
        writer.Indentation++;
        writer.WriteLine($"tokenInput: {Literals.Bool(network.HasTokenInput)}, ParameterCount, StatisticsCount, {Onnx}OnnxOutput.{output},");
        writer.WriteLine($"new {Onnx}OnnxLayer[]");
        writer.OpenBrace();
        foreach (LayerEmitter emitter in emitters) writer.WriteLine(Describe(emitter) + ",");
        writer.CloseBrace(");");
        writer.Indentation--;
        writer.WriteLine();
        var notes = new List<string>();
        if (network.Layers.Any(l => l.Spec is DropoutSpec)) notes.Add("dropout is the identity");
        if (network.Layers.Any(l => l.Spec is BatchNormSpec)) notes.Add("batch normalization uses the running statistics");
        if (network.Layers.Any(l => l.Spec is RecurrentSpec)) notes.Add("recurrent layers start from the zero state");
        writer.WriteLine("/// <summary>");
        writer.WriteLine($"/// Exports the trained network as an ONNX model (opset 17) for inference: input <c>input</c> [N, {string.Join(", ", network.InputShape.Dimensions)}]{(network.HasTokenInput ? " (int64 token ids)" : "")},");
        writer.WriteLine($"/// output <c>output</c> [N, {string.Join(", ", network.OutputShape.Dimensions)}] ({(output == "Identity" ? "the outputs" : "the class probabilities")}, as <see cref=\"Predict\"/>), N any number of samples" +
                         (notes.Count == 0 ? "." : "; " + string.Join(", ", notes) + "."));
        writer.WriteLine("/// Written through a temporary file renamed over <paramref name=\"path\"/>, so a failure never leaves a half file.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("public void ExportOnnx(string path)");
        CpuEmitter.OpenGuarded(writer, "ExportOnnx");
        writer.WriteLine("OnnxDescription.Export(path, _parameters, _statistics);");
        CpuEmitter.CloseGuarded(writer);
        writer.WriteLine();
        writer.WriteLine("/// <summary>Writes the ONNX model (see <see cref=\"ExportOnnx(string)\"/>) to <paramref name=\"stream\"/>.</summary>");
        writer.WriteLine("public void ExportOnnx(global::System.IO.Stream stream)");
        CpuEmitter.OpenGuarded(writer, "ExportOnnx");
        writer.WriteLine("OnnxDescription.Export(stream, _parameters, _statistics);");
        CpuEmitter.CloseGuarded(writer);
        writer.WriteLine();
    }

    internal static string Shape(TensorShape shape) => Ints(shape.Dimensions);

    private static string Ints(IEnumerable<int> values) => $"new[] {{ {string.Join(", ", values.Select(Literals.Int))} }}";

    internal static string Activation(ActivationSpec activation) =>
        $"global::NetGen.Activation.{activation.Kind}, {Literals.Float(activation.HasAlpha ? activation.EffectiveAlpha : 0)}";

    /// <summary>The constructor call for one layer.</summary>
    private static string Describe(LayerEmitter emitter)
    {
        ResolvedLayer read = emitter.Layer;
        // A graph's layer says what it reads; a straight stack's reads the layer before it.
        return read.ReadsPrevious ? Operator(emitter) : $"{Operator(emitter)} {{ Inputs = {Ints(read.Sources)} }}";
    }

    private static string Operator(LayerEmitter emitter)
    {
        ResolvedLayer layer = emitter.Layer;
        string name = "\"" + layer.CheckpointName + "\"";
        // The checkpoint names each tensor of the layer with its offset expression; -1 marks an absent bias.
        var offsets = emitter.CheckpointTensors().Concat(emitter.CheckpointStatistics())
            .ToDictionary(t => t.Name.Substring(layer.CheckpointName.Length + 1), t => t.Offset);
        string Offset(string part) => offsets.TryGetValue(part, out string? offset) ? offset : "-1";

        return emitter.OnnxOperator(name, Offset);
    }
}
