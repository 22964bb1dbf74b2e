namespace NetGen.Distributed;

/// <summary>
/// What data-parallel training needs from a generated network: its flat buffers, a step that computes the
/// gradients of a batch without applying them, and the optimizer step. A generated class opts in with one line,
/// <c>partial class MnistMlp : IDataParallelNetwork&lt;int&gt;;</c> (<c>int</c> class labels; <c>float</c> for
/// regression targets); the generated members implement it, no reflection involved.
/// </summary>
/// <typeparam name="TTarget">Element type of the targets: <see cref="int"/> class indices or <see cref="float"/> values.</typeparam>
public interface IDataParallelNetwork<TTarget> where TTarget : unmanaged
{
    /// <summary>Every trainable parameter in one flat buffer; identical on every rank.</summary>
    Span<float> Parameters { get; }

    /// <summary>The gradient of the loss for every parameter, laid out like <see cref="Parameters"/>.</summary>
    Span<float> Gradients { get; }

    /// <summary>The optimizer's state (moments, velocity) in one flat buffer; identical on every rank.</summary>
    Span<float> OptimizerState { get; }

    /// <summary>
    /// Clears <see cref="Gradients"/>, then runs forward, loss and backward on 1 to BatchSize rows, leaving
    /// d(mean loss over these rows)/d(parameters) in <see cref="Gradients"/>. Applies no update. Returns the mean loss of the rows.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<TTarget> targets);

    /// <summary>Applies one optimizer update to <see cref="Parameters"/> from <see cref="Gradients"/>.</summary>
    void OptimizerStep();
}
