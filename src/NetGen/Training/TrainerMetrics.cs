using System.Globalization;
using System.Text;

namespace NetGen.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs: row = the label, column = the class with the highest
/// score, as scikit-learn's <c>confusion_matrix</c> lays it out.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;
    private readonly int[] _notANumber;

    /// <summary>An empty matrix for <paramref name="classCount"/> classes.</summary>
    public ConfusionMatrix(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ClassCount = classCount;
        _counts = new int[checked(classCount * classCount)];
        _notANumber = new int[classCount];
    }

    /// <summary>Classes (rows and columns).</summary>
    public int ClassCount { get; }

    /// <summary>Samples counted.</summary>
    public int Total { get; private set; }

    /// <summary>Samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, ClassCount) (before, [0, 5] of a 3-class matrix read cell [1, 2]).</exception>
    public int this[int actual, int predicted]
    {
        get
        {
            CheckClass(actual, nameof(actual));
            CheckClass(predicted, nameof(predicted));
            return _counts[actual * ClassCount + predicted];
        }
    }

    /// <summary>
    /// Samples whose scores held a NaN, so that no class was predicted (<see cref="NetGen.Kernels.Scores.ArgMax"/> gives -1):
    /// counted in <see cref="Total"/> and as wrong, in no cell.
    /// </summary>
    public int NotANumber { get; private set; }

    /// <summary>Fraction of samples on the diagonal, in [0, 1]; NaN when empty.</summary>
    public double Accuracy
    {
        get
        {
            if (Total == 0) return double.NaN;
            long correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += this[c, c];
            return (double)correct / Total;
        }
    }

    /// <summary>Counts one sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class index is outside [0, ClassCount).</exception>
    public void Add(int actual, int predicted)
    {
        CheckClass(actual, nameof(actual));
        CheckClass(predicted, nameof(predicted));
        _counts[actual * ClassCount + predicted]++;
        Total++;
    }

    /// <summary>Counts one sample of class <paramref name="actual"/> whose scores held a NaN (see <see cref="NotANumber"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="actual"/> is outside [0, ClassCount).</exception>
    public void AddNotANumber(int actual)
    {
        CheckClass(actual, nameof(actual));
        _notANumber[actual]++;
        NotANumber++;
        Total++;
    }

    private void CheckClass(int index, string name)
    {
        if ((uint)index >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(name, index, $"{name} must be a class in [0, {ClassCount}).");
    }

    /// <summary>
    /// Of the samples of class <paramref name="label"/>, the fraction predicted as it (NaN when there are none); samples
    /// whose scores held a NaN count as missed.
    /// </summary>
    public double Recall(int label)
    {
        CheckClass(label, nameof(label));
        long row = _notANumber[label];
        for (int p = 0; p < ClassCount; p++) row += this[label, p];
        return row == 0 ? double.NaN : (double)this[label, label] / row;
    }

    /// <summary>Of the samples predicted as <paramref name="label"/>, the fraction that are (NaN when none are predicted as it).</summary>
    public double Precision(int label)
    {
        CheckClass(label, nameof(label));
        long column = 0;
        for (int a = 0; a < ClassCount; a++) column += this[a, label];
        return column == 0 ? double.NaN : (double)this[label, label] / column;
    }

    /// <summary>The matrix as a text table: one row per true class, one column per predicted class, and each class's recall.</summary>
    public override string ToString()
    {
        int width = Math.Max(5, Total.ToString(CultureInfo.InvariantCulture).Length + 1);
        var text = new StringBuilder();
        text.Append("true\\pred".PadRight(10));
        for (int p = 0; p < ClassCount; p++) text.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        text.AppendLine("   recall");
        for (int a = 0; a < ClassCount; a++)
        {
            text.Append(a.ToString(CultureInfo.InvariantCulture).PadRight(10));
            for (int p = 0; p < ClassCount; p++) text.Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            text.Append(((Recall(a) * 100).ToString("F1", CultureInfo.InvariantCulture) + "%").PadLeft(9));
            text.AppendLine();
        }

        if (NotANumber > 0) text.Append(CultureInfo.InvariantCulture, $"{NotANumber} samples had NaN scores (no class predicted; counted as wrong).").AppendLine();

        return text.ToString();
    }
}

/// <summary>Loss, accuracy and confusion matrix of a classifier on a data set.</summary>
/// <param name="Count">Samples evaluated.</param>
/// <param name="Loss">Mean cross-entropy, -ln(probability of the label), per sample.</param>
/// <param name="Accuracy">Fraction of samples whose highest-probability class is the label.</param>
/// <param name="Confusion">The confusion matrix.</param>
public sealed record ClassificationMetrics(int Count, double Loss, double Accuracy, ConfusionMatrix Confusion)
{
    /// <summary>
    /// Runs <paramref name="network"/>'s <c>Predict</c> over the samples, <c>BatchSize</c> at a time, into
    /// <paramref name="scratch"/> (at least <c>BatchSize * OutputSize</c> floats), and scores the probabilities.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not whole samples, the label count differs, or a label is out of range (its index is named).</exception>
    public static ClassificationMetrics Evaluate(INetwork network, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Span<float> scratch)
    {
        ArgumentNullException.ThrowIfNull(network);
        int inputSize = network.InputSize;
        int classes = network.OutputSize;
        int batchSize = network.BatchSize;
        if (inputs.Length % inputSize != 0 || inputs.Length / inputSize != labels.Length)
        {
            throw new ArgumentException($"inputs hold {inputs.Length} floats: {labels.Length} samples of {inputSize} need {labels.Length * (long)inputSize}.", nameof(inputs));
        }

        if (scratch.Length < (long)batchSize * classes)
        {
            throw new ArgumentException($"scratch holds {scratch.Length} floats; {batchSize} samples of {classes} classes need {(long)batchSize * classes}.", nameof(scratch));
        }

        var confusion = new ConfusionMatrix(classes);
        double lossSum = 0;
        for (int start = 0; start < labels.Length; start += batchSize)
        {
            int rows = Math.Min(batchSize, labels.Length - start);
            Span<float> probabilities = scratch[..(rows * classes)];
            network.Predict(inputs.Slice(start * inputSize, rows * inputSize), probabilities);
            for (int r = 0; r < rows; r++)
            {
                int label = labels[start + r];
                if ((uint)label >= (uint)classes)
                {
                    throw new ArgumentException($"labels[{start + r}] is {label}, outside [0, {classes}).", nameof(labels));
                }

                ReadOnlySpan<float> row = probabilities.Slice(r * classes, classes);
                int predicted = Kernels.Scores.ArgMax(row);
                if (predicted < 0) confusion.AddNotANumber(label);
                else confusion.Add(label, predicted);
                // Clamp so a probability that underflowed to 0 gives a large finite loss, not infinity.
                lossSum -= Math.Log(Math.Max(row[label], 1e-30f));
            }
        }

        return new ClassificationMetrics(labels.Length, labels.Length == 0 ? double.NaN : lossSum / labels.Length, confusion.Accuracy, confusion);
    }
}
