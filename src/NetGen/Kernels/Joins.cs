using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// The joins of a network graph: element-wise sums (residual connections, [Add]) and concatenation along one axis of
/// a sample ([Concat]), and the gradient of a layer output that several layers read (summed from each reader).
/// Every buffer holds <c>rows</c> samples, row after row.
/// </summary>
public static class Joins
{
    // sum[n] = a[n] + b[n]
    /// <summary>sum = a + b, element by element; sum may be a or b.</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum)
    {
        CheckSameLength(b.Length, a.Length, nameof(b));
        CheckSameLength(sum.Length, a.Length, nameof(sum));
        TensorPrimitives.Add(a, b, sum);
    }

    // d_input[n] (+)= d_sum[n]: each addend's gradient is the sum's
    /// <summary>
    /// One addend's gradient from the sum's: written (<paramref name="accumulate"/> false) or added to what an earlier
    /// reader of the same output left there (true). dInput may not overlap dSum unless it is dSum itself.
    /// </summary>
    public static void AddBackward(ReadOnlySpan<float> dSum, Span<float> dInput, bool accumulate)
    {
        CheckSameLength(dInput.Length, dSum.Length, nameof(dInput));
        if (accumulate) TensorPrimitives.Add(dInput, dSum, dInput);
        else dSum.CopyTo(dInput);
    }

    // total[n] += part[n]
    /// <summary>Adds one reader's gradient of a shared output to the gradient the other readers left in <paramref name="total"/>.</summary>
    public static void Accumulate(ReadOnlySpan<float> part, Span<float> total)
    {
        CheckSameLength(part.Length, total.Length, nameof(part));
        TensorPrimitives.Add(total, part, total);
    }

    // output[r, offset : offset + partInner] = part[r, :]   for r < blocks (= rows * outer)
    /// <summary>
    /// Copies one input of a concatenation into its place: the sample's dimensions before the axis give
    /// <c>blocks = rows * outer</c> runs; each run of <paramref name="partInner"/> floats of <paramref name="part"/> (its
    /// size along the axis times the dimensions after it) lands at <paramref name="offset"/> within a run of
    /// <paramref name="outputInner"/> floats of <paramref name="output"/>.
    /// </summary>
    public static void ConcatForward(ReadOnlySpan<float> part, Span<float> output, int blocks, int partInner, int outputInner, int offset)
    {
        CheckLayout(part.Length, output.Length, blocks, partInner, outputInner, offset);
        for (int block = 0; block < blocks; block++)
        {
            part.Slice(block * partInner, partInner).CopyTo(output.Slice(block * outputInner + offset, partInner));
        }
    }

    // d_part[r, :] (+)= d_output[r, offset : offset + partInner]
    /// <summary>The gradient of one input of a concatenation: its runs of <paramref name="dOutput"/>, written or accumulated.</summary>
    public static void ConcatBackward(ReadOnlySpan<float> dOutput, Span<float> dPart, int blocks, int partInner, int outputInner, int offset, bool accumulate)
    {
        CheckLayout(dPart.Length, dOutput.Length, blocks, partInner, outputInner, offset);
        for (int block = 0; block < blocks; block++)
        {
            ReadOnlySpan<float> source = dOutput.Slice(block * outputInner + offset, partInner);
            Span<float> target = dPart.Slice(block * partInner, partInner);
            if (accumulate) TensorPrimitives.Add(target, source, target);
            else source.CopyTo(target);
        }
    }

    private static void CheckSameLength(int length, int expected, string name)
    {
        if (length != expected) throw new ArgumentException($"{name} holds {length} floats; expected {expected}.", name);
    }

    private static void CheckLayout(int partLength, int outputLength, int blocks, int partInner, int outputInner, int offset)
    {
        if (blocks < 0 || partInner <= 0 || outputInner <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blocks), $"blocks ({blocks}), partInner ({partInner}) and outputInner ({outputInner}) must be positive.");
        }

        if (offset < 0 || (long)offset + partInner > outputInner)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset + partInner ({partInner}) must lie within outputInner ({outputInner}).");
        }

        // In long: a product that wraps int must not pass the checks.
        if (partLength != (long)blocks * partInner) throw new ArgumentException($"the part holds {partLength} floats; {blocks} runs of {partInner} need {(long)blocks * partInner}.", "part");
        if (outputLength != (long)blocks * outputInner) throw new ArgumentException($"the output holds {outputLength} floats; {blocks} runs of {outputInner} need {(long)blocks * outputInner}.", "output");
    }
}
