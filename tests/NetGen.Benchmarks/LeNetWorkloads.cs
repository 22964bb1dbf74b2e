namespace NetGen.Benchmarks;

/// <summary>
/// LeNet-5 exactly as the peers declare it (../shared/bench/pytorch_peer.py's and onnxruntime/models.py's LeNet):
/// conv 1->6 5x5 padding 2, ReLU, max pool 2; conv 6->16 5x5, ReLU, max pool 2; flatten; Linear 400-120-84-10 with
/// ReLU between; softmax cross-entropy; Adam at lr 1e-3, batch 64. Initialization differs from PyTorch's seed-0
/// weights, which changes no timing.
/// </summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class BenchLeNet5;

/// <summary>The LeNet-5 workloads: `lenet5_train b64 adam`, `lenet5_infer b1`, `lenet5_infer b64`.</summary>
internal static class LeNetWorkloads
{
    public static readonly Workload[] All =
    [
        new("lenet5_train b64 adam", 64, 3 * ForwardFlops(64), Train),
        new("lenet5_infer b1", 1, ForwardFlops(1), () => Infer(1)),
        new("lenet5_infer b64", 64, ForwardFlops(64), () => Infer(64)),
    ];

    // 2 flops per multiply-add of the two convolutions and three dense layers, per sample; a training step counts 3
    // forward passes, as pytorch_peer.py counts the MLPs (it reports no flops for LeNet).
    private static double ForwardFlops(int batch)
    {
        double conv1 = 6.0 * 28 * 28 * (1 * 5 * 5);
        double conv2 = 16.0 * 10 * 10 * (6 * 5 * 5);
        double dense = 400.0 * 120 + 120 * 84 + 84 * 10;
        return 2 * (conv1 + conv2 + dense) * batch;
    }

    private static Action Train()
    {
        var network = new BenchLeNet5();
        float[] inputs = Gaussian(BenchLeNet5.BatchSize * BenchLeNet5.InputSize, seed: 1);
        int[] labels = new int[BenchLeNet5.BatchSize];
        var rng = new Rng(2);
        for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextInt(BenchLeNet5.OutputSize);
        return () => network.TrainStep(inputs, labels);
    }

    private static Action Infer(int batch)
    {
        var network = new BenchLeNet5();
        float[] inputs = Gaussian(batch * BenchLeNet5.InputSize, seed: 1);
        float[] outputs = new float[batch * BenchLeNet5.OutputSize];
        return () => network.Predict(inputs, outputs);
    }

    // Standard normal inputs, as torch.randn gives the peers.
    private static float[] Gaussian(int length, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextGaussian();
        return values;
    }
}
