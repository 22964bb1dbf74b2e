using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>Reading decisions off a row of scores.</summary>
public static class Scores
{
    /// <summary>The index of the largest score (the first one on ties); -1 for an empty row.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores) => TensorPrimitives.IndexOfMax(scores);
}
