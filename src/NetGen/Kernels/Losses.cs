using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// Losses (mean over the batch, as PyTorch's default <c>reduction='mean'</c>) with their gradients, and accuracy counting.
/// Spans may be longer than the shape needs; only the leading [batch, ...] elements are used.
/// </summary>
public static unsafe class Losses
{
    // loss = -1/B Σ_b log softmax(logits[b,:])[labels[b]]
    // dlogits[B,C] = (softmax(logits) - onehot(labels)) / B     (overwritten)
    /// <summary>
    /// Softmax cross-entropy on logits[batch, classes] with integer labels (PyTorch's <c>CrossEntropyLoss</c>):
    /// returns -1/B Σ_b log softmax(logits[b])[labels[b]], computed with max subtraction and log-sum-exp so large logits
    /// do not overflow. dlogits = (softmax - onehot)/B is OVERWRITTEN; pass an empty <paramref name="dlogits"/> to get
    /// the loss alone (evaluation). Every label is checked before anything is written.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes); the message names the row and the label.</exception>
    public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch, int classes)
    {
        CheckMatrix(logits.Length, batch, classes, nameof(logits));
        if (!dlogits.IsEmpty) CheckMatrix(dlogits.Length, batch, classes, nameof(dlogits));
        CheckLabels(labels, batch, classes);
        if (batch == 0) return 0f;
        if (classes <= DenseSmall.BlockUnits && DenseSmall.Vectorized) return SoftmaxCrossEntropyRows(logits, labels, dlogits, batch, classes);
        if (DenseSmall.Vectorized) return SoftmaxCrossEntropyWideRows(logits, labels, dlogits, batch, classes);
        if (Avx2.IsSupported && Fma.IsSupported) return SoftmaxCrossEntropyRows256(logits, labels, dlogits, batch, classes);

        double total = 0.0;
        float inverseBatch = 1f / batch;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> row = logits.Slice(b * classes, classes);
            int label = labels[b];
            float max = TensorPrimitives.Max(row);
            float sumExp;
            if (dlogits.IsEmpty)
            {
                sumExp = SumExpShifted(row, max);
            }
            else
            {
                Span<float> gradientRow = dlogits.Slice(b * classes, classes);
                TensorPrimitives.Subtract(row, max, gradientRow);
                TensorPrimitives.Exp(gradientRow, gradientRow);
                sumExp = TensorPrimitives.Sum(gradientRow);
                TensorPrimitives.Multiply(gradientRow, inverseBatch / sumExp, gradientRow);
                gradientRow[label] -= inverseBatch;
            }
            // -log softmax[label] = log Σ e^(x - max) + max - x[label]
            total += System.Math.Log(sumExp) + max - row[label];
        }
        return (float)(total / batch);
    }

    // loss = -1/B Σ_b log softmax(logits[b,:])[labels[b]],  dlogits[B,C] = (softmax - onehot)/B,  C <= 16
    // The fused form for up to 16 classes (a classifier): each row is one masked Vector512, read once, and its loss and
    // gradient come from one pass (max, e^(x - max) on 16 lanes, sum, scale, minus 1/B at the label, masked store).
    // -log softmax[label] = log Σ e^(x - max) + max - x[label]: the rows' sums are kept for a pass of logs after every
    // 64 rows, so the row loop makes no call (a call would spill its vectors) and its rows' chains overlap.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxCrossEntropyRows(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch, int classes)
    {
        const int Group = 64;
        Vector512<float> mask = DenseSmall.UnitMask(classes), lowest = Vector512.Create(float.NegativeInfinity), zero = Vector512<float>.Zero;
        Vector512<int> lanes = Vector512<int>.Indices;
        float inverseBatch = 1f / batch;
        Vector512<float> inverse = Vector512.Create(inverseBatch);
        double total = 0.0;
        float* sums = stackalloc float[Group];
        fixed (float* x = logits, d = dlogits)
        fixed (int* l = labels)
        {
            for (int start = 0; start < batch; start += Group)
            {
                int end = Math.Min(batch, start + Group);
                double shifts = 0.0;
                for (int b = start; b < end; b++)
                {
                    float* row = x + (nint)b * classes;
                    Vector512<float> v = Avx512F.MaskLoad(row, mask, lowest);
                    Vector512<float> max = HorizontalMax(v);
                    // The lanes past the row take e^0 and are then cleared (e^(-inf - max) is not needed).
                    Vector512<float> e = Vector512.ConditionalSelect(mask, RecurrentMath.Exp(Vector512.ConditionalSelect(mask, v - max, zero)), zero);
                    float sumExp = HorizontalSum(e);
                    int label = l[b];
                    sums[b - start] = sumExp;
                    shifts += (double)max.ToScalar() - row[label];
                    if (d == null) continue;
                    Vector512<float> onehot = Vector512.Equals(lanes, Vector512.Create(label)).AsSingle() & inverse;
                    Avx512F.MaskStore(d + (nint)b * classes, mask, e * (inverseBatch / sumExp) - onehot);
                }
                total += shifts + LogOfProduct(sums, end - start);
            }
        }
        return (float)(total / batch);
    }

    // The same on rows of more than 16 classes (a character model's 65): each row in Vector512 chunks, the last one
    // masked: one pass for the max, one for e^(x - max) and its sum (written to dlogits, or only summed), one to scale
    // by 1/(B sum) and subtract 1/B at the label. Against the per-row TensorPrimitives calls (six per row) it makes none:
    // 2048 rows of 65 took 118 us that way. The logs are taken as in SoftmaxCrossEntropyRows, of products of 16 row sums
    // (each in [1, classes], so the product stays far inside a double's range for any class count below 10^19).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxCrossEntropyWideRows(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch, int classes)
    {
        const int Group = 64, Lanes = 16;
        int whole = classes / Lanes * Lanes;
        Vector512<float> tailMask = DenseSmall.UnitMask(classes - whole), lowest = Vector512.Create(float.NegativeInfinity), zero = Vector512<float>.Zero;
        bool tail = whole < classes;
        float inverseBatch = 1f / batch;
        double total = 0.0;
        float* sums = stackalloc float[Group];
        fixed (float* x = logits, d = dlogits)
        fixed (int* l = labels)
        {
            for (int start = 0; start < batch; start += Group)
            {
                int end = Math.Min(batch, start + Group);
                double shifts = 0.0;
                for (int b = start; b < end; b++)
                {
                    float* row = x + (nint)b * classes;
                    float* gradient = d == null ? null : d + (nint)b * classes;
                    Vector512<float> maxima = tail ? Avx512F.MaskLoad(row + whole, tailMask, lowest) : lowest;
                    for (int c = 0; c < whole; c += Lanes) maxima = Vector512.Max(maxima, Vector512.Load(row + c));
                    Vector512<float> max = HorizontalMax(maxima);
                    Vector512<float> sum = zero;
                    for (int c = 0; c < whole; c += Lanes)
                    {
                        Vector512<float> e = RecurrentMath.Exp(Vector512.Load(row + c) - max);
                        sum += e;
                        if (gradient != null) e.Store(gradient + c);
                    }
                    if (tail)
                    {
                        Vector512<float> e = Vector512.ConditionalSelect(tailMask, RecurrentMath.Exp(Avx512F.MaskLoad(row + whole, tailMask, zero) - max), zero);
                        sum += e;
                        if (gradient != null) Avx512F.MaskStore(gradient + whole, tailMask, e);
                    }
                    float sumExp = HorizontalSum(sum);
                    int label = l[b];
                    sums[b - start] = sumExp;
                    shifts += (double)max.ToScalar() - row[label];
                    if (gradient == null) continue;
                    Vector512<float> scale = Vector512.Create(inverseBatch / sumExp);
                    for (int c = 0; c < whole; c += Lanes) (Vector512.Load(gradient + c) * scale).Store(gradient + c);
                    if (tail) Avx512F.MaskStore(gradient + whole, tailMask, Avx512F.MaskLoad(gradient + whole, tailMask, zero) * scale);
                    gradient[label] -= inverseBatch;
                }
                total += shifts + LogOfProduct(sums, end - start);
            }
        }
        return (float)(total / batch);
    }

    // SoftmaxCrossEntropyWideRows on Vector256 (AVX2), for every class count: rows in chunks of 8, the last one masked.
    // Against the per-row TensorPrimitives calls it replaces there, 2048 rows of 65 took 277 us that way (Zen 3).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxCrossEntropyRows256(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, int batch, int classes)
    {
        const int Group = 64, Lanes = 8;
        int whole = classes / Lanes * Lanes;
        Vector256<float> tailMask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(classes - whole)).AsSingle();
        Vector256<float> lowest = Vector256.Create(float.NegativeInfinity), zero = Vector256<float>.Zero;
        bool tail = whole < classes;
        float inverseBatch = 1f / batch;
        double total = 0.0;
        float* sums = stackalloc float[Group];
        fixed (float* x = logits, d = dlogits)
        fixed (int* l = labels)
        {
            for (int start = 0; start < batch; start += Group)
            {
                int end = Math.Min(batch, start + Group);
                double shifts = 0.0;
                for (int b = start; b < end; b++)
                {
                    float* row = x + (nint)b * classes;
                    float* gradient = d == null ? null : d + (nint)b * classes;
                    Vector256<float> maxima = tail ? Vector256.ConditionalSelect(tailMask, Avx.MaskLoad(row + whole, tailMask), lowest) : lowest;
                    for (int c = 0; c < whole; c += Lanes) maxima = Vector256.Max(maxima, Vector256.Load(row + c));
                    Vector256<float> max = HorizontalMax(maxima);
                    Vector256<float> sum = zero;
                    for (int c = 0; c < whole; c += Lanes)
                    {
                        Vector256<float> e = RecurrentMath.Exp(Vector256.Load(row + c) - max);
                        sum += e;
                        if (gradient != null) e.Store(gradient + c);
                    }
                    if (tail)
                    {
                        Vector256<float> e = Vector256.ConditionalSelect(tailMask, RecurrentMath.Exp(Avx.MaskLoad(row + whole, tailMask) - max), zero);
                        sum += e;
                        if (gradient != null) Avx.MaskStore(gradient + whole, tailMask, e);
                    }
                    float sumExp = Vector256.Sum(sum);
                    int label = l[b];
                    sums[b - start] = sumExp;
                    shifts += (double)max.ToScalar() - row[label];
                    if (gradient == null) continue;
                    Vector256<float> scale = Vector256.Create(inverseBatch / sumExp);
                    for (int c = 0; c < whole; c += Lanes) (Vector256.Load(gradient + c) * scale).Store(gradient + c);
                    if (tail) Avx.MaskStore(gradient + whole, tailMask, Avx.MaskLoad(gradient + whole, tailMask) * scale);
                    gradient[label] -= inverseBatch;
                }
                total += shifts + LogOfProduct(sums, end - start);
            }
        }
        return (float)(total / batch);
    }

    // The maximum of the 8 lanes, in every lane.
    private static Vector256<float> HorizontalMax(Vector256<float> v)
    {
        v = Vector256.Max(v, Avx.Permute2x128(v, v, 1));
        v = Vector256.Max(v, Avx.Permute(v, 0b01_00_11_10));
        return Vector256.Max(v, Avx.Permute(v, 0b10_11_00_01));
    }

    // Σ log sums[i], as logs of products of 16 sums (each sum is in [1, 16], so a product stays below 2^64).
    private static double LogOfProduct(float* sums, int count)
    {
        double total = 0.0;
        for (int i = 0; i < count; i += 16)
        {
            double product = 1.0;
            for (int j = i; j < Math.Min(count, i + 16); j++) product *= sums[j];
            total += System.Math.Log(product);
        }
        return total;
    }

    // The largest lane, in every lane: four permute-and-max steps. A NaN lane may be passed over here; it still makes
    // its row's loss NaN through e^(NaN - max).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HorizontalMax(Vector512<float> v)
    {
        v = Avx512F.Max(v, Vector512.Shuffle(v, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
        v = Avx512F.Max(v, Vector512.Shuffle(v, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)));
        v = Avx512F.Max(v, Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)));
        return Avx512F.Max(v, Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
    }

    // The sum of the 16 lanes: halves added down to four lanes, then two shuffles.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float HorizontalSum(Vector512<float> v)
    {
        Vector256<float> half = v.GetLower() + v.GetUpper();
        Vector128<float> quarter = half.GetLower() + half.GetUpper();
        quarter += Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1));
        quarter += Vector128.Shuffle(quarter, Vector128.Create(1, 0, 3, 2));
        return quarter.ToScalar();
    }

    // loss = 1/(B·N) Σ (output - target)²;   doutput[B,N] = 2·(output - target)/(B·N)   (overwritten)
    /// <summary>
    /// Mean squared error over every element of output[batch, outputs] (PyTorch's <c>MSELoss</c>, mean reduction).
    /// doutput = 2(output - target)/(B·N) is OVERWRITTEN; pass an empty <paramref name="doutput"/> for the loss alone.
    /// The sum is accumulated in double.
    /// </summary>
    public static float MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> doutput, int batch, int outputs)
    {
        CheckMatrix(output.Length, batch, outputs, nameof(output), nameof(outputs));
        CheckMatrix(targets.Length, batch, outputs, nameof(targets), nameof(outputs));
        if (!doutput.IsEmpty) CheckMatrix(doutput.Length, batch, outputs, nameof(doutput), nameof(outputs));
        int count = batch * outputs;
        if (count == 0) return 0f;
        ReadOnlySpan<float> o = output.Slice(0, count);
        ReadOnlySpan<float> t = targets.Slice(0, count);
        double sum = SumOfSquaredDifferences(o, t);
        if (!doutput.IsEmpty)
        {
            Span<float> d = doutput.Slice(0, count);
            TensorPrimitives.Subtract(o, t, d);
            TensorPrimitives.Multiply(d, (float)(2.0 / count), d);
        }
        return (float)(sum / count);
    }

    /// <summary>
    /// Number of rows of scores[batch, classes] whose arg-max (first one on ties) equals the label. A row holding a NaN
    /// counts as wrong (<see cref="Scores.ArgMax"/> gives -1 for it), so a diverged network scores 0, not the share of
    /// labels that happen to be class 0.
    /// </summary>
    public static int CountCorrect(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int batch, int classes)
    {
        CheckMatrix(scores.Length, batch, classes, nameof(scores));
        if (labels.Length < batch) throw new ArgumentException($"labels holds {labels.Length} ints; batch {batch} needs {batch}.", nameof(labels));
        int correct = 0;
        for (int b = 0; b < batch; b++)
            if (Scores.ArgMax(scores.Slice(b * classes, classes)) == labels[b]) correct++;
        return correct;
    }

    // Σ_c e^(x[c] - max) without a scratch buffer.
    private static float SumExpShifted(ReadOnlySpan<float> row, float max)
    {
        int length = row.Length, width = Vector256<float>.Count, i = 0;
        ref float rowRef = ref MemoryMarshal.GetReference(row);
        Vector256<float> shift = Vector256.Create(max), accumulator = Vector256<float>.Zero;
        for (; i <= length - width; i += width)
            accumulator += Vector256.Exp(Vector256.LoadUnsafe(ref rowRef, (nuint)i) - shift);
        float sum = Vector256.Sum(accumulator);
        for (; i < length; i++) sum += MathF.Exp(row[i] - max);
        return sum;
    }

    // Σ (a - b)² accumulated in double (4 lanes of double per step).
    private static double SumOfSquaredDifferences(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int length = a.Length, width = Vector256<float>.Count, i = 0;
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        Vector256<double> accumulator = Vector256<double>.Zero;
        for (; i <= length - width; i += width)
        {
            Vector256<float> difference = Vector256.LoadUnsafe(ref aRef, (nuint)i) - Vector256.LoadUnsafe(ref bRef, (nuint)i);
            (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(difference);
            accumulator += lower * lower + upper * upper;
        }
        double sum = Vector256.Sum(accumulator);
        for (; i < length; i++)
        {
            double difference = (double)a[i] - b[i];
            sum += difference * difference;
        }
        return sum;
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int batch, int classes)
    {
        if (labels.Length < batch) throw new ArgumentException($"labels holds {labels.Length} ints; batch {batch} needs {batch}.", nameof(labels));
        for (int b = 0; b < batch; b++)
        {
            int label = labels[b];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"labels[{b}] = {label} is outside [0, {classes}).");
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, string name, string colsName = "classes")
    {
        if (rows < 0) throw new ArgumentOutOfRangeException("batch", rows, "batch must be >= 0.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(colsName, cols, $"{colsName} must be > 0.");
        if (length < (long)rows * cols) throw new ArgumentException($"{name} holds {length} floats; [{rows}, {cols}] needs {(long)rows * cols}.", name);
    }
}
