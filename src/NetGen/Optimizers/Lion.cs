using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Lion (evolved sign momentum, Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"). torch.optim has no
/// Lion: this is the paper's PyTorch implementation (google/automl <c>lion/lion_pytorch.py</c>, which the
/// <c>lion-pytorch</c> package copies), with its decoupled weight decay. One vectorized pass over the flat buffers, split
/// across the cores when they are large.
/// </summary>
/// <remarks>
/// State: one buffer of one float per parameter, starting at zeros, <c>exp_avg</c> (<c>m</c>) in the
/// <c>state_dict</c>; no step count. Every update moves each parameter by exactly ±lr (or 0 where the interpolation is
/// 0) besides the decay, so Lion's learning rate is usually 3-10x smaller than AdamW's and its weight decay that much
/// larger. Hyperparameters are doubles as in the other optimizers here (Python floats in PyTorch).
/// </remarks>
public static unsafe class Lion
{
    /// <summary>
    /// One update of every parameter:
    /// <code>
    /// p *= 1 - lr·wd                             (decoupled weight decay)
    /// p -= lr·sign(β1·m + (1-β1)·grad)           (sign(0) = 0)
    /// m = β2·m + (1-β2)·grad                     (exp_avg)
    /// </code>
    /// The reference implementation's defaults: lr = 1e-4, β1 = 0.9, β2 = 0.99, wd = 0.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside the range the reference implementation accepts.</exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m,
        double learningRate, double beta1, double beta2, double weightDecay)
    {
        int length = parameters.Length;
        ElementwiseSplit.CheckLength(gradients.Length, length, nameof(gradients));
        ElementwiseSplit.CheckLength(m.Length, length, nameof(m));
        ElementwiseSplit.CheckRange(learningRate, 0, double.PositiveInfinity, false, nameof(learningRate));
        ElementwiseSplit.CheckRange(beta1, 0, 1, false, nameof(beta1));
        ElementwiseSplit.CheckRange(beta2, 0, 1, false, nameof(beta2));
        ElementwiseSplit.CheckRange(weightDecay, 0, double.PositiveInfinity, false, nameof(weightDecay));

        var update = new Update
        {
            Decay = (float)(1.0 - learningRate * weightDecay), LearningRate = (float)learningRate,
            Beta1 = (float)beta1, OneMinusBeta1 = (float)(1.0 - beta1), Beta2 = (float)beta2, OneMinusBeta2 = (float)(1.0 - beta2),
        };
        fixed (float* p = parameters, g = gradients, mp = m)
        {
            update.P = p; update.G = g; update.M = mp;
            ElementwiseSplit.Run(&UpdateRange, &update, length);
        }
    }

    private struct Update
    {
        public float* P, G, M;
        public float Decay, LearningRate, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2;
    }

    // Elements [start, end): Vector512 where accelerated, then Vector256, then scalar; the same float operations in
    // the same order in every width. sign(x) = (x > 0) - (x < 0), as ATen's.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(void* context, int start, int end)
    {
        ref Update u = ref *(Update*)context;
        float* pp = u.P, gp = u.G, mp = u.M;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> decay = Vector512.Create(u.Decay), lr = Vector512.Create(u.LearningRate), one = Vector512<float>.One, zero = Vector512<float>.Zero;
            Vector512<float> b1 = Vector512.Create(u.Beta1), ob1 = Vector512.Create(u.OneMinusBeta1), b2 = Vector512.Create(u.Beta2), ob2 = Vector512.Create(u.OneMinusBeta2);
            for (; i <= end - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> g = Vector512.Load(gp + i), mv = Vector512.Load(mp + i);
                Vector512<float> interpolation = mv * b1 + g * ob1;
                Vector512<float> sign = (Vector512.GreaterThan(interpolation, zero) & one) - (Vector512.LessThan(interpolation, zero) & one);
                (Vector512.Load(pp + i) * decay - lr * sign).Store(pp + i);
                (mv * b2 + ob2 * g).Store(mp + i);
            }
        }
        {
            Vector256<float> decay = Vector256.Create(u.Decay), lr = Vector256.Create(u.LearningRate), one = Vector256<float>.One, zero = Vector256<float>.Zero;
            Vector256<float> b1 = Vector256.Create(u.Beta1), ob1 = Vector256.Create(u.OneMinusBeta1), b2 = Vector256.Create(u.Beta2), ob2 = Vector256.Create(u.OneMinusBeta2);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> g = Vector256.Load(gp + i), mv = Vector256.Load(mp + i);
                Vector256<float> interpolation = mv * b1 + g * ob1;
                Vector256<float> sign = (Vector256.GreaterThan(interpolation, zero) & one) - (Vector256.LessThan(interpolation, zero) & one);
                (Vector256.Load(pp + i) * decay - lr * sign).Store(pp + i);
                (mv * b2 + ob2 * g).Store(mp + i);
            }
        }
        for (; i < end; i++)
        {
            float g = gp[i], mv = mp[i];
            float interpolation = mv * u.Beta1 + g * u.OneMinusBeta1;
            float sign = (interpolation > 0f ? 1f : 0f) - (interpolation < 0f ? 1f : 0f);
            pp[i] = pp[i] * u.Decay - u.LearningRate * sign;
            mp[i] = mv * u.Beta2 + u.OneMinusBeta2 * g;
        }
    }
}
