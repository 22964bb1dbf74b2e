using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>A named workload: how to build its step, the samples per step and the flops per step.</summary>
/// <param name="Name">The workload name, identical to the peers' names.</param>
/// <param name="Batch">Samples per step.</param>
/// <param name="Flops">Floating-point operations per step, counted as pytorch_peer.py counts them (training = 3x forward).</param>
/// <param name="CreateStep">Builds the network and its data once and returns one step.</param>
internal sealed record Workload(string Name, int Batch, double Flops, Func<Action> CreateStep);

/// <summary>The workloads, in the peers' order.</summary>
internal static class Workloads
{
    /// <summary>What the JSON lines name as the peer.</summary>
    public static string Peer => "netgen " + typeof(Dense).Assembly.GetName().Version!.ToString(3);

    public static readonly Workload[] All =
    [
        new("mlp_train 784-256-128-10 b64 adam", 64, MlpFlops([784, 256, 128, 10], 64, train: true), SmallTrain),
        new("mlp_train 784-1024-1024-10 b256 adam", 256, MlpFlops([784, 1024, 1024, 10], 256, train: true), BigTrain),
        new("mlp_infer 784-256-128-10 b1", 1, MlpFlops([784, 256, 128, 10], 1, train: false), () => SmallInfer(1)),
        new("mlp_infer_bf16 784-256-128-10 b1", 1, MlpFlops([784, 256, 128, 10], 1, train: false), SmallInferBfloat16),
        new("mlp_infer 784-256-128-10 b64", 64, MlpFlops([784, 256, 128, 10], 64, train: false), () => SmallInfer(64)),
        new("mlp_infer 784-1024-1024-10 b256", 256, MlpFlops([784, 1024, 1024, 10], 256, train: false), BigInfer),
        .. LeNetWorkloads.All,
        .. RecurrentWorkloads.All,
        .. GptWorkloads.All,
    ];

    // pytorch_peer.py's mlp_flops: 2·a·b per layer and sample, times 3 for a training step.
    private static double MlpFlops(int[] sizes, int batch, bool train)
    {
        double flops = 0;
        for (int i = 0; i + 1 < sizes.Length; i++) flops += 2.0 * sizes[i] * sizes[i + 1];
        flops *= batch;
        return train ? 3 * flops : flops;
    }

    private static Action SmallTrain()
    {
        var network = new SmallMlp();
        float[] inputs = RandomInputs(SmallMlp.BatchSize * SmallMlp.InputSize, seed: 1);
        int[] labels = RandomLabels(SmallMlp.BatchSize, SmallMlp.OutputSize, seed: 2);
        return () => network.TrainStep(inputs, labels);
    }

    private static Action BigTrain()
    {
        var network = new BigMlp();
        float[] inputs = RandomInputs(BigMlp.BatchSize * BigMlp.InputSize, seed: 1);
        int[] labels = RandomLabels(BigMlp.BatchSize, BigMlp.OutputSize, seed: 2);
        return () => network.TrainStep(inputs, labels);
    }

    private static Action SmallInfer(int batch)
    {
        var network = new SmallMlp();
        float[] inputs = RandomInputs(batch * SmallMlp.InputSize, seed: 1);
        float[] outputs = new float[batch * SmallMlp.OutputSize];
        return () => network.Predict(inputs, outputs);
    }

    private static Action SmallInferBfloat16()
    {
        var network = new Bfloat16Inference(new SmallMlp());
        float[] inputs = RandomInputs(SmallMlp.InputSize, seed: 1);
        float[] outputs = new float[SmallMlp.OutputSize];
        return () => network.Predict(inputs, outputs);
    }

    private static Action BigInfer()
    {
        var network = new BigMlp();
        float[] inputs = RandomInputs(BigMlp.BatchSize * BigMlp.InputSize, seed: 1);
        float[] outputs = new float[BigMlp.BatchSize * BigMlp.OutputSize];
        return () => network.Predict(inputs, outputs);
    }

    // Standard normal inputs, as torch.randn gives the peers.
    private static float[] RandomInputs(int length, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = rng.NextGaussian();
        return values;
    }

    private static int[] RandomLabels(int length, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var labels = new int[length];
        for (int i = 0; i < length; i++) labels[i] = rng.NextInt(classes);
        return labels;
    }
}
