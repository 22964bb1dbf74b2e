using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Binary cross-entropy, on probabilities (PyTorch's <c>BCELoss</c>) and on logits in the numerically stable form
/// (<c>BCEWithLogitsLoss</c>, with <c>pos_weight</c>), mean over every element of [batch, outputs]: one output is a
/// binary classifier, several are independent labels (multi-label); targets are in [0, 1] (soft labels allowed).
/// Each returns the mean loss (summed in double) and OVERWRITES the gradient with d(loss)/d(input); pass an empty
/// gradient span for the loss alone. Spans may be longer than the shape needs; only the leading batch·outputs elements
/// are read. Every argument is checked before anything is written.
/// </summary>
public static class BinaryLosses
{
    /// <summary>PyTorch clamps each log at -100, so a probability of exactly 0 or 1 gives a finite loss.</summary>
    public const float LogClamp = -100f;

    /// <summary>PyTorch's floor on x·(1 - x) in the gradient, so it stays finite at 0 and 1.</summary>
    public const float GradientEpsilon = 1e-12f;

    // loss = -1/(B·N) Σ [y·max(log x, -100) + (1-y)·max(log(1-x), -100)]
    // dprobabilities[B,N] = (x - y) / max(x·(1-x), 1e-12) / (B·N)                 (overwritten)
    /// <summary>
    /// Binary cross-entropy on probabilities[batch, outputs] (a sigmoid's output), as PyTorch's <c>BCELoss</c> with mean
    /// reduction: -mean(y·log x + (1-y)·log(1-x)), each log clamped at <see cref="LogClamp"/>. The gradient is PyTorch's,
    /// (x - y)/max(x(1-x), 1e-12)/(B·N). Prefer <see cref="BinaryCrossEntropyWithLogits"/> on the logits: it is stable
    /// where the sigmoid saturates.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than [batch, outputs].</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or a probability or target is outside [0, 1] (the message names the first).</exception>
    public static float BinaryCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> dprobabilities, int batch, int outputs)
    {
        int count = LossChecks.Matrix(probabilities.Length, batch, outputs, nameof(probabilities), nameof(outputs));
        LossChecks.Matrix(targets.Length, batch, outputs, nameof(targets), nameof(outputs));
        if (!dprobabilities.IsEmpty) LossChecks.Matrix(dprobabilities.Length, batch, outputs, nameof(dprobabilities), nameof(outputs));
        if (count == 0) return 0f;
        ReadOnlySpan<float> x = probabilities[..count], y = targets[..count];
        LossChecks.UnitInterval(x, nameof(probabilities));
        LossChecks.UnitInterval(y, nameof(targets));
        bool gradient = !dprobabilities.IsEmpty;
        Span<float> d = gradient ? dprobabilities[..count] : default;
        float scale = (float)(1.0 / count);

        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float dRef = ref MemoryMarshal.GetReference(d);
        int i = 0;
        Vector256<double> sum = Vector256<double>.Zero;
        {
            Vector256<float> one = Vector256<float>.One, clamp = Vector256.Create(LogClamp), floor = Vector256.Create(GradientEpsilon), s = Vector256.Create(scale);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> xv = Vector256.LoadUnsafe(ref xRef, (nuint)i), yv = Vector256.LoadUnsafe(ref yRef, (nuint)i);
                Vector256<float> oneMinusX = one - xv;
                Vector256<float> loss = -(yv * Vector256.Max(Vector256.Log(xv), clamp) + (one - yv) * Vector256.Max(Vector256.Log(oneMinusX), clamp));
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                sum += lower + upper;
                if (gradient) ((xv - yv) / Vector256.Max(oneMinusX * xv, floor) * s).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < count; i++)
        {
            float xi = x[i], yi = y[i], oneMinusX = 1f - xi;
            total += -(yi * MathF.Max(MathF.Log(xi), LogClamp) + (1f - yi) * MathF.Max(MathF.Log(oneMinusX), LogClamp));
            if (gradient) d[i] = (xi - yi) / MathF.Max(oneMinusX * xi, GradientEpsilon) * scale;
        }
        return (float)(total / count);
    }

    // lw = 1 + (pw[n] - 1)·y                                             (pw = 1 without positiveWeights)
    // loss = 1/(B·N) Σ [(1-y)·z + lw·(log(1 + e^(-|z|)) + max(-z, 0))]   = -mean(pw·y·log σ(z) + (1-y)·log(1-σ(z)))
    // dlogits[B,N] = (lw·σ(z) - pw·y) / (B·N)                            (overwritten)
    /// <summary>
    /// Binary cross-entropy on logits[batch, outputs], as PyTorch's <c>BCEWithLogitsLoss</c> with mean reduction:
    /// -mean(pw·y·log σ(z) + (1-y)·log(1 - σ(z))), computed in PyTorch's stable form (no exp of a positive number, no
    /// log of 0), so logits of any size give a finite loss. The gradient is (lw·σ(z) - pw·y)/(B·N) with
    /// lw = 1 + (pw - 1)·y, which is (σ(z) - y)/(B·N) without weights.
    /// <paramref name="positiveWeights"/> is PyTorch's <c>pos_weight</c>: one weight per output (column), broadcast
    /// over the batch, multiplying the positive term (a weight of #negatives/#positives balances a rare label); pass
    /// an empty span for none.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than [batch, outputs], or <paramref name="positiveWeights"/> is neither empty nor one per output.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or a target is outside [0, 1] (the message names the first).</exception>
    public static float BinaryCrossEntropyWithLogits(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dlogits, int batch, int outputs,
        ReadOnlySpan<float> positiveWeights = default)
    {
        int count = LossChecks.Matrix(logits.Length, batch, outputs, nameof(logits), nameof(outputs));
        LossChecks.Matrix(targets.Length, batch, outputs, nameof(targets), nameof(outputs));
        if (!dlogits.IsEmpty) LossChecks.Matrix(dlogits.Length, batch, outputs, nameof(dlogits), nameof(outputs));
        LossChecks.Vector(positiveWeights.Length, outputs, nameof(positiveWeights), "output");
        if (count == 0) return 0f;
        LossChecks.UnitInterval(targets[..count], nameof(targets));
        float scale = (float)(1.0 / count);
        double total = 0.0;
        // Without weights the buffer is one long row; with them, each row meets the weights column by column.
        int rows = positiveWeights.IsEmpty ? 1 : batch, cols = positiveWeights.IsEmpty ? count : outputs;
        for (int r = 0; r < rows; r++)
        {
            int offset = r * cols;
            total += WithLogitsRow(logits.Slice(offset, cols), targets.Slice(offset, cols), dlogits.IsEmpty ? default : dlogits.Slice(offset, cols), positiveWeights, scale);
        }
        return (float)(total / count);
    }

    // One row: Σ of the elements' losses in double; the gradient scaled by `scale`. Empty weights mean pw = 1.
    private static double WithLogitsRow(ReadOnlySpan<float> z, ReadOnlySpan<float> y, Span<float> d, ReadOnlySpan<float> weights, float scale)
    {
        int length = z.Length, i = 0;
        bool gradient = !d.IsEmpty, weighted = !weights.IsEmpty;
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float dRef = ref MemoryMarshal.GetReference(d);
        ref float wRef = ref MemoryMarshal.GetReference(weights);
        Vector256<double> sum = Vector256<double>.Zero;
        {
            Vector256<float> one = Vector256<float>.One, zero = Vector256<float>.Zero, s = Vector256.Create(scale);
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> zv = Vector256.LoadUnsafe(ref zRef, (nuint)i), yv = Vector256.LoadUnsafe(ref yRef, (nuint)i);
                Vector256<float> pw = weighted ? Vector256.LoadUnsafe(ref wRef, (nuint)i) : one;
                Vector256<float> e = Vector256.Exp(-Vector256.Abs(zv));                 // e^(-|z|) in (0, 1]
                Vector256<float> logWeight = one + (pw - one) * yv;
                Vector256<float> softplus = Vector256.Log(one + e) + Vector256.Max(-zv, zero);   // log(1 + e^(-z))
                Vector256<float> loss = (one - yv) * zv + logWeight * softplus;
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                sum += lower + upper;
                if (!gradient) continue;
                Vector256<float> sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(zv, zero), one, e) / (one + e);
                ((logWeight * sigmoid - pw * yv) * s).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < length; i++)
        {
            float zi = z[i], yi = y[i], pw = weighted ? weights[i] : 1f;
            float e = MathF.Exp(-MathF.Abs(zi));
            float logWeight = 1f + (pw - 1f) * yi;
            float softplus = MathF.Log(1f + e) + MathF.Max(-zi, 0f);
            total += (1f - yi) * zi + logWeight * softplus;
            if (gradient) d[i] = (logWeight * ((zi >= 0f ? 1f : e) / (1f + e)) - pw * yi) * scale;
        }
        return total;
    }
}
