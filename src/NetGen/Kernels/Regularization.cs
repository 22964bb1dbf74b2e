using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Weight penalties (Keras convention: L2 = λ·Σw², no ½) with their gradients, and gradient clipping
/// (<c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>). Sums are accumulated in double.
/// </summary>
public static class Regularization
{
    // penalty = λ·Σ w²
    /// <summary>λ·Σw² (Keras's <c>l2(λ)</c>; PyTorch's weight_decay = 2λ gives the same gradient).</summary>
    public static float L2Penalty(ReadOnlySpan<float> weights, float lambda) => (float)(lambda * SumOfSquares(weights));

    // gradients[n] += 2λ·w[n]
    /// <summary>Adds the gradient of <see cref="L2Penalty"/>, 2λ·w, to <paramref name="gradients"/>.</summary>
    public static void AddL2Gradient(ReadOnlySpan<float> weights, Span<float> gradients, float lambda)
    {
        CheckSameLength(weights, gradients);
        TensorPrimitives.MultiplyAdd(weights, 2f * lambda, gradients, gradients);
    }

    // penalty = λ·Σ |w|
    /// <summary>λ·Σ|w| (Keras's <c>l1(λ)</c>).</summary>
    public static float L1Penalty(ReadOnlySpan<float> weights, float lambda) => (float)(lambda * SumOfAbsolutes(weights));

    // gradients[n] += λ·sign(w[n])     (sign(0) = 0, the subgradient PyTorch's sign() picks)
    /// <summary>Adds the (sub)gradient of <see cref="L1Penalty"/>, λ·sign(w) with sign(0) = 0, to <paramref name="gradients"/>.</summary>
    public static void AddL1Gradient(ReadOnlySpan<float> weights, Span<float> gradients, float lambda)
    {
        CheckSameLength(weights, gradients);
        int length = weights.Length, width = Vector256<float>.Count, i = 0;
        ref float wRef = ref MemoryMarshal.GetReference(weights);
        ref float gRef = ref MemoryMarshal.GetReference(gradients);
        Vector256<float> plus = Vector256.Create(lambda), minus = Vector256.Create(-lambda);
        for (; i <= length - width; i += width)
        {
            Vector256<float> w = Vector256.LoadUnsafe(ref wRef, (nuint)i);
            Vector256<float> step = (Vector256.GreaterThan(w, Vector256<float>.Zero) & plus) | (Vector256.LessThan(w, Vector256<float>.Zero) & minus);
            (Vector256.LoadUnsafe(ref gRef, (nuint)i) + step).StoreUnsafe(ref gRef, (nuint)i);
        }
        for (; i < length; i++) gradients[i] += weights[i] > 0 ? lambda : weights[i] < 0 ? -lambda : 0f;
    }

    // ‖g‖₂ = sqrt(Σ g²)
    /// <summary>The L2 norm of the whole gradient buffer, sqrt(Σg²), accumulated in double (no overflow for large buffers).</summary>
    public static float GlobalNorm(ReadOnlySpan<float> gradients) => (float)Math.Sqrt(SumOfSquares(gradients));

    // norm = ‖g‖₂;  coefficient = maxNorm / (norm + 1e-6);  if coefficient < 1: g *= coefficient
    /// <summary>
    /// <c>torch.nn.utils.clip_grad_norm_</c> on the flat gradient buffer: scales every gradient by maxNorm/(norm + 1e-6)
    /// when that is below 1, and returns the norm measured BEFORE clipping (to log it). A non-finite norm (an inf or NaN
    /// gradient) is returned and the gradients are left untouched, so the caller can detect it and skip the step.
    /// </summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be > 0.");
        double norm = Math.Sqrt(SumOfSquares(gradients));
        if (!double.IsFinite(norm)) return (float)norm;
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1.0) TensorPrimitives.Multiply(gradients, (float)coefficient, gradients);
        return (float)norm;
    }

    // g[n] = clamp(g[n], -limit, limit)
    /// <summary><c>torch.nn.utils.clip_grad_value_</c>: clamps every gradient into [-limit, limit].</summary>
    public static void ClipByValue(Span<float> gradients, float limit)
    {
        if (!(limit >= 0f)) throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be >= 0.");
        TensorPrimitives.Min(gradients, limit, gradients);
        TensorPrimitives.Max(gradients, -limit, gradients);
    }

    // Σ v² in double, 8 floats widened to two vectors of 4 doubles per step.
    private static double SumOfSquares(ReadOnlySpan<float> values)
    {
        int length = values.Length, width = Vector256<float>.Count, i = 0;
        ref float vRef = ref MemoryMarshal.GetReference(values);
        Vector256<double> accumulator = Vector256<double>.Zero;
        for (; i <= length - width; i += width)
        {
            (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref vRef, (nuint)i));
            accumulator += lower * lower + upper * upper;
        }
        double sum = Vector256.Sum(accumulator);
        for (; i < length; i++) sum += (double)values[i] * values[i];
        return sum;
    }

    private static double SumOfAbsolutes(ReadOnlySpan<float> values)
    {
        int length = values.Length, width = Vector256<float>.Count, i = 0;
        ref float vRef = ref MemoryMarshal.GetReference(values);
        Vector256<double> accumulator = Vector256<double>.Zero;
        for (; i <= length - width; i += width)
        {
            (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.Abs(Vector256.LoadUnsafe(ref vRef, (nuint)i)));
            accumulator += lower + upper;
        }
        double sum = Vector256.Sum(accumulator);
        for (; i < length; i++) sum += Math.Abs(values[i]);
        return sum;
    }

    private static void CheckSameLength(ReadOnlySpan<float> weights, Span<float> gradients)
    {
        if (gradients.Length != weights.Length)
            throw new ArgumentException($"gradients holds {gradients.Length} floats; expected {weights.Length} (one per weight).", nameof(gradients));
    }
}
