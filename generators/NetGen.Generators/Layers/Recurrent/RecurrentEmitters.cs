using System.Collections.Generic;
using NetGen.Generators.Model;
using NetGen.Generators.Shapes;

namespace NetGen.Generators.Emit;

/// <summary>
/// Embedding: <c>output[b, t, :] = table[tokens[b, t], :]</c>, table [vocabulary, dimensions]. The first layer of a
/// token network: its input is the caller's <c>ReadOnlySpan&lt;int&gt;</c> of <c>rows * steps</c> token ids.
/// </summary>
internal sealed class EmbeddingEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    private EmbeddingSpec Spec => (EmbeddingSpec)Layer.Spec;

    private string Steps => Name + "Steps";

    private string OutputSize => Name + "OutputSize";

    public override Buffer Output => new(Field("Output"), OutputSize);

    public override Buffer? OutputGradient => new(Field("Gradient"), OutputSize);

    public override string Describe() => $"{Name}: {Layer.Input.Dimensions[0]} tokens of {Spec.Vocabulary} -> {Layer.Output}";

    public override string TableName() => Name;

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        yield return (CheckpointName + ".weight", new[] { Spec.Vocabulary, Spec.Dimensions }, $"{Name}WeightOffset");
    }

    public override void EmitConstants(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Steps} = {Literals.Int(Layer.Input.Dimensions[0])};");
        writer.WriteLine($"private const int {Name}Vocabulary = {Literals.Int(Spec.Vocabulary)};");
        writer.WriteLine($"private const int {Name}Dimensions = {Literals.Int(Spec.Dimensions)};");
        writer.WriteLine($"private const int {OutputSize} = {Steps} * {Name}Dimensions;");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}WeightCount = {Literals.Int(Layer.WeightCount)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {OutputSize}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {OutputSize}];");
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        writer.WriteLine($"/// <summary>{Name}'s table, [{Spec.Vocabulary}, {Spec.Dimensions}] row-major (one row per token), a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}Table => _parameters.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
        writer.WriteLine($"private global::System.Span<float> {Name}TableGradient => _gradients.Slice({Name}WeightOffset, {Name}WeightCount);");
        writer.WriteLine();
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}: N(0, 1) as PyTorch's nn.Embedding");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightOffset, {Name}WeightCount), global::NetGen.WeightInit.Normal, fanIn: {Name}Dimensions, fanOut: {Name}Vocabulary, scale: 1.0, ref rng);");
    }

    public override void EmitForward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"global::NetGen.Kernels.Embedding.Forward({Input.Span}, {Name}Table, {Output.Span}, rows * {Steps}, {Name}Vocabulary, {Name}Dimensions);");
    }

    public override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}: scatter-add into the table rows of the tokens seen");
        writer.WriteLine($"global::NetGen.Kernels.Embedding.Backward({Input.Span}, {OutputGradient!.Span}, {Name}TableGradient, rows * {Steps}, {Name}Vocabulary, {Name}Dimensions);");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s table\", {Name}Table, columns: {Name}Dimensions)";
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", $"{Name}WeightCount");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var embedding = (EmbeddingSpec)Layer.Spec;
        return $"new {OnnxEmitter.Onnx}OnnxEmbedding({name}, {Literals.Int(embedding.Vocabulary)}, {Literals.Int(embedding.Dimensions)}, {offset("weight")})";
    }
}

/// <summary>
/// SimpleRnn, Lstm or Gru over a (steps, features) sequence, batch-major [B, T, I] -> [B, T, H], calling the
/// kernels in NetGen.Kernels. Parameters: weightIh [G*H, I], weightHh [G*H, H], biasIh [G*H], biasHh [G*H].
/// With ReturnSequences = false the output is the last state [B, H]; with Stateful = true the final state of each
/// call is the initial state of the next (truncated backpropagation through time).
/// </summary>
internal sealed class RecurrentEmitter(ResolvedLayer layer) : LayerEmitter(layer)
{
    public RecurrentSpec Spec => (RecurrentSpec)Layer.Spec;

    private string Kernel => "global::NetGen.Kernels." + Spec.Kind;

    private string Steps => Name + "Steps";

    private string Inputs => Name + "Inputs";

    private string Hidden => Name + "Hidden";

    private string SequenceSize => Name + "SequenceSize";

    private bool IsLstm => Spec.Kind == RecurrentKind.Lstm;

    /// <summary>Every step's state [B, T, H]: the output itself, or (last state only) a buffer before it.</summary>
    private Buffer Sequence => Spec.ReturnSequences ? Output : new(Field("Sequence"), SequenceSize);

    private Buffer SequenceGradient => Spec.ReturnSequences ? OutputGradient! : new(Field("SequenceGradient"), SequenceSize);

    public override Buffer Output => new(Field("Output"), Spec.ReturnSequences ? SequenceSize : Hidden);

    public override Buffer? OutputGradient => new(Field("Gradient"), Spec.ReturnSequences ? SequenceSize : Hidden);

    /// <summary>The carried hidden state [BatchSize, H] (and cell state for Lstm) of a stateful layer.</summary>
    public string State => Field("State");

    /// <summary>The fields a stateful layer carries from one batch to the next: the hidden state, and an LSTM's cell state.</summary>
    public System.Collections.Generic.IEnumerable<string> CarriedState => IsLstm ? [State, CellState] : [State];

    public string CellState => Field("CellState");

    public override string Describe() =>
        $"{Name}: {Layer.Input} -> {Layer.Output}, {Spec.Kind}" + (Spec.ReturnSequences ? "" : ", last state only") +
        (Spec.Stateful ? ", stateful" : "") + (IsLstm && !double.IsNaN(Spec.ForgetBias) ? $", forget bias {Literals.Double(Spec.ForgetBias)}" : "");

    public override string TableName() => Name + (Spec.Stateful ? " stateful" : "");

    public override System.Collections.Generic.IEnumerable<(string Name, int[] Shape, string Offset)> CheckpointTensors()
    {
        // PyTorch's nn.LSTM/GRU/RNN names for one layer (suffix _l0), so weights move between the two.
        int rows = Spec.Gates * Spec.Hidden;
        yield return (CheckpointName + ".weight_ih_l0", new[] { rows, Layer.Input.Dimensions[1] }, $"{Name}WeightOffset");
        yield return (CheckpointName + ".weight_hh_l0", new[] { rows, Spec.Hidden }, $"{Name}WeightHhOffset");
        yield return (CheckpointName + ".bias_ih_l0", new[] { rows }, $"{Name}BiasOffset");
        yield return (CheckpointName + ".bias_hh_l0", new[] { rows }, $"{Name}BiasOffset + {Name}GateRows");
    }

    public override void EmitConstants(SourceWriter writer)
    {
        int rowsOfWeights = Spec.Gates * Spec.Hidden;
        writer.WriteLine($"// {Describe()}");
        writer.WriteLine($"private const int {Steps} = {Literals.Int(Layer.Input.Dimensions[0])};");
        writer.WriteLine($"private const int {Inputs} = {Literals.Int(Layer.Input.Dimensions[1])};");
        writer.WriteLine($"private const int {Hidden} = {Literals.Int(Spec.Hidden)};");
        writer.WriteLine($"private const int {SequenceSize} = {Steps} * {Hidden};");
        writer.WriteLine($"private const int {Name}WeightOffset = {Literals.Int(Layer.WeightOffset)};");
        writer.WriteLine($"private const int {Name}WeightCount = {Literals.Int(Layer.WeightCount)};");
        writer.WriteLine($"private const int {Name}WeightHhOffset = {Literals.Int(Layer.WeightOffset + rowsOfWeights * Layer.Input.Dimensions[1])};");
        writer.WriteLine($"private const int {Name}BiasOffset = {Literals.Int(Layer.BiasOffset)};");
        writer.WriteLine($"private const int {Name}BiasCount = {Literals.Int(Layer.BiasCount)};");
        writer.WriteLine($"private const int {Name}GateRows = {Literals.Int(rowsOfWeights)};");
    }

    public override void EmitFields(SourceWriter writer)
    {
        writer.WriteLine($"private readonly float[] {Output.Field} = new float[BatchSize * {Output.SizeConstant}];");
        writer.WriteLine($"private readonly float[] {OutputGradient!.Field} = new float[BatchSize * {OutputGradient.SizeConstant}];");
        if (!Spec.ReturnSequences)
        {
            writer.WriteLine($"private readonly float[] {Sequence.Field} = new float[BatchSize * {SequenceSize}];");
            writer.WriteLine($"private readonly float[] {SequenceGradient.Field} = new float[BatchSize * {SequenceSize}];");
        }

        writer.WriteLine($"private readonly float[] {Field("Cache")} = new float[{Kernel}.CacheSize(BatchSize, {Steps}, {(IsLstm ? Inputs + ", " : "")}{Hidden})];");
        writer.WriteLine($"private readonly float[] {Field("Scratch")} = new float[{Kernel}.ScratchSize(BatchSize, {Steps}, {Hidden})];");
        writer.WriteLine($"private readonly float[] {Field("StepGradientNorms")} = new float[{Steps}];");
        if (Spec.Stateful)
        {
            writer.WriteLine($"private readonly float[] {State} = new float[BatchSize * {Hidden}];");
            if (IsLstm) writer.WriteLine($"private readonly float[] {CellState} = new float[BatchSize * {Hidden}];");
        }
    }

    public override void EmitAccessors(SourceWriter writer)
    {
        string rows = Spec.Gates == 1 ? "H" : Spec.Gates + "H";
        string gates = Spec.Kind switch { RecurrentKind.Lstm => " (gate blocks i, f, g, o)", RecurrentKind.Gru => " (gate blocks r, z, n)", _ => "" };
        writer.WriteLine($"/// <summary>{Name}'s input weight W_ih, [{rows}, {Layer.Input.Dimensions[1]}] = [{Spec.Gates * Spec.Hidden}, {Layer.Input.Dimensions[1]}]{gates}, PyTorch's weight_ih_l0; a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}WeightIh => _parameters.Slice({Name}WeightOffset, {Name}GateRows * {Inputs});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s recurrent weight W_hh, [{Spec.Gates * Spec.Hidden}, {Spec.Hidden}], PyTorch's weight_hh_l0; a view into <see cref=\"Parameters\"/>.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}WeightHh => _parameters.Slice({Name}WeightHhOffset, {Name}GateRows * {Hidden});");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s input bias b_ih, [{Spec.Gates * Spec.Hidden}], PyTorch's bias_ih_l0.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}BiasIh => _parameters.Slice({Name}BiasOffset, {Name}GateRows);");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>{Name}'s recurrent bias b_hh, [{Spec.Gates * Spec.Hidden}], PyTorch's bias_hh_l0.</summary>");
        writer.WriteLine($"public global::System.Span<float> {Name}BiasHh => _parameters.Slice({Name}BiasOffset + {Name}GateRows, {Name}GateRows);");
        writer.WriteLine();
        writer.WriteLine($"/// <summary>For each of {Name}'s steps, the mean over the batch of ||dL/dh_t|| in the last backward pass: how much gradient reaches each step.</summary>");
        writer.WriteLine($"public global::System.ReadOnlySpan<float> {Name}StepGradientNorms => {Field("StepGradientNorms")};");
        writer.WriteLine();
        if (Spec.Stateful)
        {
            writer.WriteLine($"/// <summary>{Name}'s carried hidden state, [BatchSize, {Spec.Hidden}]: the initial state of the next call.</summary>");
            writer.WriteLine($"public global::System.Span<float> {Name}State => {State};");
            writer.WriteLine();
            if (IsLstm)
            {
                writer.WriteLine($"/// <summary>{Name}'s carried cell state, [BatchSize, {Spec.Hidden}].</summary>");
                writer.WriteLine($"public global::System.Span<float> {Name}CellState => {CellState};");
                writer.WriteLine();
            }
        }

        foreach (string part in new[] { "WeightIh", "WeightHh", "BiasIh", "BiasHh" })
        {
            string offset = part switch
            {
                "WeightIh" => $"{Name}WeightOffset, {Name}GateRows * {Inputs}",
                "WeightHh" => $"{Name}WeightHhOffset, {Name}GateRows * {Hidden}",
                "BiasIh" => $"{Name}BiasOffset, {Name}GateRows",
                _ => $"{Name}BiasOffset + {Name}GateRows, {Name}GateRows",
            };
            writer.WriteLine($"private global::System.Span<float> {Name}{part}Gradient => _gradients.Slice({offset});");
            writer.WriteLine();
        }
    }

    public override void EmitInitialization(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}: W_ih and biases U(-1/sqrt(H), 1/sqrt(H)) as PyTorch, W_hh orthogonal");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightOffset, {Name}GateRows * {Inputs}), global::NetGen.WeightInit.Uniform, fanIn: {Inputs}, fanOut: {Name}GateRows, scale: 1.0 / global::System.Math.Sqrt({Hidden}), ref rng);");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}WeightHhOffset, {Name}GateRows * {Hidden}), global::NetGen.WeightInit.Orthogonal, fanIn: {Hidden}, fanOut: {Name}GateRows, scale: 1.0, ref rng);");
        writer.WriteLine($"global::NetGen.Initialization.Initializers.Fill(parameters.Slice({Name}BiasOffset, {Name}BiasCount), global::NetGen.WeightInit.Uniform, fanIn: {Hidden}, fanOut: {Name}GateRows, scale: 1.0 / global::System.Math.Sqrt({Hidden}), ref rng);");
        if (IsLstm && !double.IsNaN(Spec.ForgetBias))
        {
            writer.WriteLine($"parameters.Slice({Name}BiasOffset + {Hidden}, {Hidden}).Fill({Literals.Float(Spec.ForgetBias)}); // b_ih's forget block");
            writer.WriteLine($"parameters.Slice({Name}BiasOffset + {Name}GateRows + {Hidden}, {Hidden}).Clear(); // b_hh's forget block");
        }
    }

    public override void EmitForward(SourceWriter writer)
    {
        string initial = Spec.Stateful ? $"new global::System.ReadOnlySpan<float>({State}, 0, rows * {Hidden})" : "default";
        string final = Spec.Stateful ? $"new global::System.Span<float>({State}, 0, rows * {Hidden})"
            : Spec.ReturnSequences ? "default" : Output.Span;
        writer.WriteLine($"// {Describe()}");
        if (IsLstm)
        {
            string initialCell = Spec.Stateful ? $"new global::System.ReadOnlySpan<float>({CellState}, 0, rows * {Hidden})" : "default";
            string finalCell = Spec.Stateful ? $"new global::System.Span<float>({CellState}, 0, rows * {Hidden})" : "default";
            writer.WriteLine($"{Kernel}.Forward({Input.Span}, {Name}WeightIh, {Name}WeightHh, {Name}BiasIh, {Name}BiasHh, {initial}, {initialCell},");
            writer.WriteLine($"    {Sequence.Span}, {final}, {finalCell}, {Field("Cache")}, rows, {Steps}, {Inputs}, {Hidden});");
        }
        else
        {
            writer.WriteLine($"{Kernel}.Forward({Input.Span}, {Name}WeightIh, {Name}WeightHh, {Name}BiasIh, {Name}BiasHh, {initial},");
            writer.WriteLine($"    {Sequence.Span}, {final}, {Field("Cache")}, rows, {Steps}, {Inputs}, {Hidden});");
        }

        if (Spec.Stateful && !Spec.ReturnSequences)
        {
            writer.WriteLine($"new global::System.ReadOnlySpan<float>({State}, 0, rows * {Hidden}).CopyTo({Output.Span});");
        }
    }

    public override void EmitBackward(SourceWriter writer)
    {
        writer.WriteLine($"// {Describe()}");
        if (!Spec.ReturnSequences)
        {
            writer.WriteLine("// Only the last step's state is the output: its gradient enters at step T-1, the other steps get none from above.");
            writer.WriteLine($"{SequenceGradient.Span}.Clear();");
            writer.WriteLine("for (int b = 0; b < rows; b++)");
            writer.WriteLine($"    {OutputGradient!.Span}.Slice(b * {Hidden}, {Hidden}).CopyTo({SequenceGradient.Span}.Slice((b * {Steps} + {Steps} - 1) * {Hidden}, {Hidden}));");
        }

        string inputGradient = InputGradient?.Span ?? "default";
        string norms = $"new global::System.Span<float>({Field("StepGradientNorms")})";
        if (IsLstm)
        {
            writer.WriteLine($"{Kernel}.Backward({SequenceGradient.Span}, {Input.Span}, {Name}WeightIh, {Name}WeightHh, default, default, {Field("Cache")},");
            writer.WriteLine($"    {inputGradient}, {Name}WeightIhGradient, {Name}WeightHhGradient, {Name}BiasIhGradient, {Name}BiasHhGradient,");
            writer.WriteLine($"    dinitialHidden: default, dinitialCell: default, stepGradientNorms: {norms}, {Field("Scratch")}, rows, {Steps}, {Inputs}, {Hidden});");
        }
        else
        {
            writer.WriteLine($"{Kernel}.Backward({SequenceGradient.Span}, {Input.Span}, {Name}WeightIh, {Name}WeightHh, default, {Field("Cache")},");
            writer.WriteLine($"    {inputGradient}, {Name}WeightIhGradient, {Name}WeightHhGradient, {Name}BiasIhGradient, {Name}BiasHhGradient,");
            writer.WriteLine($"    dinitialHidden: default, stepGradientNorms: {norms}, {Field("Scratch")}, rows, {Steps}, {Inputs}, {Hidden});");
        }
    }

    /// <summary>Clears the carried state (inside the generated <c>ResetState()</c>).</summary>
    public void EmitResetState(SourceWriter writer)
    {
        writer.WriteLine($"global::System.Array.Clear({State});");
        if (IsLstm) writer.WriteLine($"global::System.Array.Clear({CellState});");
    }

    public override IEnumerable<string> NonFiniteChecks()
    {
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s parameters\", _parameters.Slice({Name}WeightOffset, {Name}WeightCount + {Name}BiasCount), columns: 0)";
        yield return $"global::NetGen.Training.NumericChecks.Describe(\"{Name}'s output\", {Output.Span}, columns: {Hidden})";
    }

    public override (string Offset, string Count) ParameterRange => ($"{Name}WeightOffset", $"{Name}WeightCount + {Name}BiasCount");

    /// <summary>The ONNX description of this layer: its operator's settings and the offsets of its tensors.</summary>
    public override string OnnxOperator(string name, System.Func<string, string> offset)
    {
        var recurrent = (RecurrentSpec)Layer.Spec;
        return $"new {OnnxEmitter.Onnx}OnnxRecurrent({name}, {OnnxEmitter.Onnx}OnnxCell.{recurrent.Kind}, {Literals.Int(Layer.Input.Dimensions[1])}, {Literals.Int(recurrent.Hidden)}, " +
               $"{offset("weight_ih_l0")}, {offset("weight_hh_l0")}, {offset("bias_ih_l0")}, returnSequences: {Literals.Bool(recurrent.ReturnSequences)})";
    }
}
