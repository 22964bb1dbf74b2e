using System.Diagnostics;
using NetGen.Data;

namespace NetGen.Training;

/// <summary>
/// Trains a classification network for a number of epochs: shuffled mini-batches, a validation pass
/// after each epoch (loss, accuracy, confusion matrix), and callbacks for progress, learning-rate
/// schedules, early stopping and checkpoints. The Keras <c>fit</c> loop, for generated networks: it
/// sees them through <see cref="INetwork{TTarget}"/> only, so it needs no reflection (trimming- and AOT-safe).
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(network, new TrainerOptions
/// {
///     Epochs = 20,
///     Callbacks = [new PlainProgress(), new LearningRateScheduler(new CosineAnnealing(totalSteps: 20)), new EarlyStoppingCallback(patience: 3)],
/// });
/// TrainingHistory history = trainer.Fit(trainImages, trainLabels, testImages, testLabels);
/// </code>
/// </example>
public sealed class Trainer
{
    /// <summary>A trainer for <paramref name="network"/>.</summary>
    public Trainer(INetwork<int> network, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
        Options = options ?? new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Epochs, 1, "options.Epochs");
    }

    /// <summary>The network being trained.</summary>
    public INetwork<int> Network { get; }

    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// Trains on <paramref name="trainInputs"/> (samples of <c>InputSize</c> floats, row after row) and
    /// <paramref name="trainLabels"/>, evaluating on the validation set after each epoch when one is given.
    /// Returns every epoch's result.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// There are no training samples, inputs and labels disagree in count, a validation array is given without the other,
    /// or a callback in <see cref="TrainerOptions.Callbacks"/> is null.
    /// </exception>
    /// <exception cref="InvalidOperationException">A callback watches a number this run cannot produce (validation accuracy with no validation set and <see cref="TrainerOptions.EvaluateTrainingSet"/> off).</exception>
    public TrainingHistory Fit(float[] trainInputs, int[] trainLabels, float[]? validationInputs = null, int[]? validationLabels = null)
    {
        ArgumentNullException.ThrowIfNull(trainInputs);
        ArgumentNullException.ThrowIfNull(trainLabels);
        if (trainLabels.Length == 0)
        {
            // Otherwise every epoch runs no step and reports a loss of NaN.
            throw new ArgumentException("trainLabels is empty: there is nothing to train on.", nameof(trainLabels));
        }

        if ((validationInputs is null) != (validationLabels is null))
        {
            throw new ArgumentException("Give both validationInputs and validationLabels, or neither.", validationInputs is null ? nameof(validationInputs) : nameof(validationLabels));
        }

        int inputSize = Network.InputSize;
        var batches = new MiniBatches<int>(trainInputs, trainLabels, inputSize, labelSize: 1, Network.BatchSize, Options.Seed, Options.Shuffle);
        int validationCount = validationLabels?.Length ?? 0;
        if (validationInputs is not null && validationInputs.Length != validationCount * (long)inputSize)
        {
            throw new ArgumentException(
                $"validationInputs hold {validationInputs.Length} floats: {validationCount} samples of {inputSize} need {validationCount * (long)inputSize}.", nameof(validationInputs));
        }

        var history = new TrainingHistory();
        var context = new TrainerContext(Network, Options, batches.Count, validationCount, batches.BatchCount, history);
        float[] scratch = new float[Network.BatchSize * Network.OutputSize];
        IList<TrainerCallback> callbacks = Options.Callbacks;
        for (int i = 0; i < callbacks.Count; i++)
        {
            if (callbacks[i] is null) throw new ArgumentException($"options.Callbacks[{i}] is null.", "options");
        }


        foreach (TrainerCallback callback in callbacks) callback.OnTrainBegin(context);
        for (int epoch = 1; epoch <= Options.Epochs && !context.StopRequested; epoch++)
        {
            foreach (TrainerCallback callback in callbacks) callback.OnEpochBegin(context, epoch);
            float learningRate = Network.LearningRate;

            batches.StartEpoch(epoch);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            int samplesDone = 0;
            for (int b = 0; b < batches.BatchCount; b++)
            {
                int rows = batches.GetBatch(b, out ReadOnlySpan<float> inputs, out ReadOnlySpan<int> labels);
                float loss = Network.TrainStep(inputs, labels);
                lossSum += (double)loss * rows;
                samplesDone += rows;
                if (callbacks.Count > 0)
                {
                    var progress = new BatchProgress(epoch, b, batches.BatchCount, samplesDone, loss, lossSum / samplesDone,
                        samplesDone / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
                    foreach (TrainerCallback callback in callbacks) callback.OnBatchEnd(context, progress);
                }
            }

            double seconds = clock.Elapsed.TotalSeconds;
            double trainAccuracy = Options.EvaluateTrainingSet
                ? ClassificationMetrics.Evaluate(Network, trainInputs, trainLabels, scratch).Accuracy
                : double.NaN;
            ClassificationMetrics? validation = validationInputs is null
                ? null
                : ClassificationMetrics.Evaluate(Network, validationInputs, validationLabels!, scratch);
            var result = new EpochResult(epoch, samplesDone == 0 ? double.NaN : lossSum / samplesDone, trainAccuracy, validation,
                learningRate, seconds, samplesDone / Math.Max(seconds, 1e-9));
            history.Add(result);
            foreach (TrainerCallback callback in callbacks) callback.OnEpochEnd(context, result);
            if (context.StopRequested && epoch < Options.Epochs) history.StoppedEarly = true;
        }

        foreach (TrainerCallback callback in callbacks) callback.OnTrainEnd(context, history);
        return history;
    }
}
