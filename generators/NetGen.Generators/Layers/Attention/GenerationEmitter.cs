using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Emit;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Layers;

/// <summary>
/// Text generation with a key/value cache for a causal token model (a GPT): <c>GenerationStep</c> runs one new position
/// through every layer, each attention layer appending its k and v to its cache and attending over the cached positions
/// (NetGen.Kernels.Attention.Step), so a token costs one position rather than the whole prefix; <c>Generate</c> draws
/// tokens with temperature and top-k. Emitted only where every layer has a one-position form: the embeddings,
/// per-position LayerNorm, Dense, activations and dropout, residual joins, and causal attention.
/// </summary>
/// <remarks>
/// The step reuses the first position of sample 0 of each layer's training buffers (inference overwrites them anyway),
/// so the cache costs only the keys and values: 2·heads·steps·headSize floats per attention layer.
/// </remarks>
internal static class GenerationEmitter
{
    /// <summary>Whether the network gets GenerationStep and Generate.</summary>
    public static bool Applies(ResolvedNetwork network, IReadOnlyList<LayerEmitter> emitters) =>
        network.HasTokenInput && network.ClassifiesEveryStep && !network.Model.Bfloat16Inference
        && emitters.Any(e => e is MultiHeadAttentionEmitter)
        && emitters.All(e => e switch
        {
            EmbeddingEmitter => e.Layer.Spec.Index == 0,
            PositionalEmbeddingEmitter => true,
            LayerNormEmitter norm => norm.PerPosition,
            DenseEmitter => e.Layer.Input.Rank == 2,
            AddEmitter or ActivationLayerEmitter or DropoutEmitter => e.Layer.Output.Rank == 2,
            MultiHeadAttentionEmitter attention => attention.Spec.Causal,
            _ => false,
        });

    private static string Field(LayerEmitter emitter, string suffix) => "_" + char.ToLowerInvariant(emitter.Name[0]) + emitter.Name.Substring(1) + suffix;

    /// <summary>The first <paramref name="count"/> floats of a buffer: position 0 of sample 0.</summary>
    private static string First(Buffer buffer, string count) => $"First({buffer.Field}, {count})";

    /// <summary>ContextLength, among the public constants on the user's class (the implementation reads it there).</summary>
    public static void EmitPublicConstants(SourceWriter writer, ResolvedNetwork network, IReadOnlyList<LayerEmitter> emitters)
    {
        if (!Applies(network, emitters)) return;
        writer.WriteLine("/// <summary>Positions the generation cache holds: the network's sequence length.</summary>");
        writer.WriteLine($"public const int ContextLength = {Literals.Int(network.InputShape.Dimensions[0])};");
        writer.WriteLine();
    }

    public static void Emit(SourceWriter writer, ResolvedNetwork network, IReadOnlyList<LayerEmitter> emitters)
    {
        if (!Applies(network, emitters)) return;
        var attentions = emitters.OfType<MultiHeadAttentionEmitter>().ToList();
        writer.WriteLine("// ---- Generation with a key/value cache: one position per token. ----");
        writer.WriteLine();
        foreach (MultiHeadAttentionEmitter attention in attentions)
        {
            string size = $"{attention.Heads} * {attention.Steps} * {attention.HeadSize}";
            writer.WriteLine($"private readonly float[] {Field(attention, "KeyCache")} = new float[{size}];");
            writer.WriteLine($"private readonly float[] {Field(attention, "ValueCache")} = new float[{size}];");
        }

        foreach (LayerEmitter emitter in emitters.Where(e => e is AddEmitter or ActivationLayerEmitter or DropoutEmitter))
        {
            writer.WriteLine($"private const int {emitter.Name}PositionWidth = {Literals.Int(emitter.Layer.Output.Dimensions[1])}; // {emitter.Name}'s floats at one position");
        }

        writer.WriteLine("private readonly int[] _generationWindow = new int[ContextLength];");
        writer.WriteLine("private readonly float[] _generationLogits = new float[OutputClasses];");
        writer.WriteLine("private int _generationPosition;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Positions in the generation cache (0 after <see cref=\"ResetGeneration\"/>).</summary>");
        writer.WriteLine("public int GenerationPosition => _generationPosition;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>Empties the generation cache: the next <see cref=\"GenerationStep\"/> is position 0.</summary>");
        writer.WriteLine("public void ResetGeneration() => _generationPosition = 0;");
        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Runs <paramref name=\"token\"/> at the next position of the cache (the same computation as that position of");
        writer.WriteLine("/// <see cref=\"Predict\"/> over the whole prefix, at the cost of one position) and writes the logits for the token");
        writer.WriteLine("/// after it to <paramref name=\"logits\"/> (<see cref=\"OutputClasses\"/> floats).");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("/// <exception cref=\"global::System.InvalidOperationException\">The cache already holds <see cref=\"ContextLength\"/> positions.</exception>");
        writer.WriteLine("public void GenerationStep(int token, global::System.Span<float> logits)");
        CpuEmitter.OpenGuarded(writer, "GenerationStep");
        writer.WriteLine("if (logits.Length != OutputClasses)");
        writer.WriteLine("    throw new global::System.ArgumentException($\"logits holds {logits.Length} floats; the network has {OutputClasses} classes.\", nameof(logits));");
        writer.WriteLine("if (_generationPosition == ContextLength)");
        writer.WriteLine($"    throw new global::System.InvalidOperationException($\"{network.Model.ClassName}.GenerationStep: the cache holds all {{ContextLength}} positions; call ResetGeneration, or Generate, which slides the window.\");");
        writer.WriteLine("StepCore(token);");
        writer.WriteLine($"{First(emitters[emitters.Count - 1].Output, "OutputClasses")}.CopyTo(logits);");
        CpuEmitter.CloseGuarded(writer);
        writer.WriteLine();
        writer.WriteLine("/// <summary>");
        writer.WriteLine("/// Generates <c>output.Length</c> tokens after <paramref name=\"prompt\"/> (at least one token), each drawn from the");
        writer.WriteLine("/// softmax of the logits divided by <paramref name=\"temperature\"/> over the <paramref name=\"topK\"/> most likely tokens");
        writer.WriteLine("/// (0: all), with <paramref name=\"random\"/> (seeded: the same text each time). Each token costs one position through the");
        writer.WriteLine("/// key/value cache; when the cache is full it restarts from the last half window (those positions are recomputed), as");
        writer.WriteLine("/// a model with learned positions cannot see past <see cref=\"ContextLength\"/>. Allocates nothing.");
        writer.WriteLine("/// </summary>");
        writer.WriteLine("public void Generate(global::System.ReadOnlySpan<int> prompt, global::System.Span<int> output, float temperature, int topK, ref global::NetGen.Rng random)");
        CpuEmitter.OpenGuarded(writer, "Generate");
        writer.WriteLine("if (prompt.IsEmpty) throw new global::System.ArgumentException(\"the prompt needs at least one token.\", nameof(prompt));");
        writer.WriteLine("_generationPosition = 0;");
        writer.WriteLine("for (int i = global::System.Math.Max(0, prompt.Length - ContextLength); i < prompt.Length; i++) Feed(prompt[i]);");
        writer.WriteLine("for (int i = 0; i < output.Length; i++)");
        writer.OpenBrace();
        writer.WriteLine("output[i] = global::NetGen.Text.TokenSampling.Sample(_generationLogits, temperature, topK, ref random);");
        writer.WriteLine("if (i + 1 < output.Length) Feed(output[i]);");
        writer.CloseBrace();
        CpuEmitter.CloseGuarded(writer);
        writer.WriteLine();
        writer.WriteLine("// One token at the next position; a full cache restarts from the last half window first.");
        writer.WriteLine("private void Feed(int token)");
        writer.OpenBrace();
        writer.WriteLine("if (_generationPosition == ContextLength)");
        writer.OpenBrace();
        writer.WriteLine("const int keep = ContextLength / 2;");
        writer.WriteLine("global::System.Array.Copy(_generationWindow, ContextLength - keep, _generationWindow, 0, keep);");
        writer.WriteLine("_generationPosition = 0;");
        writer.WriteLine("for (int j = 0; j < keep; j++) StepCore(_generationWindow[j]);");
        writer.CloseBrace();
        writer.WriteLine();
        writer.WriteLine("StepCore(token);");
        writer.WriteLine($"{First(emitters[emitters.Count - 1].Output, "OutputClasses")}.CopyTo(_generationLogits);");
        writer.CloseBrace();
        writer.WriteLine();
        writer.WriteLine("// Every layer at one position (_generationPosition) of sample 0, the caches appended.");
        writer.WriteLine("private void StepCore(int token)");
        writer.OpenBrace();
        writer.WriteLine("_trainingRows = 0; // the step overwrites activations: no Backward until the next training Forward");
        writer.WriteLine("int position = _generationPosition;");
        writer.WriteLine("_generationWindow[position] = token;");
        foreach (LayerEmitter emitter in emitters) EmitStep(writer, emitter);
        writer.WriteLine("_generationPosition = position + 1;");
        writer.CloseBrace();
        writer.WriteLine();
    }

    private static void EmitStep(SourceWriter writer, LayerEmitter emitter)
    {
        string name = emitter.Name;
        string width = name + "PositionWidth";
        Buffer input = emitter.Input, output = emitter.Output;
        writer.WriteLine($"// {name}, one position");
        switch (emitter)
        {
            case EmbeddingEmitter:
                writer.WriteLine($"global::NetGen.Kernels.Embedding.Forward(new global::System.ReadOnlySpan<int>(_generationWindow, position, 1), {name}Table, {First(output, name + "Dimensions")}, 1, {name}Vocabulary, {name}Dimensions);");
                break;
            case PositionalEmbeddingEmitter positions:
                string row = positions.Learned ? $"{positions.Table}.Slice(position * {positions.Width}, {positions.Width})" : $"new global::System.ReadOnlySpan<float>({positions.Table}, position * {positions.Width}, {positions.Width})";
                writer.WriteLine($"global::NetGen.Kernels.Joins.Add({First(input, positions.Width)}, {row}, {First(output, positions.Width)});");
                break;
            case LayerNormEmitter norm:
                writer.WriteLine($"global::NetGen.Kernels.LayerNorm.Forward({First(input, norm.Features)}, {name}Scale, {name}Shift, {First(output, norm.Features)}, First({Field(emitter, "Mean")}, 1), First({Field(emitter, "InverseStd")}, 1), 1, {norm.Features}, {name}Epsilon);");
                break;
            case DenseEmitter dense:
                EmitDenseStep(writer, dense);
                break;
            case AddEmitter:
                writer.WriteLine($"global::NetGen.Kernels.Joins.Add({First(emitter.InputBuffers[0], width)}, {First(emitter.InputBuffers[1], width)}, {First(output, width)});");
                for (int i = 2; i < emitter.InputBuffers.Count; i++) writer.WriteLine($"global::NetGen.Kernels.Joins.Add({First(output, width)}, {First(emitter.InputBuffers[i], width)}, {First(output, width)});");
                break;
            case ActivationLayerEmitter:
                writer.WriteLine(ActivationCode.Forward(((ActivationLayerSpec)emitter.Layer.Spec).Activation, First(input, width), First(output, width)));
                break;
            case DropoutEmitter:
                writer.WriteLine($"{First(input, width)}.CopyTo({First(output, width)}); // inference: the identity");
                break;
            case MultiHeadAttentionEmitter attention:
                EmitAttentionStep(writer, attention);
                break;
        }
    }

    private static void EmitDenseStep(SourceWriter writer, DenseEmitter dense)
    {
        var spec = (DenseSpec)dense.Layer.Spec;
        string name = dense.Name, units = name + "Units";
        bool fused = DenseKernelChoice.FusesActivation(spec.Activation);
        bool separate = !spec.Activation.IsIdentity && !fused;
        string product = separate ? $"First({Field(dense, "PreActivation")}, {units})" : First(dense.Output, units);
        string activation = "global::NetGen.Activation." + (fused ? spec.Activation.Kind : ActivationKind.Identity);
        int inputs = dense.Layer.Input.Dimensions[1];
        bool parallel = DenseKernelChoice.Parallel(1, inputs, spec.Units);
        writer.WriteLine($"global::NetGen.Kernels.Dense.Forward({First(dense.Input, name + "Inputs")}, {name}Weight, {name}Bias, {product}, 1, {name}Inputs, {units}, {activation}, {Literals.Bool(parallel)});");
        if (separate) writer.WriteLine(ActivationCode.Forward(spec.Activation, product, First(dense.Output, units)));
    }

    private static void EmitAttentionStep(SourceWriter writer, MultiHeadAttentionEmitter attention)
    {
        string name = attention.Name, width = attention.Width, qkvWidth = attention.QkvWidth;
        string qkv = First(attention.Qkv, qkvWidth);
        string qkvBias = attention.Spec.UseBias ? attention.QkvBias : "default";
        string projectionBias = attention.Spec.UseBias ? attention.ProjectionBias : "default";
        bool qkvParallel = DenseKernelChoice.Parallel(1, attention.WidthValue, 3 * attention.WidthValue);
        bool projectionParallel = DenseKernelChoice.Parallel(1, attention.WidthValue, attention.WidthValue);
        writer.WriteLine($"global::NetGen.Kernels.Dense.Forward({First(attention.Input, width)}, {attention.QkvWeight}, {qkvBias}, {qkv}, 1, {width}, {qkvWidth}, global::NetGen.Activation.Identity, {Literals.Bool(qkvParallel)});");
        if (attention.Spec.Rotary)
        {
            writer.WriteLine($"global::NetGen.Kernels.RotaryEmbedding.Forward({qkv}, {attention.RotaryCosine}, {attention.RotarySine}, 1, 1, {attention.Heads}, {attention.HeadSize}, firstPosition: position);");
        }

        writer.WriteLine($"global::NetGen.Kernels.Attention.Step({qkv}, {Field(attention, "KeyCache")}, {Field(attention, "ValueCache")}, {First(attention.HeadOutputs, width)}, 1, {attention.Heads}, {attention.HeadSize}, {attention.Steps}, position);");
        writer.WriteLine($"global::NetGen.Kernels.Dense.Forward({First(attention.HeadOutputs, width)}, {attention.ProjectionWeight}, {projectionBias}, {First(attention.Output, width)}, 1, {width}, {width}, global::NetGen.Activation.Identity, {Literals.Bool(projectionParallel)});");
    }
}
