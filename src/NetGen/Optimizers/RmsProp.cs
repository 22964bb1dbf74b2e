using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// RMSprop exactly as <c>torch.optim.RMSprop</c> (plain, centered, with momentum). One vectorized pass over the flat buffers.
/// </summary>
public static class RmsProp
{
    /// <summary>
    /// One update of every parameter:
    /// <code>
    /// g = grad + weightDecay·p
    /// s = α·s + (1-α)·g²                              (squareAverage)
    /// centered: a = α·a + (1-α)·g (gradientAverage);  denominator = sqrt(s - a²) + ε
    /// otherwise:                                      denominator = sqrt(s) + ε
    /// momentum &gt; 0: b = momentum·b + g/denominator; p -= lr·b       (momentumBuffer)
    /// otherwise:     p -= lr·g/denominator
    /// </code>
    /// Every buffer starts at zeros. <paramref name="momentumBuffer"/> may be empty when momentum is 0 and
    /// <paramref name="gradientAverage"/> when not centered. The centered s - a² is clamped at 0: it is never negative
    /// in exact arithmetic, and where rounding makes it so PyTorch would produce NaN.
    /// </summary>
    /// <remarks>
    /// The settings arrive as floats, so <c>1 - α</c> is formed from the float nearest α (for 0.99, 0.0099999905 instead of
    /// PyTorch's 0.01). Call
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, float, double, double, double, double, bool)"/>
    /// with the settings as written to match PyTorch; this overload is that one with the floats widened, bit for bit the update it always made.
    /// </remarks>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage, Span<float> momentumBuffer,
        Span<float> gradientAverage, float learningRate, float alpha, float epsilon, float weightDecay, float momentum, bool centered) =>
        Step(parameters, gradients, squareAverage, momentumBuffer, gradientAverage, learningRate,
            (double)alpha, (double)epsilon, (double)weightDecay, (double)momentum, centered);

    /// <summary>
    /// One update of every parameter, as
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, float, float, float, float, float, bool)"/>,
    /// with the settings in double: <c>1 - α</c> is formed in double from α as written and only then rounded to float, as
    /// PyTorch forms it in a Python float, so the square average a checkpoint carries is PyTorch's <c>square_avg</c> to float rounding.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'s.</exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage, Span<float> momentumBuffer,
        Span<float> gradientAverage, float learningRate, double alpha, double epsilon, double weightDecay, double momentum, bool centered) =>
        Update(parameters, gradients, squareAverage, momentumBuffer, gradientAverage, learningRate,
            (float)alpha, (float)(1.0 - alpha), (float)epsilon, (float)weightDecay, (float)momentum, centered);

    private static void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage, Span<float> momentumBuffer,
        Span<float> gradientAverage, float learningRate, float alpha, float oneMinusAlpha, float epsilon, float weightDecay, float momentum, bool centered)
    {
        int length = parameters.Length;
        CheckLength(gradients.Length, length, nameof(gradients));
        CheckLength(squareAverage.Length, length, nameof(squareAverage));
        bool useMomentum = momentum > 0f;
        if (useMomentum) CheckLength(momentumBuffer.Length, length, nameof(momentumBuffer));
        if (centered) CheckLength(gradientAverage.Length, length, nameof(gradientAverage));

        ref float pRef = ref MemoryMarshal.GetReference(parameters);
        ref float gRef = ref MemoryMarshal.GetReference(gradients);
        ref float sRef = ref MemoryMarshal.GetReference(squareAverage);
        ref float bRef = ref MemoryMarshal.GetReference(momentumBuffer);
        ref float aRef = ref MemoryMarshal.GetReference(gradientAverage);
        int width = Vector256<float>.Count, i = 0;
        {
            Vector256<float> lr = Vector256.Create(learningRate), al = Vector256.Create(alpha), oneMinusAl = Vector256.Create(oneMinusAlpha);
            Vector256<float> eps = Vector256.Create(epsilon), wd = Vector256.Create(weightDecay), mu = Vector256.Create(momentum);
            for (; i <= length - width; i += width)
            {
                Vector256<float> p = Vector256.LoadUnsafe(ref pRef, (nuint)i);
                Vector256<float> g = Vector256.LoadUnsafe(ref gRef, (nuint)i) + wd * p;
                Vector256<float> s = al * Vector256.LoadUnsafe(ref sRef, (nuint)i) + oneMinusAl * g * g;
                s.StoreUnsafe(ref sRef, (nuint)i);
                Vector256<float> variance = s;
                if (centered)
                {
                    Vector256<float> a = Vector256.LoadUnsafe(ref aRef, (nuint)i);
                    a += oneMinusAl * (g - a);
                    a.StoreUnsafe(ref aRef, (nuint)i);
                    variance -= a * a;
                }
                Vector256<float> denominator = Vector256.Sqrt(Vector256.Max(variance, Vector256<float>.Zero)) + eps;
                if (useMomentum)
                {
                    Vector256<float> b = mu * Vector256.LoadUnsafe(ref bRef, (nuint)i) + g / denominator;
                    b.StoreUnsafe(ref bRef, (nuint)i);
                    (p - lr * b).StoreUnsafe(ref pRef, (nuint)i);
                }
                else
                {
                    (p - lr * (g / denominator)).StoreUnsafe(ref pRef, (nuint)i);
                }
            }
        }
        for (; i < length; i++)
        {
            float p = parameters[i];
            float g = gradients[i] + weightDecay * p;
            float s = alpha * squareAverage[i] + oneMinusAlpha * g * g;
            squareAverage[i] = s;
            float variance = s;
            if (centered)
            {
                float a = gradientAverage[i];
                a += oneMinusAlpha * (g - a);
                gradientAverage[i] = a;
                variance -= a * a;
            }
            float denominator = MathF.Sqrt(MathF.Max(variance, 0f)) + epsilon;
            if (useMomentum)
            {
                float b = momentum * momentumBuffer[i] + g / denominator;
                momentumBuffer[i] = b;
                parameters[i] = p - learningRate * b;
            }
            else
            {
                parameters[i] = p - learningRate * (g / denominator);
            }
        }
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats; expected {expected} (one per parameter).", name);
    }
}
