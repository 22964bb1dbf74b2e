using System.Globalization;

namespace NetGen.Checkpoints;

/// <summary>One named tensor inside a network's flat parameter buffer.</summary>
/// <param name="Name">PyTorch <c>state_dict</c> style: <c>dense1.weight</c>, <c>dense1.bias</c>, <c>conv1.weight</c>.</param>
/// <param name="Shape">Row-major, as PyTorch stores the same layer: Dense <c>[units, inputs]</c> like <c>nn.Linear</c>.</param>
/// <param name="Offset">Where the tensor starts in the flat buffer, in floats.</param>
public readonly record struct CheckpointTensor(string Name, int[] Shape, int Offset);

/// <summary>
/// How a network's flat buffers map to named tensors in a safetensors checkpoint. A generated network
/// holds one as a static table and saves and loads with one call each:
/// <code>
/// private static readonly global::NetGen.Checkpoints.CheckpointLayout CheckpointLayout = new("MnistMlp", ParameterCount,
///     [new("dense1.weight", [256, 784], Dense1WeightOffset), new("dense1.bias", [256], Dense1BiasOffset), ...],
///     optimizerStateNames: ["exp_avg", "exp_avg_sq"]);
///
/// public void SaveCheckpoint(string path) => CheckpointLayout.Save(path, _parameters, _optimizerState, _step);
/// public void LoadCheckpoint(string path) => _step = CheckpointLayout.Load(path, _parameters, _optimizerState);
/// </code>
/// A network with batch normalization also passes its running statistics (PyTorch's buffers
/// <c>bn1.running_mean</c>, <c>bn1.running_var</c>): <c>statistics: [new("bn1.running_mean", [64], 0), ...], statisticsCount: StatisticsCount</c>
/// in the constructor, and the <c>_statistics</c> buffer in the Save and Load overloads that take it.
/// </summary>
/// <remarks>
/// The file holds each parameter tensor under its name, and the optimizer state as one copy of the
/// parameter layout per state name, named <c>optimizer.{state}.{name}</c> (for Adam:
/// <c>optimizer.exp_avg.dense1.weight</c>, <c>optimizer.exp_avg_sq.dense1.weight</c>, as PyTorch's Adam
/// names its state). The metadata holds <c>format = pt</c> (the weights are PyTorch-shaped), the network's
/// name, the optimizer step count and the state names. In Python,
/// <c>{k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}</c> is a PyTorch
/// <c>state_dict</c> for the same architecture.
/// </remarks>
public sealed class CheckpointLayout
{
    /// <summary>The prefix of optimizer-state tensor names.</summary>
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>Metadata key: the network's class name.</summary>
    public const string NetworkKey = "netgen.network";

    /// <summary>Metadata key: optimizer steps taken (Adam's bias correction depends on it).</summary>
    public const string StepKey = "netgen.step";

    /// <summary>Metadata key: the optimizer state names, comma-separated.</summary>
    public const string OptimizerStateKey = "netgen.optimizer_state";

    private readonly CheckpointTensor[] _tensors;
    private readonly string[] _optimizerStateNames;
    private readonly CheckpointTensor[] _statistics;

    /// <summary>Checks and stores a layout.</summary>
    /// <param name="networkName">The network's name, written to the metadata.</param>
    /// <param name="parameterCount">Floats in the flat parameter buffer.</param>
    /// <param name="tensors">The parameter tensors; each lies inside the buffer and no two overlap.</param>
    /// <param name="optimizerStateNames">One name per copy of the parameter layout in the optimizer-state buffer, in buffer order (empty for plain SGD).</param>
    /// <param name="statistics">Non-trainable running statistics (batch normalization's running mean and variance), as tensors of the statistics buffer; null for none.</param>
    /// <param name="statisticsCount">Floats in the statistics buffer.</param>
    /// <exception cref="ArgumentException">A tensor lies outside its buffer, overlaps another or repeats a name; a state name is empty or repeated.</exception>
    public CheckpointLayout(string networkName, int parameterCount, CheckpointTensor[] tensors, string[] optimizerStateNames,
        CheckpointTensor[]? statistics = null, int statisticsCount = 0)
    {
        ArgumentNullException.ThrowIfNull(networkName);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(optimizerStateNames);
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        NetworkName = networkName;
        ParameterCount = parameterCount;
        _tensors = (CheckpointTensor[])tensors.Clone();
        _optimizerStateNames = (string[])optimizerStateNames.Clone();
        _statistics = statistics is null ? [] : (CheckpointTensor[])statistics.Clone();
        ArgumentOutOfRangeException.ThrowIfNegative(statisticsCount);
        StatisticsCount = statisticsCount;

        var names = new HashSet<string>(StringComparer.Ordinal);
        CheckTensors(_tensors, parameterCount, "parameters", names, nameof(tensors));
        CheckTensors(_statistics, statisticsCount, "statistics", names, nameof(statistics));

        var stateNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (string state in _optimizerStateNames)
        {
            if (string.IsNullOrEmpty(state) || state.Contains(',', StringComparison.Ordinal) || !stateNames.Add(state))
            {
                throw new ArgumentException($"optimizer state name '{state}' is empty, has a comma or is used twice.", nameof(optimizerStateNames));
            }
        }
    }

    // Every tensor lies inside its buffer, no two overlap, and names are unique across buffers.
    private static void CheckTensors(CheckpointTensor[] tensors, int bufferCount, string buffer, HashSet<string> names, string argument)
    {
        var byOffset = new List<(int Begin, int End, string Name)>();
        foreach (CheckpointTensor tensor in tensors)
        {
            if (string.IsNullOrEmpty(tensor.Name) || !names.Add(tensor.Name))
            {
                throw new ArgumentException($"tensor name '{tensor.Name}' is empty or used twice.", argument);
            }

            int count = Safetensors.ElementCount(tensor.Shape);
            if (tensor.Offset < 0 || (long)tensor.Offset + count > bufferCount)
            {
                throw new ArgumentException(
                    $"tensor '{tensor.Name}' {Safetensors.FormatShape(tensor.Shape)} at offset {tensor.Offset} ends at {(long)tensor.Offset + count}, outside the {bufferCount} {buffer}.", argument);
            }

            byOffset.Add((tensor.Offset, tensor.Offset + count, tensor.Name));
        }

        byOffset.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < byOffset.Count; i++)
        {
            if (byOffset[i].Begin < byOffset[i - 1].End)
            {
                throw new ArgumentException($"tensors '{byOffset[i - 1].Name}' and '{byOffset[i].Name}' overlap at offset {byOffset[i].Begin}.", argument);
            }
        }
    }

    /// <summary>The network's name, as written to the metadata.</summary>
    public string NetworkName { get; }

    /// <summary>Floats in the flat parameter buffer.</summary>
    public int ParameterCount { get; }

    /// <summary>The parameter tensors.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors => _tensors;

    /// <summary>The optimizer state names, one per copy of the parameter layout.</summary>
    public IReadOnlyList<string> OptimizerStateNames => _optimizerStateNames;

    /// <summary>Floats the optimizer-state buffer must hold: one copy of the parameters per state name.</summary>
    public int OptimizerStateCount => _optimizerStateNames.Length * ParameterCount;

    /// <summary>The running-statistics tensors (empty without batch normalization).</summary>
    public IReadOnlyList<CheckpointTensor> Statistics => _statistics;

    /// <summary>Floats in the statistics buffer.</summary>
    public int StatisticsCount { get; }

    /// <summary>
    /// Writes the parameters, the optimizer state and the step count to <paramref name="path"/> as
    /// safetensors, atomically (temporary file, then rename).
    /// </summary>
    /// <exception cref="ArgumentException">A buffer has the wrong length; the message gives both lengths.</exception>
    public void Save(string path, ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> optimizerState, int step) =>
        Save(path, parameters, optimizerState, ReadOnlyMemory<float>.Empty, step);

    /// <summary>
    /// Writes the parameters, the running statistics (under their own names, as PyTorch's buffers), the
    /// optimizer state and the step count to <paramref name="path"/>, atomically.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer has the wrong length; the message gives both lengths.</exception>
    public void Save(string path, ReadOnlyMemory<float> parameters, ReadOnlyMemory<float> optimizerState, ReadOnlyMemory<float> statistics, int step)
    {
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(statistics.Length, StatisticsCount, nameof(statistics));
        CheckLength(optimizerState.Length, OptimizerStateCount, nameof(optimizerState));
        var entries = new List<(string Name, int[] Shape, ReadOnlyMemory<float> Data)>(_tensors.Length * (1 + _optimizerStateNames.Length));
        foreach (CheckpointTensor tensor in _tensors)
        {
            entries.Add((tensor.Name, tensor.Shape, parameters.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape))));
        }

        foreach (CheckpointTensor tensor in _statistics)
        {
            entries.Add((tensor.Name, tensor.Shape, statistics.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape))));
        }

        for (int s = 0; s < _optimizerStateNames.Length; s++)
        {
            ReadOnlyMemory<float> copy = optimizerState.Slice(s * ParameterCount, ParameterCount);
            foreach (CheckpointTensor tensor in _tensors)
            {
                entries.Add((OptimizerTensorName(_optimizerStateNames[s], tensor.Name), tensor.Shape, copy.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape))));
            }
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [NetworkKey] = NetworkName,
            [StepKey] = step.ToString(CultureInfo.InvariantCulture),
            [OptimizerStateKey] = string.Join(',', _optimizerStateNames),
        };
        Safetensors.Save(path, entries, metadata);
    }

    /// <summary>
    /// Reads a checkpoint into the network's buffers and returns the optimizer step count to resume from.
    /// Every tensor's name, dtype and shape is checked before any buffer changes, so a failed load
    /// leaves the network as it was. A file with the parameters but no optimizer state (for example
    /// weights exported from PyTorch) loads too: the optimizer state is cleared and the step count is 0.
    /// Tensors the layout does not name are ignored.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is truncated or corrupt; a tensor is missing, not F32, or has another shape than the
    /// network's (the message names the file, the tensor and both shapes); or only part of the optimizer state is there.
    /// </exception>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public int Load(string path, Span<float> parameters, Span<float> optimizerState) =>
        Load(path, parameters, optimizerState, Span<float>.Empty);

    /// <summary>
    /// As <see cref="Load(string, Span{float}, Span{float})"/>, and also reads the running statistics,
    /// which the file must have (a PyTorch <c>state_dict</c> of the same architecture has them).
    /// </summary>
    /// <exception cref="InvalidDataException">As the other overload; also when a statistics tensor is missing or has another shape.</exception>
    /// <exception cref="ArgumentException">A buffer has the wrong length.</exception>
    public int Load(string path, Span<float> parameters, Span<float> optimizerState, Span<float> statistics)
    {
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(statistics.Length, StatisticsCount, nameof(statistics));
        CheckLength(optimizerState.Length, OptimizerStateCount, nameof(optimizerState));
        using SafetensorsReader reader = SafetensorsReader.Open(path);

        foreach (CheckpointTensor tensor in _tensors) reader.Check(tensor.Name, tensor.Shape);
        foreach (CheckpointTensor tensor in _statistics) reader.Check(tensor.Name, tensor.Shape);

        int present = 0;
        string? missing = null;
        foreach (string state in _optimizerStateNames)
        {
            foreach (CheckpointTensor tensor in _tensors)
            {
                string name = OptimizerTensorName(state, tensor.Name);
                if (reader.Contains(name))
                {
                    reader.Check(name, tensor.Shape);
                    present++;
                }
                else
                {
                    missing ??= name;
                }
            }
        }

        bool withOptimizerState = present > 0;
        if (withOptimizerState && missing is not null)
        {
            throw new InvalidDataException($"file {reader.Path} has part of the optimizer state but not tensor '{missing}'.");
        }

        int step = 0;
        if (withOptimizerState && reader.Metadata.TryGetValue(StepKey, out string? stepText)
            && !int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step))
        {
            throw new InvalidDataException($"file {reader.Path} is corrupt: metadata '{StepKey}' is \"{stepText}\", not a step count.");
        }

        foreach (CheckpointTensor tensor in _tensors)
        {
            reader.Read(tensor.Name, parameters.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape)), tensor.Shape);
        }

        foreach (CheckpointTensor tensor in _statistics)
        {
            reader.Read(tensor.Name, statistics.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape)), tensor.Shape);
        }

        if (!withOptimizerState)
        {
            optimizerState.Clear();
            return 0;
        }

        for (int s = 0; s < _optimizerStateNames.Length; s++)
        {
            Span<float> copy = optimizerState.Slice(s * ParameterCount, ParameterCount);
            foreach (CheckpointTensor tensor in _tensors)
            {
                reader.Read(OptimizerTensorName(_optimizerStateNames[s], tensor.Name), copy.Slice(tensor.Offset, Safetensors.ElementCount(tensor.Shape)), tensor.Shape);
            }
        }

        return step;
    }

    /// <summary>The file's name for optimizer state <paramref name="state"/> of parameter tensor <paramref name="tensor"/>: <c>optimizer.exp_avg.dense1.weight</c>.</summary>
    public static string OptimizerTensorName(string state, string tensor) => OptimizerPrefix + state + "." + tensor;

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats, but this layout needs {expected}.", name);
    }
}
