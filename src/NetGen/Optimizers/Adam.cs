using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Adam and AdamW (and their AMSGrad variants) exactly as <c>torch.optim.Adam</c> / <c>torch.optim.AdamW</c>
/// (non-fused, non-capturable path). One vectorized pass over the flat parameter buffer, split across the cores
/// when the buffer is large (results do not depend on the split).
/// </summary>
public static unsafe class Adam
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
    /// <remarks>
    /// The settings arrive as floats, so <c>1 - β2</c> is formed from the float nearest 0.999
    /// (0.99900001287...) and is 0.00099998713, 1.3e-5 (relative) off PyTorch's 0.001: the saved second moment then drifts
    /// from PyTorch's by that much. Call
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, float, double, double, double, double, bool)"/>
    /// with the settings as written (doubles) to match PyTorch. This overload is that one with the floats widened, bit for bit the
    /// update it always made.
    /// </remarks>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, Span<float> vMax,
        int step, float learningRate, float beta1, float beta2, float epsilon, float weightDecay, bool decoupledWeightDecay) =>
        Step(parameters, gradients, m, v, vMax, step, learningRate, (double)beta1, (double)beta2, (double)epsilon, (double)weightDecay,
            decoupledWeightDecay);

    /// <summary>
    /// One update of every parameter, as
    /// <see cref="Step(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, float, float, float, float, float, bool)"/>,
    /// with the settings in double: every constant of the update (<c>1 - β1</c>, <c>1 - β2</c>, the bias corrections,
    /// <c>1 - lr·wd</c>) is formed in double from the settings as written and only then rounded to float, as PyTorch
    /// forms them in Python floats before its float32 kernels run. With β2 = 0.999, <c>1 - β2</c> is 0.001 (not
    /// 0.00099998713), so the second moment <c>v</c> a checkpoint carries is PyTorch's <c>exp_avg_sq</c> to float rounding.
    /// </summary>
    /// <exception cref="ArgumentException">A buffer's length differs from <paramref name="parameters"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is less than 1.</exception>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v, Span<float> vMax,
        int step, float learningRate, double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay)
    {
        int length = parameters.Length;
        CheckLength(gradients.Length, length, nameof(gradients));
        CheckLength(m.Length, length, nameof(m));
        CheckLength(v.Length, length, nameof(v));
        bool amsgrad = !vMax.IsEmpty;
        if (amsgrad) CheckLength(vMax.Length, length, nameof(vMax));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is 1-based: pass 1 on the first update.");

        // Scalars in double, as PyTorch computes them in Python floats; each rounded to float once, where the
        // float32 kernel receives it (PyTorch casts a Python scalar to the tensor's float type the same way).
        double biasCorrection1 = 1.0 - Math.Pow(beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1.0 - Math.Pow(beta2, step));
        float stepSize = (float)(learningRate / biasCorrection1);
        float inverseCorrection2Sqrt = (float)(1.0 / biasCorrection2Sqrt);
        float decay = decoupledWeightDecay ? (float)(1.0 - learningRate * weightDecay) : 1f;
        float couple = decoupledWeightDecay ? 0f : (float)weightDecay;
        float oneMinusBeta1 = (float)(1.0 - beta1), oneMinusBeta2 = (float)(1.0 - beta2);

        var update = new Update
        {
            Decay = decay, Couple = couple, OneMinusBeta1 = oneMinusBeta1, Beta2 = (float)beta2, OneMinusBeta2 = oneMinusBeta2,
            StepSize = stepSize, InverseCorrection2Sqrt = inverseCorrection2Sqrt, Epsilon = (float)epsilon, Length = length, Amsgrad = amsgrad,
        };
        fixed (float* p = parameters, g = gradients, mp = m, vp = v, vMaxP = vMax)
        {
            update.P = p; update.G = g; update.M = mp; update.V = vp; update.VMax = vMaxP;
            // Large buffers split across the cores in chunks of whole vectors: every element is updated by the same
            // operations whatever the split, so results do not depend on the thread count.
            if (length >= ParallelThreshold)
            {
                var pool = Threading.WorkerPool.Shared;
                if (pool.Parallelism > 1)
                {
                    // Two parts per thread for the largest buffers: each thread updates its own share first (the same
                    // range every step, still in its core's L2), and a thread whose core is taken by another process
                    // leaves its second part to the others.
                    pool.Run(&UpdatePart, &update, pool.Parallelism * (length >= 4 * ParallelThreshold ? 2 : 1));
                    return;
                }
            }
            UpdateRange(ref update, 0, length);
        }
    }

    /// <summary>Buffers with at least this many parameters are updated by all the cores.</summary>
    internal const int ParallelThreshold = 1 << 17;

    // The scalars and buffers of one update, shared by its threads through a pointer to the caller's stack.
    private struct Update
    {
        public float* P, G, M, V, VMax;
        public float Decay, Couple, OneMinusBeta1, Beta2, OneMinusBeta2, StepSize, InverseCorrection2Sqrt, Epsilon;
        public int Length;
        public bool Amsgrad;
    }

    private static void UpdatePart(void* context, int part, int parts)
    {
        ref Update u = ref *(Update*)context;
        const int Chunk = 64;   // floats: whole Vector512s and whole cache lines per part
        int chunks = (u.Length + Chunk - 1) / Chunk;
        int start = (int)((long)chunks * part / parts) * Chunk;
        int end = Math.Min(u.Length, (int)((long)chunks * (part + 1) / parts) * Chunk);
        if (start < end) UpdateRange(ref u, start, end);
    }

    // The update of elements [start, end): Vector512 where accelerated, else Vector256, then scalar; the same
    // operations in the same order in every width, so the width does not change a result.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateRange(ref Update u, int start, int end)
    {
        float* pp = u.P, gp = u.G, mp = u.M, vp = u.V, vMaxP = u.VMax;
        bool amsgrad = u.Amsgrad;
        int i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> decayV = Vector512.Create(u.Decay), coupleV = Vector512.Create(u.Couple);
            Vector512<float> b1 = Vector512.Create(u.OneMinusBeta1), b2 = Vector512.Create(u.Beta2), ob2 = Vector512.Create(u.OneMinusBeta2);
            Vector512<float> stepSizeV = Vector512.Create(u.StepSize), correction = Vector512.Create(u.InverseCorrection2Sqrt), eps = Vector512.Create(u.Epsilon);
            for (; i <= end - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> p = Vector512.Load(pp + i);
                Vector512<float> g = Vector512.Load(gp + i) + coupleV * p;
                p *= decayV;
                Vector512<float> mv = Vector512.Load(mp + i);
                mv += b1 * (g - mv);
                mv.Store(mp + i);
                Vector512<float> vv = b2 * Vector512.Load(vp + i) + ob2 * g * g;
                vv.Store(vp + i);
                if (amsgrad)
                {
                    vv = Vector512.Max(Vector512.Load(vMaxP + i), vv);
                    vv.Store(vMaxP + i);
                }
                Vector512<float> denominator = Vector512.Sqrt(vv) * correction + eps;
                (p - stepSizeV * mv / denominator).Store(pp + i);
            }
        }
        {
            Vector256<float> decayV = Vector256.Create(u.Decay), coupleV = Vector256.Create(u.Couple);
            Vector256<float> b1 = Vector256.Create(u.OneMinusBeta1), b2 = Vector256.Create(u.Beta2), ob2 = Vector256.Create(u.OneMinusBeta2);
            Vector256<float> stepSizeV = Vector256.Create(u.StepSize), correction = Vector256.Create(u.InverseCorrection2Sqrt), eps = Vector256.Create(u.Epsilon);
            for (; i <= end - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> p = Vector256.Load(pp + i);
                Vector256<float> g = Vector256.Load(gp + i) + coupleV * p;
                p *= decayV;
                Vector256<float> mv = Vector256.Load(mp + i);
                mv += b1 * (g - mv);
                mv.Store(mp + i);
                Vector256<float> vv = b2 * Vector256.Load(vp + i) + ob2 * g * g;
                vv.Store(vp + i);
                if (amsgrad)
                {
                    vv = Vector256.Max(Vector256.Load(vMaxP + i), vv);
                    vv.Store(vMaxP + i);
                }
                Vector256<float> denominator = Vector256.Sqrt(vv) * correction + eps;
                (p - stepSizeV * mv / denominator).Store(pp + i);
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
            if (amsgrad)
            {
                vv = MathF.Max(vMaxP[i], vv);
                vMaxP[i] = vv;
            }
            float denominator = MathF.Sqrt(vv) * u.InverseCorrection2Sqrt + u.Epsilon;
            pp[i] = p - u.StepSize * mv / denominator;
        }
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats; expected {expected} (one per parameter).", name);
    }
}
