using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>Reading decisions off a row of scores.</summary>
public static class Scores
{
    /// <summary>
    /// The index of the largest score (the first one on ties); -1 for an empty row and for a row that holds a NaN.
    /// </summary>
    /// <remarks>
    /// A NaN score means the forward pass failed (a non-finite input or diverged weights), and no class read off such a
    /// row means anything. <c>torch.argmax</c> treats NaN as the largest value, so an all-NaN row gives class 0 there,
    /// indistinguishable from a real prediction; here it gives -1, which no label equals (an accuracy counts the row as
    /// wrong) and which fails loudly if used as an index.
    /// </remarks>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        // IndexOfMax returns the first NaN's index when a NaN is present, so one look at the winner finds any NaN.
        int index = TensorPrimitives.IndexOfMax(scores);
        return index >= 0 && float.IsNaN(scores[index]) ? -1 : index;
    }
}
