namespace NetGen;

/// <summary>
/// Softmax followed by cross-entropy against integer class labels, averaged over the batch
/// (PyTorch's <c>CrossEntropyLoss</c>). The last layer must output raw logits (no activation).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : Attribute;

/// <summary>Mean squared error against float targets, averaged over every element (PyTorch's <c>MSELoss</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MeanSquaredErrorAttribute : Attribute;
