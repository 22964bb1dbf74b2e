namespace NetGen;

/// <summary>The result of evaluating a network on a data set.</summary>
/// <param name="Count">Samples evaluated.</param>
/// <param name="Loss">Mean loss per sample.</param>
/// <param name="Accuracy">Fraction of samples whose highest score is the label, in [0, 1]; NaN for regression losses.</param>
public readonly record struct Evaluation(int Count, double Loss, double Accuracy);
