using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// [Bfloat16Inference]: a bfloat16 copy of every dense weight, one flat buffer, kept in step with the float weights,
/// and PredictBfloat16, the inference forward that runs the dense layers on it (every other layer in float).
/// </summary>
/// <remarks>
/// The copy is never served stale: each generated path that can change a float dense weight (the optimizer step,
/// LoadCheckpoint, ResetParameters, the writable Parameters and DenseNWeight spans) sets <c>_bfloat16Stale</c>, and
/// PredictBfloat16 converts again before it runs when the flag is set: no work per call while the weights stay put.
/// Two dense layers in a row whose activations fuse run as one DenseBfloat16.ForwardTwoLayers call.
/// </remarks>
internal static class Bfloat16Emitter
{
    /// <summary>The statement that every path able to change a float dense weight runs.</summary>
    public const string MarkStale = "_bfloat16Stale = true;";

    public static void EmitFields(SourceWriter writer, List<LayerEmitter> emitters)
    {
        var dense = emitters.OfType<DenseEmitter>().ToList();
        writer.WriteLine();
        writer.WriteLine("// [Bfloat16Inference]: every dense weight again as bfloat16, layer after layer, for PredictBfloat16.");
        writer.WriteLine("// Each layer starts on a 64-byte boundary of the buffer: at a multiple of Bfloat16Alignment values.");
        writer.WriteLine("private const int Bfloat16Alignment = global::NetGen.Kernels.Bfloat16Weights.Alignment;");
        string previous = "0";
        foreach (DenseEmitter layer in dense)
        {
            writer.WriteLine($"private const int {layer.Bfloat16Offset} = {previous};");
            previous = $"{layer.Bfloat16Offset} + ({layer.WeightCountConstant} + Bfloat16Alignment - 1) / Bfloat16Alignment * Bfloat16Alignment";
        }

        writer.WriteLine($"private const int Bfloat16WeightCount = {previous};");
        writer.WriteLine("private readonly global::NetGen.Kernels.Bfloat16Weights _bfloat16Weights = new(Bfloat16WeightCount);");
        writer.WriteLine("// Set whenever a float dense weight may have changed; PredictBfloat16 converts again first.");
        writer.WriteLine("private bool _bfloat16Stale = true;");
    }

    public static void EmitMembers(SourceWriter writer, ResolvedNetwork network, List<LayerEmitter> emitters)
    {
        Buffer output = emitters[emitters.Count - 1].Output;
        var dense = emitters.OfType<DenseEmitter>().ToList();
        bool classification = CpuEmitter.IsClassification(network);
        writer.WriteLine("/// <summary>");
        writer.WriteLine(classification
            ? "/// Predicts class probabilities like <see cref=\"Predict\"/>, with every dense layer's weight read as bfloat16 (8 bits of mantissa:"
            : "/// Predicts the outputs like <see cref=\"Predict\"/>, with every dense layer's weight read as bfloat16 (8 bits of mantissa:");
        writer.WriteLine("/// half the bytes to stream). Inputs, biases, accumulation, outputs and every other layer stay float. The bfloat16 copy is");
        writer.WriteLine("/// converted from <see cref=\"Parameters\"/> first when they may have changed (training, a checkpoint load, a write through");
        writer.WriteLine("/// a parameter span); otherwise a call converts nothing and allocates nothing.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <param name=\"inputs\">The samples, a whole number of <see cref=\"InputSize\"/>-float rows.</param>");
        writer.WriteLine("/// <param name=\"outputs\">Receives <see cref=\"OutputSize\"/> floats per sample.</param>");
        writer.WriteLine($"public void PredictBfloat16({CpuEmitter.InputsParameter(network)}, global::System.Span<float> outputs)");
        CpuEmitter.OpenGuarded(writer, "PredictBfloat16");
        writer.WriteLine("int samples = SamplesOf(inputs, nameof(PredictBfloat16));");
        writer.WriteLine("if (outputs.Length != samples * OutputSize)");
        writer.WriteLine("    throw new global::System.ArgumentException($\"outputs holds {outputs.Length} floats; {samples} samples of {OutputSize} outputs need {samples * OutputSize}.\", nameof(outputs));");
        writer.WriteLine("if (_bfloat16Stale) RefreshBfloat16Weights();");
        writer.WriteLine("for (int start = 0; start < samples; start += BatchSize)");
        writer.OpenBrace();
        writer.WriteLine("int rows = global::System.Math.Min(BatchSize, samples - start);");
        writer.WriteLine("ForwardBfloat16Core(inputs.Slice(start * InputSize, rows * InputSize), rows, training: false);");
        writer.WriteLine(classification
            ? $"global::NetGen.Kernels.Activations.SoftmaxForward({output.Span}, outputs.Slice(start * OutputSize, rows * OutputSize), {CpuEmitter.LossRows(network)}, {CpuEmitter.LossColumns(network)});"
            : $"{output.Span}.CopyTo(outputs.Slice(start * OutputSize, rows * OutputSize));");
        writer.CloseBrace();
        CpuEmitter.CloseGuarded(writer);
        writer.WriteLine();

        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Converts every dense weight to the bfloat16 copy that <see cref=\"PredictBfloat16\"/> reads (round to nearest, ties to even).");
        writer.WriteLine("/// PredictBfloat16 calls it itself after training, checkpoint loads and reads of the writable parameter spans; call it");
        writer.WriteLine("/// after writing through a span that was taken before the last PredictBfloat16 call.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("public void RefreshBfloat16Weights()");
        writer.OpenBrace();
        foreach (DenseEmitter layer in dense)
        {
            writer.WriteLine($"_bfloat16Weights.Convert(_parameters.Slice({layer.Name}WeightOffset, {layer.WeightCountConstant}), {layer.Bfloat16Offset});");
        }

        writer.WriteLine("_bfloat16Stale = false;");
        writer.CloseBrace();
        writer.WriteLine();

        writer.WriteLine("// The inference forward of PredictBfloat16: dense layers on the bfloat16 weights, every other layer as in ForwardCore.");
        writer.WriteLine($"private void ForwardBfloat16Core({CpuEmitter.InputsParameter(network)}, int rows, bool training)");
        writer.OpenBrace();
        for (int i = 0; i < emitters.Count; i++)
        {
            if (i > 0) writer.WriteLine();
            if (emitters[i] is DenseEmitter { ChainsBfloat16: true } first && i + 1 < emitters.Count
                && emitters[i + 1] is DenseEmitter { ChainsBfloat16: true } second)
            {
                // Two dense layers in a row: one wake of the worker pool for both products.
                first.EmitForwardBfloat16Pair(writer, second);
                i++;
            }
            else if (emitters[i] is DenseEmitter layer)
            {
                layer.EmitForwardBfloat16(writer);
            }
            else
            {
                emitters[i].EmitForward(writer);
            }
        }

        writer.CloseBrace();
        writer.WriteLine();
    }
}
