using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Classification losses with PyTorch's options: <see cref="NegativeLogLikelihood"/> (<c>NLLLoss</c>, after a
/// log-softmax) and <see cref="CrossEntropy"/> (<c>CrossEntropyLoss</c> on logits with class weights, an ignore index
/// and label smoothing). Mean reduction as PyTorch's: with class weights, the sum is divided by the summed weights of
/// the targets that are not ignored (a plain mean over the counted rows without weights). Each returns the loss and
/// OVERWRITES the gradient (ignored rows get zeros); pass an empty gradient span for the loss alone. Every label is
/// checked before anything is written. Spans may be longer than the shape needs.
/// </summary>
/// <remarks>
/// Where every row of the batch is ignored PyTorch returns NaN (0/0); these return 0 and a zero gradient, since such a
/// batch (all padding) carries no signal and a NaN would stop training.
/// <see cref="Losses.SoftmaxCrossEntropy"/> is the fused fast path for the plain case (no weights, no ignore index, no
/// smoothing).
/// </remarks>
public static class ClassificationLosses
{
    /// <summary>PyTorch's default <c>ignore_index</c>: a label of -100 is ignored.</summary>
    public const int DefaultIgnoreIndex = -100;

    // W = Σ_{b: y_b ≠ ignore} w[y_b]   (w = 1 without weights)
    // loss = -1/W Σ_{b: y_b ≠ ignore} w[y_b]·logp[b, y_b]
    // dlogp[B,C] = -w[y_b]/W at (b, y_b), 0 elsewhere                 (overwritten)
    /// <summary>
    /// Negative log-likelihood on logProbabilities[batch, classes] (a log-softmax's output), as PyTorch's <c>NLLLoss</c>
    /// with mean reduction: -Σ w[y]·logp[b, y] / Σ w[y] over the rows whose label is not <paramref name="ignoreIndex"/>.
    /// <paramref name="classWeights"/>: one weight per class, or empty for none.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape, or the weights are neither empty nor one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or a label is outside [0, classes) and not the ignore index (the message names the row).</exception>
    public static float NegativeLogLikelihood(ReadOnlySpan<float> logProbabilities, ReadOnlySpan<int> labels, Span<float> dlogProbabilities,
        int batch, int classes, ReadOnlySpan<float> classWeights = default, int ignoreIndex = DefaultIgnoreIndex)
    {
        int count = LossChecks.Matrix(logProbabilities.Length, batch, classes, nameof(logProbabilities), nameof(classes));
        if (!dlogProbabilities.IsEmpty) LossChecks.Matrix(dlogProbabilities.Length, batch, classes, nameof(dlogProbabilities), nameof(classes));
        LossChecks.Vector(classWeights.Length, classes, nameof(classWeights), "class");
        int counted = LossChecks.Labels(labels, batch, classes, ignoreIndex);
        bool weighted = !classWeights.IsEmpty;
        double weightSum = weighted ? TargetWeightSum(labels, batch, classWeights, ignoreIndex) : counted;
        if (!dlogProbabilities.IsEmpty) dlogProbabilities[..count].Clear();
        if (counted == 0) return 0f;
        double total = 0.0;
        for (int b = 0; b < batch; b++)
        {
            int label = labels[b];
            if (label == ignoreIndex) continue;
            double w = weighted ? classWeights[label] : 1.0;
            total -= w * logProbabilities[b * classes + label];
            if (!dlogProbabilities.IsEmpty) dlogProbabilities[b * classes + label] = (float)(-w / weightSum);
        }
        return (float)(total / weightSum);
    }

    // With s = softmax(x[b]), ε = labelSmoothing, C = classes, w = class weights (1 without), y = label:
    // a_c = (1-ε)·w[y]·[c = y] + ε/C·w[c],   A = Σ_c a_c,   W = Σ_{b: y_b ≠ ignore} w[y_b]
    // loss = 1/W Σ_{b: y_b ≠ ignore} Σ_c a_c·(-log s_c)
    // dlogits[B,C] = (A·s_c - a_c)/W, zeros on ignored rows           (overwritten)
    /// <summary>
    /// Softmax cross-entropy on logits[batch, classes] with integer labels, as PyTorch's <c>CrossEntropyLoss</c> with
    /// mean reduction and its options: <paramref name="classWeights"/> (<c>weight</c>: one per class, or empty),
    /// <paramref name="ignoreIndex"/> (<c>ignore_index</c>: such rows add nothing, padding for example) and
    /// <paramref name="labelSmoothing"/> (<c>label_smoothing</c> ε in [0, 1]: the target is (1-ε)·onehot + ε/C on every
    /// class). The loss is (1-ε)·Σ w[y](-log s_y)/W + ε/C·Σ Σ_c w[c](-log s_c)/W with W the summed weights of the
    /// counted labels, exactly PyTorch's normalization. Computed with max subtraction, so large logits do not overflow;
    /// each row's loss is summed in double from terms that are all non-negative for non-negative weights.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the shape, or the weights are neither empty nor one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or <paramref name="labelSmoothing"/> is out of range, or a label is outside [0, classes) and not the ignore index (the message names the row).</exception>
    public static float CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch, int classes,
        ReadOnlySpan<float> classWeights = default, int ignoreIndex = DefaultIgnoreIndex, float labelSmoothing = 0f)
    {
        int count = LossChecks.Matrix(logits.Length, batch, classes, nameof(logits), nameof(classes));
        if (!dlogits.IsEmpty) LossChecks.Matrix(dlogits.Length, batch, classes, nameof(dlogits), nameof(classes));
        LossChecks.Vector(classWeights.Length, classes, nameof(classWeights), "class");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1].");
        int counted = LossChecks.Labels(labels, batch, classes, ignoreIndex);
        bool weighted = !classWeights.IsEmpty, gradient = !dlogits.IsEmpty;
        if (counted == 0)
        {
            if (gradient) dlogits[..count].Clear();
            return 0f;
        }
        double weightSum = weighted ? TargetWeightSum(labels, batch, classWeights, ignoreIndex) : counted;
        double smoothing = labelSmoothing, share = smoothing / classes;   // ε/C
        double classWeightSum = weighted ? Sum(classWeights) : classes;
        float inverseWeightSum = (float)(1.0 / weightSum);
        double total = 0.0;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * classes, classes);
            Span<float> gradientRow = gradient ? dlogits.Slice(b * classes, classes) : default;
            int label = labels[b];
            if (label == ignoreIndex)
            {
                gradientRow.Clear();
                continue;
            }
            float max = TensorPrimitives.Max(row);
            double labelWeight = weighted ? classWeights[label] : 1.0;
            double labelCoefficient = (1.0 - smoothing) * labelWeight;          // a_y less its smoothing share
            double a = labelCoefficient + share * classWeightSum;              // A = Σ_c a_c
            // -log s_c = (max - x_c) + log Σ e^(x - max): Σ_c a_c(-log s_c) = Σ_c a_c(max - x_c) + A·log Σ e^(x - max).
            double shifted = labelCoefficient * ((double)max - row[label]);
            if (share != 0.0)
            {
                double smoothSum = 0.0;
                for (int c = 0; c < classes; c++) smoothSum += (weighted ? classWeights[c] : 1.0) * ((double)max - row[c]);
                shifted += share * smoothSum;
            }
            float sumExp;
            if (gradient)
            {
                // dlogits = (A·s - a)/W with s = e^(x - max)/Σ.
                TensorPrimitives.Subtract(row, max, gradientRow);
                TensorPrimitives.Exp(gradientRow, gradientRow);
                sumExp = TensorPrimitives.Sum(gradientRow);
                TensorPrimitives.Multiply(gradientRow, (float)(a / sumExp) * inverseWeightSum, gradientRow);
                if (share != 0.0)
                {
                    float smoothShare = (float)share * inverseWeightSum;
                    if (weighted) TensorPrimitives.MultiplyAdd(classWeights, -smoothShare, gradientRow, gradientRow);
                    else TensorPrimitives.Subtract(gradientRow, smoothShare, gradientRow);
                }
                gradientRow[label] -= (float)labelCoefficient * inverseWeightSum;
            }
            else
            {
                sumExp = 0f;
                foreach (float x in row) sumExp += MathF.Exp(x - max);
            }
            total += shifted + a * Math.Log(sumExp);
        }
        return (float)(total / weightSum);
    }

    // Σ w[y_b] over the labels that are not ignored, in double.
    private static double TargetWeightSum(ReadOnlySpan<int> labels, int batch, ReadOnlySpan<float> weights, int ignoreIndex)
    {
        double sum = 0.0;
        for (int b = 0; b < batch; b++)
            if (labels[b] != ignoreIndex) sum += weights[labels[b]];
        return sum;
    }

    private static double Sum(ReadOnlySpan<float> values)
    {
        double sum = 0.0;
        foreach (float v in values) sum += v;
        return sum;
    }
}
