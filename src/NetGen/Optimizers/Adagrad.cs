using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>Adagrad exactly as <c>torch.optim.Adagrad</c>. One vectorized pass over the flat buffers.</summary>
public static class Adagrad
{
    /// <summary>
    /// One update of every parameter; <paramref name="step"/> is 1-based (1 on the first call).
    /// <code>
    /// g = grad + weightDecay·p
    /// clr = lr / (1 + (step - 1)·lrDecay)
    /// sum += g²
    /// p -= clr · g / (sqrt(sum) + ε)
    /// </code>
    /// <paramref name="sum"/> starts at PyTorch's <c>initial_accumulator_value</c> (0 by default).
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> sum, int step,
        float learningRate, float learningRateDecay, float weightDecay, float epsilon)
    {
        int length = parameters.Length;
        if (gradients.Length != length)
            throw new ArgumentException($"gradients holds {gradients.Length} floats; expected {length} (one per parameter).", nameof(gradients));
        if (sum.Length != length)
            throw new ArgumentException($"sum holds {sum.Length} floats; expected {length} (one per parameter).", nameof(sum));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is 1-based: pass 1 on the first update.");

        float currentRate = (float)(learningRate / (1.0 + (step - 1) * (double)learningRateDecay));
        ref float pRef = ref MemoryMarshal.GetReference(parameters);
        ref float gRef = ref MemoryMarshal.GetReference(gradients);
        ref float sRef = ref MemoryMarshal.GetReference(sum);
        int width = Vector256<float>.Count, i = 0;
        {
            Vector256<float> clr = Vector256.Create(currentRate), wd = Vector256.Create(weightDecay), eps = Vector256.Create(epsilon);
            for (; i <= length - width; i += width)
            {
                Vector256<float> p = Vector256.LoadUnsafe(ref pRef, (nuint)i);
                Vector256<float> g = Vector256.LoadUnsafe(ref gRef, (nuint)i) + wd * p;
                Vector256<float> s = Vector256.LoadUnsafe(ref sRef, (nuint)i) + g * g;
                s.StoreUnsafe(ref sRef, (nuint)i);
                (p - clr * (g / (Vector256.Sqrt(s) + eps))).StoreUnsafe(ref pRef, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            float p = parameters[i];
            float g = gradients[i] + weightDecay * p;
            float s = sum[i] + g * g;
            sum[i] = s;
            parameters[i] = p - currentRate * (g / (MathF.Sqrt(s) + epsilon));
        }
    }
}
