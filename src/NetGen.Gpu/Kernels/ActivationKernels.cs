using ILGPU;

namespace NetGen.Gpu.Kernels;

/// <summary>
/// Element-wise activations, as <c>NetGen.Kernels.Activations</c> computes them on the CPU (the reference).
/// The forward is fused into the matrix product's epilogue (<see cref="Apply"/>); the backward is one kernel.
/// Activation codes are the values of <see cref="Activation"/>.
/// </summary>
internal static class ActivationKernels
{
    private const int Relu = (int)Activation.ReLU;
    private const int Sigmoid = (int)Activation.Sigmoid;
    private const int Tanh = (int)Activation.Tanh;

    // y = f(z): ReLU max(0, z) (NaN stays NaN), Sigmoid 1 / (1 + e^-z), Tanh tanh(z), Identity z.
    /// <summary>y = activation(z) for one value.</summary>
    internal static float Apply(int activation, float z)
    {
        if (activation == Relu) return z < 0f ? 0f : z;
        if (activation == Sigmoid) return 1f / (1f + MathF.Exp(-z));
        if (activation == Tanh) return MathF.Tanh(z);
        return z;
    }

    // dz[n] = dy[n] · f'(y[n]), in place on gradient[count]:
    // ReLU: y > 0 ? dy : 0;  Sigmoid: dy·y·(1 - y);  Tanh: dy·(1 - y²)   (each reads the output y only)
    /// <summary>
    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation), in place; thread <paramref name="index"/> handles
    /// elements index, index + stride, ... (one each on a GPU, where stride = count).
    /// </summary>
    internal static void Backward(Index1D index, ArrayView<float> output, ArrayView<float> gradient, int activation, int count, int stride)
    {
        for (int n = index; n < count; n += stride)
        {
            float y = output[n];
            float dy = gradient[n];
            if (activation == Relu) gradient[n] = y > 0f ? dy : 0f;
            else if (activation == Sigmoid) gradient[n] = dy * y * (1f - y);
            else if (activation == Tanh) gradient[n] = dy * (1f - y * y);
        }
    }
}
