using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Adam and AdamW (and their AMSGrad variants) exactly as <c>torch.optim.Adam</c> / <c>torch.optim.AdamW</c>
/// (non-fused, non-capturable path). One vectorized pass over the flat parameter buffer.
/// </summary>
public static class Adam
{
    /// <summary>
    /// One update of every parameter; <paramref name="step"/> is 1-based (1 on the first call).
    /// <code>
    /// decoupled (AdamW): p -= lr·wd·p          coupled (Adam): g = grad + wd·p
    /// m = β1·m + (1-β1)·g
    /// v = β2·v + (1-β2)·g²
    /// amsgrad (vMax not empty): vMax = max(vMax, v), and vMax replaces v below
    /// p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
    /// </code>
    /// m, v (and vMax) start at zeros; pass an empty <paramref name="vMax"/> for plain Adam.
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, Span<float> vMax,
        int step, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool decoupledWeightDecay)
    {
        int length = parameters.Length;
        CheckLength(gradients.Length, length, nameof(gradients));
        CheckLength(m.Length, length, nameof(m));
        CheckLength(v.Length, length, nameof(v));
        bool amsgrad = !vMax.IsEmpty;
        if (amsgrad) CheckLength(vMax.Length, length, nameof(vMax));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is 1-based: pass 1 on the first update.");

        // Scalars in double, as PyTorch computes them in Python floats.
        double biasCorrection1 = 1.0 - Math.Pow(beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1.0 - Math.Pow(beta2, step));
        float stepSize = (float)(learningRate / biasCorrection1);
        float inverseCorrection2Sqrt = (float)(1.0 / biasCorrection2Sqrt);
        float decay = decoupledWeightDecay ? (float)(1.0 - (double)learningRate * weightDecay) : 1f;
        float couple = decoupledWeightDecay ? 0f : weightDecay;
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2;

        ref float pRef = ref MemoryMarshal.GetReference(parameters);
        ref float gRef = ref MemoryMarshal.GetReference(gradients);
        ref float mRef = ref MemoryMarshal.GetReference(m);
        ref float vRef = ref MemoryMarshal.GetReference(v);
        ref float vMaxRef = ref MemoryMarshal.GetReference(vMax);
        int width = Vector256<float>.Count, i = 0;
        {
            Vector256<float> decayV = Vector256.Create(decay), coupleV = Vector256.Create(couple);
            Vector256<float> b1 = Vector256.Create(oneMinusBeta1), b2 = Vector256.Create(beta2), ob2 = Vector256.Create(oneMinusBeta2);
            Vector256<float> stepSizeV = Vector256.Create(stepSize), correction = Vector256.Create(inverseCorrection2Sqrt), eps = Vector256.Create(epsilon);
            for (; i <= length - width; i += width)
            {
                Vector256<float> p = Vector256.LoadUnsafe(ref pRef, (nuint)i);
                Vector256<float> g = Vector256.LoadUnsafe(ref gRef, (nuint)i) + coupleV * p;
                p *= decayV;
                Vector256<float> mv = Vector256.LoadUnsafe(ref mRef, (nuint)i);
                mv += b1 * (g - mv);
                mv.StoreUnsafe(ref mRef, (nuint)i);
                Vector256<float> vv = b2 * Vector256.LoadUnsafe(ref vRef, (nuint)i) + ob2 * g * g;
                vv.StoreUnsafe(ref vRef, (nuint)i);
                if (amsgrad)
                {
                    vv = Vector256.Max(Vector256.LoadUnsafe(ref vMaxRef, (nuint)i), vv);
                    vv.StoreUnsafe(ref vMaxRef, (nuint)i);
                }
                Vector256<float> denominator = Vector256.Sqrt(vv) * correction + eps;
                (p - stepSizeV * mv / denominator).StoreUnsafe(ref pRef, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            float p = parameters[i];
            float g = gradients[i] + couple * p;
            p *= decay;
            float mv = m[i];
            mv += oneMinusBeta1 * (g - mv);
            m[i] = mv;
            float vv = beta2 * v[i] + oneMinusBeta2 * g * g;
            v[i] = vv;
            if (amsgrad)
            {
                vv = MathF.Max(vMax[i], vv);
                vMax[i] = vv;
            }
            float denominator = MathF.Sqrt(vv) * inverseCorrection2Sqrt + epsilon;
            parameters[i] = p - stepSize * mv / denominator;
        }
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats; expected {expected} (one per parameter).", name);
    }
}
