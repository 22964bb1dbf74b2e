using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Adadelta exactly as <c>torch.optim.Adadelta</c> (single-tensor path; PyTorch's MNIST example trains with it at
/// lr = 1 and StepLR). One vectorized pass over the flat buffers, split across the cores when they are large.
/// </summary>
/// <remarks>
/// State: two buffers of one float per parameter, both starting at zeros, named as PyTorch's <c>state_dict</c> names
/// them: <c>square_avg</c> (<c>squareAverage</c>) and <c>acc_delta</c> (<c>accumulatedDelta</c>). PyTorch 2.x also keeps
/// a <c>step</c> count per parameter, which the update does not read.
/// Hyperparameters are doubles because PyTorch's are Python floats: (1 - ρ) is taken in double and then rounded to
/// float, as <c>addcmul_(value=1 - rho)</c> does.
/// </remarks>
public static unsafe class Adadelta
{
    /// <summary>
    /// One update of every parameter:
    /// <code>
    /// g = grad + wd·p
    /// s = ρ·s + (1-ρ)·g²                           (squareAverage)
    /// Δ = sqrt(a + ε) / sqrt(s + ε) · g
    /// a = ρ·a + (1-ρ)·Δ²                           (accumulatedDelta)
    /// p -= lr·Δ
    /// </code>
    /// PyTorch's defaults: lr = 1, ρ = 0.9, ε = 1e-6, wd = 0.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside the range torch.optim accepts.</exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> squareAverage, Span<float> accumulatedDelta,
        double learningRate, double rho, double epsilon, double weightDecay)
    {
        int length = parameters.Length;
        ElementwiseSplit.CheckLength(gradients.Length, length, nameof(gradients));
        ElementwiseSplit.CheckLength(squareAverage.Length, length, nameof(squareAverage));
        ElementwiseSplit.CheckLength(accumulatedDelta.Length, length, nameof(accumulatedDelta));
        ElementwiseSplit.CheckRange(learningRate, 0, double.PositiveInfinity, false, nameof(learningRate));
        ElementwiseSplit.CheckRange(rho, 0, 1, false, nameof(rho));
        ElementwiseSplit.CheckRange(epsilon, 0, double.PositiveInfinity, false, nameof(epsilon));
        ElementwiseSplit.CheckRange(weightDecay, 0, double.PositiveInfinity, false, nameof(weightDecay));

        var update = new Update
        {
            LearningRate = (float)learningRate, Rho = (float)rho, OneMinusRho = (float)(1.0 - rho),
            Epsilon = (float)epsilon, WeightDecay = (float)weightDecay,
        };
        fixed (float* p = parameters, g = gradients, s = squareAverage, a = accumulatedDelta)
        {
            update.P = p; update.G = g; update.S = s; update.A = a;
            ElementwiseSplit.Run(&UpdateRange, &update, length);
        }
    }

    private struct Update
    {
        public float* P, G, S, A;
        public float LearningRate, Rho, OneMinusRho, Epsilon, WeightDecay;
    }

    // Elements [start, end): Vector512 where accelerated, then Vector256, then scalar; the same float operations in
    // the same order in every width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(void* context, int start, int end)
    {
        ref Update u = ref *(Update*)context;
        float* pp = u.P, gp = u.G, sp = u.S, ap = u.A;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> lr = Vector512.Create(u.LearningRate), rho = Vector512.Create(u.Rho), oneMinusRho = Vector512.Create(u.OneMinusRho);
            Vector512<float> eps = Vector512.Create(u.Epsilon), wd = Vector512.Create(u.WeightDecay);
            for (; i <= end - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> p = Vector512.Load(pp + i);
                Vector512<float> g = Vector512.Load(gp + i) + wd * p;
                Vector512<float> s = rho * Vector512.Load(sp + i) + oneMinusRho * g * g;
                s.Store(sp + i);
                Vector512<float> a = Vector512.Load(ap + i);
                Vector512<float> delta = Vector512.Sqrt(a + eps) / Vector512.Sqrt(s + eps) * g;
                (rho * a + oneMinusRho * delta * delta).Store(ap + i);
                (p - lr * delta).Store(pp + i);
            }
        }
        {
            Vector256<float> lr = Vector256.Create(u.LearningRate), rho = Vector256.Create(u.Rho), oneMinusRho = Vector256.Create(u.OneMinusRho);
            Vector256<float> eps = Vector256.Create(u.Epsilon), wd = Vector256.Create(u.WeightDecay);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> p = Vector256.Load(pp + i);
                Vector256<float> g = Vector256.Load(gp + i) + wd * p;
                Vector256<float> s = rho * Vector256.Load(sp + i) + oneMinusRho * g * g;
                s.Store(sp + i);
                Vector256<float> a = Vector256.Load(ap + i);
                Vector256<float> delta = Vector256.Sqrt(a + eps) / Vector256.Sqrt(s + eps) * g;
                (rho * a + oneMinusRho * delta * delta).Store(ap + i);
                (p - lr * delta).Store(pp + i);
            }
        }
        for (; i < end; i++)
        {
            float p = pp[i];
            float g = gp[i] + u.WeightDecay * p;
            float s = u.Rho * sp[i] + u.OneMinusRho * g * g;
            sp[i] = s;
            float a = ap[i];
            float delta = MathF.Sqrt(a + u.Epsilon) / MathF.Sqrt(s + u.Epsilon) * g;
            ap[i] = u.Rho * a + u.OneMinusRho * delta * delta;
            pp[i] = p - u.LearningRate * delta;
        }
    }
}
