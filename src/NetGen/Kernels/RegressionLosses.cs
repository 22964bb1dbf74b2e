using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Robust regression losses as PyTorch defines them, mean over every element of output[batch, outputs]:
/// <see cref="MeanAbsoluteError"/> (<c>L1Loss</c>), <see cref="Huber"/> (<c>HuberLoss</c>) and <see cref="SmoothL1"/>
/// (<c>SmoothL1Loss</c>); the squared error is <see cref="Losses.MeanSquaredError"/>. Each returns the mean loss (summed
/// in double) and OVERWRITES doutput with d(loss)/d(output); pass an empty doutput for the loss alone. Spans may be
/// longer than the shape needs; only the leading batch·outputs elements are read.
/// </summary>
public static class RegressionLosses
{
    // loss = 1/(B·N) Σ |output - target|;   doutput[B,N] = sign(output - target)/(B·N)   (sign(0) = 0)   (overwritten)
    /// <summary>Mean absolute error (PyTorch's <c>L1Loss</c>): mean |o - t|, gradient sign(o - t)/(B·N) with sign(0) = 0, as PyTorch's.</summary>
    /// <exception cref="ArgumentException">A span is shorter than [batch, outputs].</exception>
    /// <exception cref="ArgumentOutOfRangeException">batch is negative or outputs is not positive.</exception>
    public static float MeanAbsoluteError(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> doutput, int batch, int outputs) =>
        Run(output, targets, doutput, batch, outputs, Kind.L1, 0f);

    // z = |output - target|;   loss = 1/(B·N) Σ (z < δ ? z²/2 : δ·(z - δ/2))
    // doutput[B,N] = clamp(output - target, -δ, δ)/(B·N)                                   (overwritten)
    /// <summary>
    /// Huber loss (PyTorch's <c>HuberLoss</c>, default δ = 1): quadratic z²/2 below δ = <paramref name="delta"/>, linear
    /// δ(z - δ/2) above, for z = |o - t|; gradient clamp(o - t, -δ, δ)/(B·N). Equals δ·<see cref="SmoothL1"/> with β = δ.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than [batch, outputs].</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or <paramref name="delta"/> is not positive (PyTorch's rule).</exception>
    public static float Huber(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> doutput, int batch, int outputs, float delta = 1f)
    {
        if (!(delta > 0f) || float.IsInfinity(delta)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive and finite.");
        return Run(output, targets, doutput, batch, outputs, Kind.Huber, delta);
    }

    // z = |output - target|;   loss = 1/(B·N) Σ (z < β ? z²/(2β) : z - β/2)
    // doutput[B,N] = clamp((output - target)/β, -1, 1)/(B·N)                               (overwritten)
    /// <summary>
    /// Smooth L1 loss (PyTorch's <c>SmoothL1Loss</c>, default β = 1, the Fast R-CNN box loss): z²/(2β) below
    /// β = <paramref name="beta"/>, z - β/2 above, for z = |o - t|; gradient clamp((o - t)/β, -1, 1)/(B·N).
    /// β = 0 is <see cref="MeanAbsoluteError"/>, as in PyTorch.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than [batch, outputs].</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or <paramref name="beta"/> is negative (PyTorch's rule).</exception>
    public static float SmoothL1(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> doutput, int batch, int outputs, float beta = 1f)
    {
        if (!(beta >= 0f) || float.IsInfinity(beta)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be >= 0 and finite.");
        return beta == 0f ? Run(output, targets, doutput, batch, outputs, Kind.L1, 0f) : Run(output, targets, doutput, batch, outputs, Kind.SmoothL1, beta);
    }

    private enum Kind { L1, Huber, SmoothL1 }

    // One pass over the flat [B·N] buffers in Vector256 and a scalar tail; the loss of each element in float, summed in double.
    private static float Run(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> doutput, int batch, int outputs, Kind kind, float t)
    {
        int count = LossChecks.Matrix(output.Length, batch, outputs, nameof(output), nameof(outputs));
        LossChecks.Matrix(targets.Length, batch, outputs, nameof(targets), nameof(outputs));
        if (!doutput.IsEmpty) LossChecks.Matrix(doutput.Length, batch, outputs, nameof(doutput), nameof(outputs));
        if (count == 0) return 0f;
        bool gradient = !doutput.IsEmpty;
        float scale = (float)(1.0 / count), half = 0.5f * t;
        ref float oRef = ref MemoryMarshal.GetReference(output);
        ref float tRef = ref MemoryMarshal.GetReference(targets);
        ref float dRef = ref MemoryMarshal.GetReference(doutput);
        int i = 0;
        Vector256<double> sum = Vector256<double>.Zero;
        {
            Vector256<float> s = Vector256.Create(scale), threshold = Vector256.Create(t), halfT = Vector256.Create(half), pointFive = Vector256.Create(0.5f);
            Vector256<float> one = Vector256<float>.One, zero = Vector256<float>.Zero;
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> difference = Vector256.LoadUnsafe(ref oRef, (nuint)i) - Vector256.LoadUnsafe(ref tRef, (nuint)i);
                Vector256<float> z = Vector256.Abs(difference), loss, slope;
                switch (kind)
                {
                    case Kind.L1:
                        loss = z;
                        slope = (Vector256.GreaterThan(difference, zero) & one) - (Vector256.LessThan(difference, zero) & one);
                        break;
                    case Kind.Huber:
                        loss = Vector256.ConditionalSelect(Vector256.LessThan(z, threshold), pointFive * z * z, threshold * (z - halfT));
                        slope = Vector256.Min(Vector256.Max(difference, -threshold), threshold);
                        break;
                    default:
                        loss = Vector256.ConditionalSelect(Vector256.LessThan(z, threshold), pointFive * z * z / threshold, z - halfT);
                        slope = Vector256.Min(Vector256.Max(difference / threshold, -one), one);
                        break;
                }
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(loss);
                sum += lower + upper;
                if (gradient) (slope * s).StoreUnsafe(ref dRef, (nuint)i);
            }
        }
        double total = Vector256.Sum(sum);
        for (; i < count; i++)
        {
            float difference = output[i] - targets[i], z = MathF.Abs(difference), loss, slope;
            switch (kind)
            {
                case Kind.L1:
                    loss = z;
                    slope = difference > 0f ? 1f : difference < 0f ? -1f : 0f;
                    break;
                case Kind.Huber:
                    loss = z < t ? 0.5f * z * z : t * (z - half);
                    slope = MathF.Min(MathF.Max(difference, -t), t);
                    break;
                default:
                    loss = z < t ? 0.5f * z * z / t : z - half;
                    slope = MathF.Min(MathF.Max(difference / t, -1f), 1f);
                    break;
            }
            total += loss;
            if (gradient) doutput[i] = slope * scale;
        }
        return (float)(total / count);
    }
}
