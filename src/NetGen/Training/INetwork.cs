namespace NetGen;

/// <summary>
/// What every generated network offers, for code that trains or inspects networks it does not know at build
/// time (trainers, search, data-parallel training). The generated class implements it explicitly; its own
/// members (constants, spans) remain the fast, shape-specific surface.
/// </summary>
public interface INetwork
{
    /// <summary>Samples in one training batch.</summary>
    int BatchSize { get; }

    /// <summary>Floats in one input sample.</summary>
    int InputSize { get; }

    /// <summary>Floats in one output sample.</summary>
    int OutputSize { get; }

    /// <summary>Trainable parameters.</summary>
    int ParameterCount { get; }

    /// <summary>Every trainable parameter in one flat buffer.</summary>
    Span<float> Parameters { get; }

    /// <summary>The gradients, laid out like <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>The optimizer's state in one flat buffer.</summary>
    Span<float> OptimizerState { get; }

    /// <summary>Non-trainable running statistics (batch normalization), possibly empty.</summary>
    Span<float> Statistics { get; }

    /// <summary>The base learning rate.</summary>
    float LearningRate { get; set; }

    /// <summary>The learning rate of the last step, after any schedule.</summary>
    float CurrentLearningRate { get; }

    /// <summary>
    /// Synchronized batch normalization (PyTorch's <c>SyncBatchNorm</c>): when set, every batch-normalization layer
    /// computes its training statistics (mean and variance, and the sums its backward pass needs) over the batches of
    /// all replicas in the group, not just this replica's shard. Null (the default) keeps per-replica statistics, as
    /// PyTorch's DistributedDataParallel does by default. Networks without batch normalization ignore it.
    /// </summary>
    /// <exception cref="NotSupportedException">Setting a group on a network that cannot synchronize its statistics.</exception>
    IAllReduce? BatchNormSynchronization
    {
        get => null;
        set
        {
            if (value is not null) throw new NotSupportedException($"{GetType().Name} cannot synchronize batch-normalization statistics.");
        }
    }

    /// <summary>
    /// Told, during each training backward pass, as soon as each parameter layer's gradients are final (see
    /// <see cref="IGradientListener"/>); null (the default) for nobody. Data-parallel training uses it to overlap
    /// the gradient all-reduce with the rest of the backward pass.
    /// </summary>
    /// <exception cref="NotSupportedException">Setting a listener on a network that does not report its layers' gradients.</exception>
    IGradientListener? GradientListener
    {
        get => null;
        set
        {
            if (value is not null) throw new NotSupportedException($"{GetType().Name} does not report its layers' gradients during backward.");
        }
    }

    /// <summary>Optimizer steps taken.</summary>
    int StepCount { get; }

    /// <summary>The names of the layers that have parameters, in order.</summary>
    IReadOnlyList<string> ParameterLayers { get; }

    /// <summary>Re-initializes parameters, statistics and optimizer state from <paramref name="seed"/>.</summary>
    void ResetParameters(int seed);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>Applies one optimizer update from the current gradients.</summary>
    void OptimizerStep();

    /// <summary>The global L2 norm of the current gradients.</summary>
    float GradientNorm();

    /// <summary>The L2 norm of each parameter layer's gradient.</summary>
    void GradientNorms(Span<float> norms);

    /// <summary>Training-mode forward pass on 1 to <see cref="BatchSize"/> samples.</summary>
    ReadOnlySpan<float> Forward(ReadOnlySpan<float> inputs);

    /// <summary>Inference outputs for any number of samples.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> outputs);
}

/// <summary>A network trained against targets of type <typeparamref name="TTarget"/>: <c>int</c> class labels or <c>float</c> regression targets.</summary>
public interface INetwork<TTarget> : INetwork where TTarget : unmanaged
{
    /// <summary>Forward, loss, backward and an optimizer update; returns the loss.</summary>
    float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Forward, loss and backward without the update; returns the loss.</summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>The training-mode loss without changing anything.</summary>
    float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Inference-mode loss (and accuracy for labels) over any number of samples.</summary>
    Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets);
}
