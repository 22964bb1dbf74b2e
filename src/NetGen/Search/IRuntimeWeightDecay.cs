namespace NetGen.Search;

/// <summary>
/// A generated network whose optimizer's weight decay is a run-time value rather than a constant: the variants of a
/// [SearchSpace] that declares [WeightDecayRange]. A search sets <see cref="WeightDecay"/> per trial, as it sets
/// <see cref="INetwork.LearningRate"/>; the next optimizer step uses it (added to the gradient as <c>wd * p</c> for SGD,
/// Adam, RMSprop, Adagrad, Adadelta, NAdam and RAdam, decoupled as <c>p -= lr * wd * p</c> for AdamW and Lion).
/// </summary>
public interface IRuntimeWeightDecay
{
    /// <summary>The weight decay the next optimizer step uses.</summary>
    float WeightDecay { get; set; }
}
