using ILGPU;

namespace NetGen.Gpu.Kernels;

/// <summary>The hyperparameters of one Adam step, with the bias corrections computed on the host in double.</summary>
internal struct AdamStepArguments
{
    /// <summary>lr / (1 - β1^t).</summary>
    public float StepSize;

    /// <summary>1 / sqrt(1 - β2^t).</summary>
    public float InverseCorrection2Sqrt;

    /// <summary>β1, β2, ε and the (coupled, L2) weight decay.</summary>
    public float Beta1, Beta2, Epsilon, WeightDecay;
}

/// <summary>The hyperparameters of one SGD step.</summary>
internal struct SgdStepArguments
{
    /// <summary>lr, momentum μ and the L2 weight decay.</summary>
    public float LearningRate, Momentum, WeightDecay;

    /// <summary>1 for Nesterov momentum.</summary>
    public int Nesterov;
}

/// <summary>
/// Optimizer updates over the flat parameter buffer, one thread per parameter, with the same float operations in
/// the same order as <c>NetGen.Optimizers.Adam</c> and <c>Sgd</c> (the references), so both backends agree.
/// </summary>
internal static class OptimizerKernels
{
    // g = grad + wd·p;  m += (1-β1)(g - m);  v = β2·v + (1-β2)·g²;  p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
    /// <summary>One Adam (coupled weight decay, PyTorch's <c>Adam</c>) update of parameters index, index + stride, ... below count.</summary>
    internal static void Adam(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m,
        ArrayView<float> v, AdamStepArguments step, int count, int stride)
    {
        for (int i = index; i < count; i += stride) AdamOne(i, parameters, gradients, m, v, step);
    }

    private static void AdamOne(int index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m,
        ArrayView<float> v, AdamStepArguments step)
    {
        float p = parameters[index];
        float g = gradients[index] + step.WeightDecay * p;
        float mv = m[index];
        mv += (1f - step.Beta1) * (g - mv);
        m[index] = mv;
        float vv = step.Beta2 * v[index] + (1f - step.Beta2) * g * g;
        v[index] = vv;
        float denominator = MathF.Sqrt(vv) * step.InverseCorrection2Sqrt + step.Epsilon;
        parameters[index] = p - step.StepSize * mv / denominator;
    }

    // g = grad + wd·p;  v = μ·v + g;  p -= lr · (nesterov ? g + μ·v : v)     (p -= lr·g when μ = 0; velocity may be empty then)
    /// <summary>One SGD update (PyTorch's <c>SGD</c>, dampening 0) of parameters index, index + stride, ... below count.</summary>
    internal static void Sgd(Index1D index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> velocity,
        SgdStepArguments step, int count, int stride)
    {
        for (int i = index; i < count; i += stride) SgdOne(i, parameters, gradients, velocity, step);
    }

    private static void SgdOne(int index, ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> velocity,
        SgdStepArguments step)
    {
        float p = parameters[index];
        float g = gradients[index] + step.WeightDecay * p;
        if (step.Momentum == 0f)
        {
            parameters[index] = p - step.LearningRate * g;
            return;
        }

        float vv = step.Momentum * velocity[index] + g;
        velocity[index] = vv;
        parameters[index] = p - step.LearningRate * (step.Nesterov != 0 ? g + step.Momentum * vv : vv);
    }
}
