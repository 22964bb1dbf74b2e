using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// NAdam (Adam with Nesterov momentum and Dozat's momentum schedule) exactly as <c>torch.optim.NAdam</c> in PyTorch 2.x
/// (single-tensor, non-capturable path), with its <c>decoupled_weight_decay</c> option (NAdamW). One vectorized pass
/// over the flat buffers, split across the cores when they are large.
/// </summary>
/// <remarks>
/// State: two buffers of one float per parameter, starting at zeros, <c>exp_avg</c> (<c>m</c>) and
/// <c>exp_avg_sq</c> (<c>v</c>) in PyTorch's <c>state_dict</c>; and two scalars that PyTorch
/// keeps per parameter tensor, <c>step</c> and <c>mu_product</c> = Π_{k=1..t} μ_k. One flat buffer has one of each:
/// the caller keeps <c>mu_product</c> as a double (1.0 before the first step) and passes it by reference, so a step
/// costs O(1); <see cref="MuProduct"/> recomputes it from the step count (for a checkpoint that lacks it). PyTorch keeps
/// it as a float32 tensor, rounded at every step (2e-7 relative from the double product after 8 steps in the tests),
/// which moves the update coefficients by about as much: far less than a float ulp of the parameters.
/// Hyperparameters are doubles because PyTorch's are Python floats: every scalar of the update is computed in double
/// and rounded to float once, as PyTorch's Python code does.
/// </remarks>
public static unsafe class NAdam
{
    /// <summary>
    /// One update of every parameter; <paramref name="step"/> is 1-based (1 on the first call), and
    /// <paramref name="muProduct"/> holds Π_{k&lt;t} μ_k on entry (1.0 before the first step) and Π_{k≤t} μ_k on return.
    /// <code>
    /// decoupled (NAdamW): p *= 1 - lr·wd        coupled: g = grad + wd·p
    /// μ_t = β1·(1 - ½·0.96^(t·ψ)),  μ_{t+1} = β1·(1 - ½·0.96^((t+1)·ψ))        ψ = momentumDecay
    /// muProduct *= μ_t
    /// m = m + (1-β1)·(g - m)                     (exp_avg, a lerp as PyTorch's)
    /// v = β2·v + (1-β2)·g²                       (exp_avg_sq)
    /// d = sqrt(v / (1-β2^t)) + ε
    /// p += -lr·(1-μ_t)/(1-muProduct) · g/d
    /// p += -lr·μ_{t+1}/(1-muProduct·μ_{t+1}) · m/d
    /// </code>
    /// PyTorch's defaults: lr = 2e-3, β1 = 0.9, β2 = 0.999, ε = 1e-8, wd = 0, ψ = 4e-3, not decoupled.
    /// <paramref name="muProduct"/> is changed only after every argument has been checked.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="step"/> is below 1, <paramref name="muProduct"/> is outside [0, 1], or a hyperparameter is outside
    /// the range torch.optim accepts.
    /// </exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, ref double muProduct,
        int step, double learningRate, double beta1, double beta2, double epsilon, double weightDecay, double momentumDecay,
        bool decoupledWeightDecay)
    {
        int length = parameters.Length;
        ElementwiseSplit.CheckLength(gradients.Length, length, nameof(gradients));
        ElementwiseSplit.CheckLength(m.Length, length, nameof(m));
        ElementwiseSplit.CheckLength(v.Length, length, nameof(v));
        ElementwiseSplit.CheckStep(step);
        ElementwiseSplit.CheckRange(muProduct, 0, 1, false, nameof(muProduct));
        ElementwiseSplit.CheckRange(learningRate, 0, double.PositiveInfinity, false, nameof(learningRate));
        ElementwiseSplit.CheckRange(beta1, 0, 1, true, nameof(beta1));
        ElementwiseSplit.CheckRange(beta2, 0, 1, true, nameof(beta2));
        ElementwiseSplit.CheckRange(epsilon, 0, double.PositiveInfinity, false, nameof(epsilon));
        ElementwiseSplit.CheckRange(weightDecay, 0, double.PositiveInfinity, false, nameof(weightDecay));
        ElementwiseSplit.CheckRange(momentumDecay, 0, double.PositiveInfinity, false, nameof(momentumDecay));

        // Scalars in double, in the order of PyTorch's Python expressions.
        double biasCorrection2 = 1.0 - Math.Pow(beta2, step);
        double mu = Mu(step, beta1, momentumDecay), muNext = Mu(step + 1.0, beta1, momentumDecay);
        double product = muProduct * mu;
        double productNext = product * muNext;
        muProduct = product;

        var update = new Update
        {
            Decay = decoupledWeightDecay ? (float)(1.0 - learningRate * weightDecay) : 1f,
            Couple = decoupledWeightDecay ? 0f : (float)weightDecay,
            OneMinusBeta1 = (float)(1.0 - beta1), Beta2 = (float)beta2, OneMinusBeta2 = (float)(1.0 - beta2),
            BiasCorrection2 = (float)biasCorrection2, Epsilon = (float)epsilon,
            GradientStep = (float)(-learningRate * (1.0 - mu) / (1.0 - product)),
            MomentumStep = (float)(-learningRate * muNext / (1.0 - productNext)),
        };
        fixed (float* p = parameters, g = gradients, mp = m, vp = v)
        {
            update.P = p; update.G = g; update.M = mp; update.V = vp;
            ElementwiseSplit.Run(&UpdateRange, &update, length);
        }
    }

    /// <summary>
    /// PyTorch's <c>mu_product</c> after <paramref name="step"/> steps, Π_{k=1..step} μ_k in double (1 for step 0): what
    /// <see cref="Step"/>'s <c>muProduct</c> holds after that many calls, to resume from a checkpoint without it. The
    /// loop stops once the product falls below 1e-20 (after a few hundred steps for β1 = 0.9), where 1 - product and
    /// 1 - product·μ_{t+1} are exactly 1 in double, so the update it gives is the carried product's.
    /// </summary>
    public static double MuProduct(int step, double beta1, double momentumDecay)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be >= 0.");
        double product = 1.0;
        for (int k = 1; k <= step && product >= 1e-20; k++) product *= Mu(k, beta1, momentumDecay);
        return product;
    }

    // μ_t = β1·(1 - 0.5·0.96^(t·ψ)), as PyTorch writes it.
    private static double Mu(double step, double beta1, double momentumDecay) => beta1 * (1.0 - 0.5 * Math.Pow(0.96, step * momentumDecay));

    private struct Update
    {
        public float* P, G, M, V;
        public float Decay, Couple, OneMinusBeta1, Beta2, OneMinusBeta2, BiasCorrection2, Epsilon, GradientStep, MomentumStep;
    }

    // Elements [start, end): Vector512 where accelerated, then Vector256, then scalar; the same float operations in
    // the same order in every width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(void* context, int start, int end)
    {
        ref Update u = ref *(Update*)context;
        float* pp = u.P, gp = u.G, mp = u.M, vp = u.V;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> decay = Vector512.Create(u.Decay), couple = Vector512.Create(u.Couple), b1 = Vector512.Create(u.OneMinusBeta1);
            Vector512<float> b2 = Vector512.Create(u.Beta2), ob2 = Vector512.Create(u.OneMinusBeta2), correction = Vector512.Create(u.BiasCorrection2);
            Vector512<float> eps = Vector512.Create(u.Epsilon), gradientStep = Vector512.Create(u.GradientStep), momentumStep = Vector512.Create(u.MomentumStep);
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
                Vector512<float> denominator = Vector512.Sqrt(vv / correction) + eps;
                p += gradientStep * (g / denominator);
                (p + momentumStep * (mv / denominator)).Store(pp + i);
            }
        }
        {
            Vector256<float> decay = Vector256.Create(u.Decay), couple = Vector256.Create(u.Couple), b1 = Vector256.Create(u.OneMinusBeta1);
            Vector256<float> b2 = Vector256.Create(u.Beta2), ob2 = Vector256.Create(u.OneMinusBeta2), correction = Vector256.Create(u.BiasCorrection2);
            Vector256<float> eps = Vector256.Create(u.Epsilon), gradientStep = Vector256.Create(u.GradientStep), momentumStep = Vector256.Create(u.MomentumStep);
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
                Vector256<float> denominator = Vector256.Sqrt(vv / correction) + eps;
                p += gradientStep * (g / denominator);
                (p + momentumStep * (mv / denominator)).Store(pp + i);
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
            float denominator = MathF.Sqrt(vv / u.BiasCorrection2) + u.Epsilon;
            p += u.GradientStep * (g / denominator);
            pp[i] = p + u.MomentumStep * (mv / denominator);
        }
    }
}
