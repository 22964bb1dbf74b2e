using System.Numerics.Tensors;
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
        // The logs in chunks on the stack through TensorPrimitives.Log (Vector256.Log costs about a scalar call per lane).
        Span<float> logX = stackalloc float[Chunk], logOneMinusX = stackalloc float[Chunk];
        double total = 0.0;
        for (int start = 0; start < count; start += Chunk)
        {
            int length = Math.Min(Chunk, count - start);
            ReadOnlySpan<float> xc = x.Slice(start, length), yc = y.Slice(start, length);
            TensorPrimitives.Log(xc, logX);
            TensorPrimitives.Subtract(1f, xc, logOneMinusX);
            TensorPrimitives.Log(logOneMinusX[..length], logOneMinusX);
            total += BinaryCrossEntropyChunk(xc, yc, logX, logOneMinusX, gradient ? d.Slice(start, length) : default, scale);
        }
        return (float)(total / count);
    }

    private const int Chunk = 256;

    // One chunk: Σ -(y·max(log x, -100) + (1-y)·max(log(1-x), -100)) in double, and the gradient where d is not empty.
    private static double BinaryCrossEntropyChunk(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> logX, ReadOnlySpan<float> logOneMinusX,
        Span<float> d, float scale)
    {
        int count = x.Length, i = 0;
        bool gradient = !d.IsEmpty;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float aRef = ref MemoryMarshal.GetReference(logX);
        ref float bRef = ref MemoryMarshal.GetReference(logOneMinusX);
        ref float dRef = ref MemoryMarshal.GetReference(d);
        Vector256<double> sum = Vector256<double>.Zero;
        {
            Vector256<float> one = Vector256<float>.One, clamp = Vector256.Create(LogClamp), floor = Vector256.Create(GradientEpsilon), s = Vector256.Create(scale);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> xv = Vector256.LoadUnsafe(ref xRef, (nuint)i), yv = Vector256.LoadUnsafe(ref yRef, (nuint)i);
                Vector256<float> loss = -(yv * Vector256.Max(Vector256.LoadUnsafe(ref aRef, (nuint)i), clamp)
                    + (one - yv) * Vector256.Max(Vector256.LoadUnsafe(ref bRef, (nuint)i), clamp));
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                sum += lower + upper;
                if (gradient) ((xv - yv) / Vector256.Max((one - xv) * xv, floor) * s).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < count; i++)
        {
            float xi = x[i], yi = y[i];
            total += -(yi * MathF.Max(logX[i], LogClamp) + (1f - yi) * MathF.Max(logOneMinusX[i], LogClamp));
            if (gradient) d[i] = (xi - yi) / MathF.Max((1f - xi) * xi, GradientEpsilon) * scale;
        }
        return total;
    }

    // lw = 1 + (pw[n] - 1)·y                                             (pw = 1 without positiveWeights)
    // loss = 1/(B·N) Σ [(1-y)·z + lw·(log(1 + e^(-|z|)) + max(-z, 0))]   = -mean(pw·y·log σ(z) + (1-y)·log(1-σ(z)))
    // dlogits[B,N] = (lw·σ(z) - pw·y) / (B·N), as (1-y) - lw·σ(-z) where z >= 0    (overwritten)
    /// <summary>
    /// Binary cross-entropy on logits[batch, outputs], as PyTorch's <c>BCEWithLogitsLoss</c> with mean reduction:
    /// -mean(pw·y·log σ(z) + (1-y)·log(1 - σ(z))), computed in PyTorch's stable form (no exp of a positive number, no
    /// log of 0), so logits of any size give a finite loss. The gradient is (lw·σ(z) - pw·y)/(B·N) with
    /// lw = 1 + (pw - 1)·y, which is (σ(z) - y)/(B·N) without weights; for z &gt;= 0 it is computed as
    /// (1 - y) - lw·σ(-z), so a confident right answer keeps its tiny gradient instead of a difference of floats near 1.
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
                Vector256<float> e = RecurrentMath.Exp(-Vector256.Abs(zv));             // e^(-|z|) in (0, 1]
                Vector256<float> logWeight = one + (pw - one) * yv;
                Vector256<float> softplus = Log1pUnit(e) + Vector256.Max(-zv, zero);    // log(1 + e^(-z))
                Vector256<float> loss = (one - yv) * zv + logWeight * softplus;
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                sum += lower + upper;
                if (!gradient) continue;
                // lw·σ(z) - pw·y without cancelling σ against 1: with q = σ(-|z|) = e/(1 + e),
                // z >= 0: σ = 1 - q, so lw·σ - pw·y = (1 - y) - lw·q;   z < 0: σ = q.
                Vector256<float> q = e / (one + e);
                Vector256<float> slope = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(zv, zero), (one - yv) - logWeight * q, logWeight * q - pw * yv);
                (slope * s).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < length; i++)
        {
            float zi = z[i], yi = y[i], pw = weighted ? weights[i] : 1f;
            float e = MathF.Exp(-MathF.Abs(zi));
            float logWeight = 1f + (pw - 1f) * yi;
            float softplus = Log1pUnit(e) + MathF.Max(-zi, 0f);
            total += (1f - yi) * zi + logWeight * softplus;
            float q = e / (1f + e);
            if (gradient) d[i] = (zi >= 0f ? (1f - yi) - logWeight * q : logWeight * q - pw * yi) * scale;
        }
        return total;
    }

    // log(1 + e) for e in [0, 1] as 2·atanh(u) = 2u·(1 + u²/3 + u⁴/5 + ... + u¹⁶/17), u = e/(2 + e) ≤ 1/3: the first
    // omitted term is below 2e-10 of the sum, and the small-e end keeps full relative precision (log(1 + e) in float
    // loses e below 6e-8). Vector256.Exp and Vector256.Log cost about a scalar call per lane; with RecurrentMath.Exp
    // this is the whole element in a handful of multiply-adds.
    private static Vector256<float> Log1pUnit(Vector256<float> e)
    {
        Vector256<float> u = e / (Vector256.Create(2f) + e), u2 = u * u;
        Vector256<float> p = Vector256.Create(1f / 17);
        p = p * u2 + Vector256.Create(1f / 15);
        p = p * u2 + Vector256.Create(1f / 13);
        p = p * u2 + Vector256.Create(1f / 11);
        p = p * u2 + Vector256.Create(1f / 9);
        p = p * u2 + Vector256.Create(1f / 7);
        p = p * u2 + Vector256.Create(1f / 5);
        p = p * u2 + Vector256.Create(1f / 3);
        p = p * u2 + Vector256<float>.One;
        return (u + u) * p;
    }

    private static float Log1pUnit(float e)
    {
        float u = e / (2f + e), u2 = u * u;
        float p = 1f / 17;
        p = p * u2 + 1f / 15;
        p = p * u2 + 1f / 13;
        p = p * u2 + 1f / 11;
        p = p * u2 + 1f / 9;
        p = p * u2 + 1f / 7;
        p = p * u2 + 1f / 5;
        p = p * u2 + 1f / 3;
        p = p * u2 + 1f;
        return (u + u) * p;
    }
}
