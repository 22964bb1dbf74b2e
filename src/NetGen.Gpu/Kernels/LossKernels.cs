using ILGPU;

namespace NetGen.Gpu.Kernels;

/// <summary>
/// Losses with their gradients, one thread per row: each writes its row's gradient and its row's loss term; the
/// host adds the <c>rows</c> terms in double, as <c>NetGen.Kernels.Losses</c> (the reference) does.
/// </summary>
internal static class LossKernels
{
    // rowLoss[b] = log Σ_c e^(x[b,c] - max) + max - x[b, label[b]]     (so loss = Σ_b rowLoss[b] / rows)
    // dlogits[b,c] = (softmax(x[b])[c] - onehot(label[b])[c]) / rows    (overwritten)
    /// <summary>Softmax cross-entropy on logits[rows, classes] with integer labels; one thread per row.</summary>
    internal static void SoftmaxCrossEntropy(Index1D row, ArrayView<float> logits, ArrayView<int> labels,
        ArrayView<float> dlogits, ArrayView<float> rowLosses, int classes, float inverseRows)
    {
        long start = (long)(int)row * classes;
        float max = logits[start];
        for (int c = 1; c < classes; c++) max = MathF.Max(max, logits[start + c]);

        float sumExp = 0f;
        for (int c = 0; c < classes; c++)
        {
            float e = MathF.Exp(logits[start + c] - max);
            dlogits[start + c] = e;
            sumExp += e;
        }

        float scale = inverseRows / sumExp;
        for (int c = 0; c < classes; c++) dlogits[start + c] *= scale;
        int label = labels[row];
        dlogits[start + label] -= inverseRows;
        rowLosses[row] = MathF.Log(sumExp) + max - logits[start + label];
    }

    // rowLoss[b] = Σ_n (output[b,n] - target[b,n])²                  (so loss = Σ_b rowLoss[b] / (rows·outputs))
    // doutput[b,n] = (output[b,n] - target[b,n]) · 2/(rows·outputs)    (overwritten)
    /// <summary>Mean squared error on output[rows, outputs]; one thread per row.</summary>
    internal static void MeanSquaredError(Index1D row, ArrayView<float> output, ArrayView<float> targets,
        ArrayView<float> doutput, ArrayView<float> rowLosses, int outputs, float gradientScale)
    {
        long start = (long)(int)row * outputs;
        float sum = 0f;
        for (int n = 0; n < outputs; n++)
        {
            float difference = output[start + n] - targets[start + n];
            sum += difference * difference;
            doutput[start + n] = difference * gradientScale;
        }

        rowLosses[row] = sum;
    }
}
