namespace NetGen.Training;

/// <summary>
/// A classification network as <see cref="Trainer"/> sees it: what a generated network with a
/// <c>[SoftmaxCrossEntropy]</c> loss already has. The trainer calls these members only, so it works
/// with any generated network without reflection (trimming- and AOT-safe).
/// </summary>
/// <remarks>
/// A generated class can implement it in a few lines (its constants become explicit implementations):
/// <code>
/// partial class MnistMlp : global::NetGen.Training.ITrainableNetwork
/// {
///     int global::NetGen.Training.ITrainableNetwork.BatchSize => BatchSize;
///     int global::NetGen.Training.ITrainableNetwork.InputSize => InputSize;
///     int global::NetGen.Training.ITrainableNetwork.OutputSize => OutputSize;
///     // Parameters, LearningRate, TrainStep, Predict and SaveCheckpoint already have these signatures.
/// }
/// </code>
/// Until then, <see cref="NetworkFunctions"/> adapts a network from its members.
/// </remarks>
public interface ITrainableNetwork
{
    /// <summary>The most samples one <see cref="TrainStep"/> takes.</summary>
    int BatchSize { get; }

    /// <summary>Floats in one input sample.</summary>
    int InputSize { get; }

    /// <summary>Classes: floats in one output sample.</summary>
    int OutputSize { get; }

    /// <summary>Every trainable parameter in one flat buffer (early stopping snapshots and restores it).</summary>
    Span<float> Parameters { get; }

    /// <summary>The learning rate the next optimizer step uses; schedules set it between epochs.</summary>
    float LearningRate { get; set; }

    /// <summary>One step on 1 to <see cref="BatchSize"/> samples (forward, loss, backward, update); returns the batch's mean loss.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>Class probabilities (softmax) for any number of samples, <see cref="OutputSize"/> floats per sample.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Writes parameters and optimizer state to a checkpoint file (safetensors).</summary>
    void SaveCheckpoint(string path);
}

/// <summary>Adapts any network to <see cref="ITrainableNetwork"/> from delegates to its members.</summary>
/// <example>
/// <code>
/// var network = new MnistMlp();
/// var trainer = new Trainer(new NetworkFunctions
/// {
///     BatchSize = MnistMlp.BatchSize, InputSize = MnistMlp.InputSize, OutputSize = MnistMlp.OutputSize,
///     TrainStep = network.TrainStep, Predict = network.Predict, GetParameters = () => network.Parameters,
///     GetLearningRate = () => network.LearningRate, SetLearningRate = rate => network.LearningRate = rate,
/// });
/// </code>
/// </example>
public sealed class NetworkFunctions : ITrainableNetwork
{
    /// <inheritdoc/>
    public required int BatchSize { get; init; }

    /// <inheritdoc/>
    public required int InputSize { get; init; }

    /// <inheritdoc/>
    public required int OutputSize { get; init; }

    /// <summary>The network's <c>TrainStep</c>.</summary>
    public required Func<ReadOnlySpan<float>, ReadOnlySpan<int>, float> TrainStep { get; init; }

    /// <summary>The network's <c>Predict</c>.</summary>
    public required Action<ReadOnlySpan<float>, Span<float>> Predict { get; init; }

    /// <summary>Returns the network's <c>Parameters</c>.</summary>
    public required Func<Span<float>> GetParameters { get; init; }

    /// <summary>Returns the network's <c>LearningRate</c>; null when it has none to report (schedules then cannot run).</summary>
    public Func<float>? GetLearningRate { get; init; }

    /// <summary>Sets the network's <c>LearningRate</c>; null when it cannot be changed (schedules then cannot run).</summary>
    public Action<float>? SetLearningRate { get; init; }

    /// <summary>Writes a checkpoint; null when the network has no checkpoint support.</summary>
    public Action<string>? SaveCheckpoint { get; init; }

    Span<float> ITrainableNetwork.Parameters => GetParameters();

    float ITrainableNetwork.LearningRate
    {
        get => GetLearningRate?.Invoke() ?? float.NaN;
        set => (SetLearningRate ?? throw new InvalidOperationException("This network was adapted without SetLearningRate, so a learning-rate schedule cannot change it."))(value);
    }

    float ITrainableNetwork.TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels) => TrainStep(inputs, labels);

    void ITrainableNetwork.Predict(ReadOnlySpan<float> inputs, Span<float> outputs) => Predict(inputs, outputs);

    void ITrainableNetwork.SaveCheckpoint(string path) =>
        (SaveCheckpoint ?? throw new InvalidOperationException("This network was adapted without SaveCheckpoint, so it cannot write checkpoints."))(path);
}
