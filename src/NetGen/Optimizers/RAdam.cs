using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// RAdam (rectified Adam, Liu et al. 2020) exactly as <c>torch.optim.RAdam</c> in PyTorch 2.x (single-tensor,
/// non-capturable path), with its <c>decoupled_weight_decay</c> option. One vectorized pass over the flat buffers, split
/// across the cores when they are large.
/// </summary>
/// <remarks>
/// State: two buffers of one float per parameter, starting at zeros, <c>exp_avg</c> (<c>m</c>) and <c>exp_avg_sq</c>
/// (<c>v</c>) in PyTorch's <c>state_dict</c>, and the <c>step</c> count. For the first steps (ρ_t ≤ 5: the first five
/// with β2 = 0.999) the variance of the adaptive rate is not tractable and the update is SGD with momentum on the
/// bias-corrected m; v is still accumulated.
/// Hyperparameters are doubles because PyTorch's are Python floats: every scalar of the update (the bias corrections,
/// ρ_t and the rectification) is computed in double and rounded to float once, as PyTorch's Python code does.
/// </remarks>
public static unsafe class RAdam
{
    /// <summary>
    /// One update of every parameter; <paramref name="step"/> is 1-based (1 on the first call).
    /// <code>
    /// decoupled: p *= 1 - lr·wd                  coupled: g = grad + wd·p
    /// m = m + (1-β1)·(g - m)                     (exp_avg, a lerp as PyTorch's)
    /// v = β2·v + (1-β2)·g²                       (exp_avg_sq)
    /// m̂ = m / (1-β1^t)
    /// ρ∞ = 2/(1-β2) - 1,   ρ_t = ρ∞ - 2t·β2^t/(1-β2^t)
    /// ρ_t &gt; 5:  r = sqrt((ρ_t-4)(ρ_t-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρ_t));   p -= m̂·lr·(sqrt(1-β2^t)/(sqrt(v) + ε))·r
    /// otherwise: p -= m̂·lr
    /// </code>
    /// PyTorch's defaults: lr = 1e-3, β1 = 0.9, β2 = 0.999, ε = 1e-8, wd = 0, not decoupled.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1, or a hyperparameter is outside the range torch.optim accepts.</exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, int step,
        double learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay)
    {
        int length = parameters.Length;
        ElementwiseSplit.CheckLength(gradients.Length, length, nameof(gradients));
        ElementwiseSplit.CheckLength(m.Length, length, nameof(m));
        ElementwiseSplit.CheckLength(v.Length, length, nameof(v));
        ElementwiseSplit.CheckStep(step);
        ElementwiseSplit.CheckRange(learningRate, 0, double.PositiveInfinity, false, nameof(learningRate));
        ElementwiseSplit.CheckRange(beta1, 0, 1, true, nameof(beta1));
        ElementwiseSplit.CheckRange(beta2, 0, 1, true, nameof(beta2));
        ElementwiseSplit.CheckRange(epsilon, 0, double.PositiveInfinity, false, nameof(epsilon));
        ElementwiseSplit.CheckRange(weightDecay, 0, double.PositiveInfinity, false, nameof(weightDecay));

        double rectification = Rectification(step, beta2);
        var update = new Update
        {
            Decay = decoupledWeightDecay ? (float)(1.0 - learningRate * weightDecay) : 1f,
            Couple = decoupledWeightDecay ? 0f : (float)weightDecay,
            OneMinusBeta1 = (float)(1.0 - beta1), Beta2 = (float)beta2, OneMinusBeta2 = (float)(1.0 - beta2),
            BiasCorrection1 = (float)(1.0 - Math.Pow(beta1, step)), LearningRate = (float)learningRate, Epsilon = (float)epsilon,
            BiasCorrection2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(beta2, step)), Rectification = (float)rectification,
            Rectified = rectification > 0,
        };
        fixed (float* p = parameters, g = gradients, mp = m, vp = v)
        {
            update.P = p; update.G = g; update.M = mp; update.V = vp;
            ElementwiseSplit.Run(&UpdateRange, &update, length);
        }
    }

    /// <summary>
    /// The variance rectification r_t of step <paramref name="step"/>, or 0 where ρ_t ≤ 5 and the step is SGD with
    /// momentum (PyTorch's branch): in double, in the order of PyTorch's Python expressions.
    /// </summary>
    public static double Rectification(int step, double beta2)
    {
        double biasCorrection2 = 1.0 - Math.Pow(beta2, step);
        double rhoInfinity = 2.0 / (1.0 - beta2) - 1.0;
        double rho = rhoInfinity - 2.0 * step * Math.Pow(beta2, step) / biasCorrection2;
        if (!(rho > 5.0)) return 0.0;
        return Math.Sqrt((rho - 4.0) * (rho - 2.0) * rhoInfinity / ((rhoInfinity - 4.0) * (rhoInfinity - 2.0) * rho));
    }

    private struct Update
    {
        public float* P, G, M, V;
        public float Decay, Couple, OneMinusBeta1, Beta2, OneMinusBeta2, BiasCorrection1, LearningRate, Epsilon, BiasCorrection2Sqrt, Rectification;
        public bool Rectified;
    }

    // Elements [start, end): Vector512 where accelerated, then Vector256, then scalar; the same float operations in
    // the same order in every width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(void* context, int start, int end)
    {
        ref Update u = ref *(Update*)context;
        float* pp = u.P, gp = u.G, mp = u.M, vp = u.V;
        bool rectified = u.Rectified;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> decay = Vector512.Create(u.Decay), couple = Vector512.Create(u.Couple), b1 = Vector512.Create(u.OneMinusBeta1);
            Vector512<float> b2 = Vector512.Create(u.Beta2), ob2 = Vector512.Create(u.OneMinusBeta2), correction1 = Vector512.Create(u.BiasCorrection1);
            Vector512<float> lr = Vector512.Create(u.LearningRate), eps = Vector512.Create(u.Epsilon);
            Vector512<float> correction2Sqrt = Vector512.Create(u.BiasCorrection2Sqrt), rectification = Vector512.Create(u.Rectification);
            for (; i <= end - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> p = Vector512.Load(pp + i);
                Vector512<float> g = Vector512.Load(gp + i) + couple * p;
                p *= decay;
                Vector512<float> mv = Vector512.Load(mp + i);
                mv += b1 * (g - mv);
                mv.Store(mp + i);
                Vector512<float> vv = b2 * Vector512.Load(vp + i) + ob2 * g * g;
                vv.Store(vp + i);
                Vector512<float> step = mv / correction1 * lr;
                if (rectified) step = step * (correction2Sqrt / (Vector512.Sqrt(vv) + eps)) * rectification;
                (p - step).Store(pp + i);
            }
        }
        {
            Vector256<float> decay = Vector256.Create(u.Decay), couple = Vector256.Create(u.Couple), b1 = Vector256.Create(u.OneMinusBeta1);
            Vector256<float> b2 = Vector256.Create(u.Beta2), ob2 = Vector256.Create(u.OneMinusBeta2), correction1 = Vector256.Create(u.BiasCorrection1);
            Vector256<float> lr = Vector256.Create(u.LearningRate), eps = Vector256.Create(u.Epsilon);
            Vector256<float> correction2Sqrt = Vector256.Create(u.BiasCorrection2Sqrt), rectification = Vector256.Create(u.Rectification);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> p = Vector256.Load(pp + i);
                Vector256<float> g = Vector256.Load(gp + i) + couple * p;
                p *= decay;
                Vector256<float> mv = Vector256.Load(mp + i);
                mv += b1 * (g - mv);
                mv.Store(mp + i);
                Vector256<float> vv = b2 * Vector256.Load(vp + i) + ob2 * g * g;
                vv.Store(vp + i);
                Vector256<float> step = mv / correction1 * lr;
                if (rectified) step = step * (correction2Sqrt / (Vector256.Sqrt(vv) + eps)) * rectification;
                (p - step).Store(pp + i);
            }
        }
        for (; i < end; i++)
        {
            float p = pp[i];
            float g = gp[i] + u.Couple * p;
            p *= u.Decay;
            float mv = mp[i];
            mv += u.OneMinusBeta1 * (g - mv);
            mp[i] = mv;
            float vv = u.Beta2 * vp[i] + u.OneMinusBeta2 * g * g;
            vp[i] = vv;
            float step = mv / u.BiasCorrection1 * u.LearningRate;
            if (rectified) step = step * (u.BiasCorrection2Sqrt / (MathF.Sqrt(vv) + u.Epsilon)) * u.Rectification;
            pp[i] = p - step;
        }
    }
}
