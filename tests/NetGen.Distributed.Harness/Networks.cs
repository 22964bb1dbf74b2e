using NetGen.Kernels;

namespace NetGen.Distributed.Harness;

// The networks the distributed tests and the benchmark train. Each opts into IDataParallelNetwork<int>;
// ComputeGradients is written here from public generated members (ZeroGradients, Forward, the softmax
// cross-entropy kernel, Backward) until the generator emits it. It is an explicit interface implementation,
// so a generated public ComputeGradients will not collide with it.

/// <summary>Parity test network with Adam, the optimizer most sensitive to gradient rounding (it normalizes each update).</summary>
[Network(BatchSize = 64, Seed = 7)]
[Input(48)]
[Dense(32, Activation.ReLU)]
[Dense(16, Activation.Tanh)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class ParityAdamMlp : IDataParallelNetwork<int>
{
    private readonly float[] _logitGradient = new float[BatchSize * OutputSize];

    float IDataParallelNetwork<int>.ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets)
    {
        ZeroGradients();
        float loss = GradientsOfSoftmaxCrossEntropy.Logits(Forward(inputs), targets, _logitGradient, OutputSize);
        Backward(inputs, _logitGradient.AsSpan(0, targets.Length * OutputSize));
        return loss;
    }
}

/// <summary>Parity test network with SGD and momentum; also the "other" network of the parameter-count mismatch test.</summary>
[Network(BatchSize = 64, Seed = 7)]
[Input(48)]
[Dense(24, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class ParitySgdMlp : IDataParallelNetwork<int>
{
    private readonly float[] _logitGradient = new float[BatchSize * OutputSize];

    float IDataParallelNetwork<int>.ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets)
    {
        ZeroGradients();
        float loss = GradientsOfSoftmaxCrossEntropy.Logits(Forward(inputs), targets, _logitGradient, OutputSize);
        Backward(inputs, _logitGradient.AsSpan(0, targets.Length * OutputSize));
        return loss;
    }
}

/// <summary>The benchmark workload of pytorch_peer.py: <c>mlp_train 784-1024-1024-10 b256 adam</c>.</summary>
[Network(BatchSize = 256, Seed = 1)]
[Input(784)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class BenchMlp : IDataParallelNetwork<int>
{
    private readonly float[] _logitGradient = new float[BatchSize * OutputSize];

    float IDataParallelNetwork<int>.ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets)
    {
        ZeroGradients();
        float loss = GradientsOfSoftmaxCrossEntropy.Logits(Forward(inputs), targets, _logitGradient, OutputSize);
        Backward(inputs, _logitGradient.AsSpan(0, targets.Length * OutputSize));
        return loss;
    }
}

/// <summary>The loss half of ComputeGradients: what the generated TrainStep's LossCore does, from public kernels.</summary>
internal static class GradientsOfSoftmaxCrossEntropy
{
    // loss = mean over rows of -log softmax(logits)[label];  dlogits[rows, classes] = (softmax - onehot) / rows
    public static float Logits(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> logitGradient, int classes)
    {
        int rows = labels.Length;
        float loss = Losses.SoftmaxCrossEntropy(logits, labels, logitGradient[..(rows * classes)], rows, classes);
        if (!float.IsFinite(loss)) throw new InvalidOperationException($"the loss is {loss}: lower the learning rate or check the inputs.");
        return loss;
    }
}
