using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, exactly as
/// <c>torch.optim.SGD</c> with dampening 0. One vectorized pass over the flat parameter buffer.
/// </summary>
public static class Sgd
{
    /// <summary>
    /// One update of every parameter:
    /// <code>
    /// g = grad + weightDecay·p
    /// v = momentum·v + g                         (skipped when momentum = 0)
    /// p -= lr · (nesterov ? g + momentum·v : v)  (p -= lr·g when momentum = 0)
    /// </code>
    /// The velocity buffer starts at zeros (then the first step gives v = g, as PyTorch's clone of the first gradient);
    /// it may be empty when <paramref name="momentum"/> is 0.
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity,
        float learningRate, float momentum, float weightDecay, bool nesterov)
    {
        int length = parameters.Length;
        if (gradients.Length != length)
            throw new ArgumentException($"gradients holds {gradients.Length} floats; expected {length} (one per parameter).", nameof(gradients));
        if (momentum != 0f && velocity.Length != length)
            throw new ArgumentException($"velocity holds {velocity.Length} floats; expected {length} (one per parameter) when momentum is {momentum}.", nameof(velocity));
        if (nesterov && momentum <= 0f)
            throw new ArgumentException($"Nesterov momentum needs momentum > 0 (got {momentum}).", nameof(nesterov));

        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float gr = ref MemoryMarshal.GetReference(gradients);
        int width = Vector256<float>.Count, i = 0;
        if (momentum == 0f)
        {
            Vector256<float> lr = Vector256.Create(learningRate), wd = Vector256.Create(weightDecay);
            for (; i <= length - width; i += width)
            {
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> g = Vector256.LoadUnsafe(ref gr, (nuint)i) + wd * pv;
                (pv - lr * g).StoreUnsafe(ref p, (nuint)i);
            }
            for (; i < length; i++)
            {
                float g = gradients[i] + weightDecay * parameters[i];
                parameters[i] -= learningRate * g;
            }
            return;
        }

        ref float v = ref MemoryMarshal.GetReference(velocity);
        {
            Vector256<float> lr = Vector256.Create(learningRate), wd = Vector256.Create(weightDecay), mu = Vector256.Create(momentum);
            for (; i <= length - width; i += width)
            {
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, (nuint)i);
                Vector256<float> g = Vector256.LoadUnsafe(ref gr, (nuint)i) + wd * pv;
                Vector256<float> vv = mu * Vector256.LoadUnsafe(ref v, (nuint)i) + g;
                vv.StoreUnsafe(ref v, (nuint)i);
                Vector256<float> direction = nesterov ? g + mu * vv : vv;
                (pv - lr * direction).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            float g = gradients[i] + weightDecay * parameters[i];
            float vv = momentum * velocity[i] + g;
            velocity[i] = vv;
            parameters[i] -= learningRate * (nesterov ? g + momentum * vv : vv);
        }
    }
}
