using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>Argument checks shared by the losses of <see cref="BinaryLosses"/>, <see cref="RegressionLosses"/> and <see cref="ClassificationLosses"/>; products in long, so no shape overflows.</summary>
internal static class LossChecks
{
    /// <summary>Checks batch &gt;= 0, columns &gt; 0 and that a span of <paramref name="length"/> floats holds [rows, cols]; returns rows·cols.</summary>
    internal static int Matrix(int length, int rows, int cols, string name, string colsName)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException("batch", rows, "batch must be >= 0.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(colsName, cols, $"{colsName} must be > 0.");
        long needed = (long)rows * cols;
        if (length < needed) throw new ArgumentException($"{name} holds {length} floats; [{rows}, {cols}] needs {needed}.", name);
        return (int)needed;   // at most length, so it fits
    }

    /// <summary>An empty span, or one of exactly <paramref name="count"/> floats (one per output or class).</summary>
    internal static void Vector(int length, int count, string name, string what)
    {
        if (length != 0 && length != count) throw new ArgumentException($"{name} holds {length} floats; expected {count} (one per {what}) or none.", name);
    }

    /// <summary>Throws, naming the first offending element, unless every value is in [0, 1] (NaN passes: it makes the loss NaN).</summary>
    internal static void UnitInterval(ReadOnlySpan<float> values, string name)
    {
        if (values.IsEmpty) return;
        float min = TensorPrimitives.Min(values), max = TensorPrimitives.Max(values);
        if (!(min < 0f) && !(max > 1f)) return;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < 0f || values[i] > 1f)
                throw new ArgumentOutOfRangeException(name, values[i], $"{name}[{i}] = {values[i]} is outside [0, 1].");
        }
    }

    /// <summary>Every label is in [0, classes) or equals <paramref name="ignoreIndex"/>; returns how many are not ignored.</summary>
    internal static int Labels(ReadOnlySpan<int> labels, int batch, int classes, int ignoreIndex)
    {
        if (labels.Length < batch) throw new ArgumentException($"labels holds {labels.Length} ints; batch {batch} needs {batch}.", nameof(labels));
        int counted = 0;
        for (int b = 0; b < batch; b++)
        {
            int label = labels[b];
            if (label == ignoreIndex) continue;
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{b}] = {label} is outside [0, {classes}) and is not the ignore index {ignoreIndex}.");
            counted++;
        }
        return counted;
    }
}
