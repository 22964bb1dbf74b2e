using Xunit.Abstractions;

namespace NetGen.Gpu.Tests;

/// <summary>
/// The generated Gpu class, on ILGPU's CPU accelerator, computes what the SIMD CPU class computes: the same initial
/// parameters, forward outputs, losses, gradients, parameters and optimizer state after several training steps
/// (the last one on a partial batch), evaluation and prediction.
/// </summary>
/// <remarks>
/// Tolerances. The two backends run the same float operations except the order of the sums in the matrix products
/// (the SIMD GEMM sums in vector lanes, the device kernels one k at a time), exp/tanh (TensorPrimitives' vector
/// approximations against MathF) and the loss's log (double on the CPU, float on the device); the optimizer kernels
/// repeat the CPU's float operations in the same order (KernelTests checks them bit for bit). Each difference is a
/// few float ulps. Measured maxima of |cpu - gpu| over these six networks (5 steps, the last on a partial batch):
/// outputs 1.2e-7, losses 2.4e-7, gradients 7.5e-8, parameters 6.0e-8, optimizer state 1.2e-7, predictions 1.2e-7.
/// The tolerances leave 10x or more headroom and still fail on any real error (a wrong index or a missed term moves
/// values by 1e-3 or more). On a real GPU, where the compiler may fuse multiply-adds and exp/tanh are hardware
/// approximations, expect a few times more.
/// </remarks>
[Collection(GpuCollection.Name)]
public sealed class ParityTests(GpuDeviceFixture fixture, ITestOutputHelper output)
{
    private const int Steps = 5;

    // Forward outputs, losses and gradients: a few ulps of sums of up to 40 products (measured <= 2.4e-7).
    private const float OutputTolerance = 2e-6f;
    private const float GradientTolerance = 2e-6f;

    // Parameters and optimizer state after five steps: the per-step differences accumulate (measured <= 1.2e-7).
    private const float ParameterTolerance = 5e-6f;

    [Fact]
    public void ReluAdam_SoftmaxCrossEntropy_MatchesSimd()
    {
        var cpu = new ReluAdamNet();
        using var gpu = new ReluAdamNet.Gpu(fixture.Device);
        Check(cpu, gpu, ReluAdamNet.BatchSize, ReluAdamNet.InputSize, ReluAdamNet.OutputSize, classification: true);
    }

    [Fact]
    public void SigmoidTanhNoBias_SgdMomentum_SoftmaxCrossEntropy_MatchesSimd()
    {
        var cpu = new SigmoidTanhMomentumNet();
        using var gpu = new SigmoidTanhMomentumNet.Gpu(fixture.Device);
        Check(cpu, gpu, SigmoidTanhMomentumNet.BatchSize, SigmoidTanhMomentumNet.InputSize, SigmoidTanhMomentumNet.OutputSize, classification: true);
    }

    [Fact]
    public void Tanh_SgdNesterov_MeanSquaredError_MatchesSimd()
    {
        var cpu = new TanhNesterovRegression();
        using var gpu = new TanhNesterovRegression.Gpu(fixture.Device);
        Check(cpu, gpu, TanhNesterovRegression.BatchSize, TanhNesterovRegression.InputSize, TanhNesterovRegression.OutputSize, classification: false);
    }

    [Fact]
    public void IdentitySigmoid_PlainSgdWithWeightDecay_MeanSquaredError_MatchesSimd()
    {
        var cpu = new IdentityPlainSgdRegression();
        using var gpu = new IdentityPlainSgdRegression.Gpu(fixture.Device);
        Check(cpu, gpu, IdentityPlainSgdRegression.BatchSize, IdentityPlainSgdRegression.InputSize, IdentityPlainSgdRegression.OutputSize, classification: false);
    }

    [Fact]
    public void MultiTileShapes_Adam_MatchesSimd()
    {
        var cpu = new TiledNet();
        using var gpu = new TiledNet.Gpu(fixture.Device);
        Check(cpu, gpu, TiledNet.BatchSize, TiledNet.InputSize, TiledNet.OutputSize, classification: true);
    }

    [Fact]
    public void SharedMemoryTileKernels_TileEdges_MatchSimd()
    {
        // The 16 x 16 shared-memory kernels that CUDA and OpenCL run, on a CPU device with 256-thread groups.
        Assert.True(fixture.TiledDevice.Kernels.UsesSharedMemoryTiles);
        var cpu = new TileEdgeNet();
        using var gpu = new TileEdgeNet.Gpu(fixture.TiledDevice);
        Check(cpu, gpu, TileEdgeNet.BatchSize, TileEdgeNet.InputSize, TileEdgeNet.OutputSize, classification: true, steps: 2);
    }

    private void Check<TCpu, TGpu>(TCpu cpu, TGpu gpu, int batchSize, int inputSize, int outputSize, bool classification, int steps = Steps)
        where TCpu : ICpuNetwork
        where TGpu : IGpuNetwork
    {
        var random = new Random(batchSize * 1000 + inputSize);
        int parameterCount = cpu.Parameters.Length, stateCount = cpu.OptimizerState.Length;
        Assert.Equal(cpu.Parameters.ToArray(), Download(gpu.CopyParametersTo, parameterCount));

        float[] inputs = Uniform(random, batchSize * inputSize);
        float worstOutput = MaxDifference(cpu.Forward(inputs), gpu.Forward(inputs));
        Assert.True(worstOutput <= OutputTolerance, $"forward outputs differ by {worstOutput}");

        float worstLoss = 0f, worstGradient = 0f;
        for (int step = 1; step <= steps; step++)
        {
            int rows = step == steps ? batchSize - 1 : batchSize; // the last step is a partial batch
            if (rows == 0) rows = 1;
            float[] x = Uniform(random, rows * inputSize);
            int[] labels = Enumerable.Range(0, rows).Select(_ => random.Next(outputSize)).ToArray();
            float[] targets = Uniform(random, rows * outputSize);
            float cpuLoss = Train(cpu, x, classification ? labels : null, targets);
            float gpuLoss = Train(gpu, x, classification ? labels : null, targets);
            worstLoss = MathF.Max(worstLoss, MathF.Abs(cpuLoss - gpuLoss));
            worstGradient = MathF.Max(worstGradient, MaxDifference(cpu.Gradients, Download(gpu.CopyGradientsTo, parameterCount)));
        }

        float worstParameter = MaxDifference(cpu.Parameters, Download(gpu.CopyParametersTo, parameterCount));
        float worstState = MaxDifference(cpu.OptimizerState, Download(gpu.CopyOptimizerStateTo, stateCount));

        int samples = batchSize * 2 + 3; // two full chunks and a partial one
        float[] evaluationInputs = Uniform(random, samples * inputSize);
        int[] evaluationLabels = Enumerable.Range(0, samples).Select(_ => random.Next(outputSize)).ToArray();
        float[] evaluationTargets = Uniform(random, samples * outputSize);
        Evaluation cpuEvaluation = Evaluate(cpu, evaluationInputs, classification ? evaluationLabels : null, evaluationTargets);
        Evaluation gpuEvaluation = Evaluate(gpu, evaluationInputs, classification ? evaluationLabels : null, evaluationTargets);
        var cpuPredictions = new float[samples * outputSize];
        var gpuPredictions = new float[samples * outputSize];
        cpu.Predict(evaluationInputs, cpuPredictions);
        gpu.Predict(evaluationInputs, gpuPredictions);
        float worstPrediction = MaxDifference(cpuPredictions, gpuPredictions);

        output.WriteLine($"max |cpu - gpu|: output {worstOutput:G3}, loss {worstLoss:G3}, gradient {worstGradient:G3}, parameter {worstParameter:G3}, " +
                         $"optimizer state {worstState:G3}, prediction {worstPrediction:G3}, evaluation loss {Math.Abs(cpuEvaluation.Loss - gpuEvaluation.Loss):G3}");
        Assert.True(worstLoss <= OutputTolerance, $"losses differ by {worstLoss}");
        Assert.True(worstGradient <= GradientTolerance, $"gradients differ by {worstGradient}");
        Assert.True(worstParameter <= ParameterTolerance, $"parameters differ by {worstParameter} after {steps} steps");
        Assert.True(worstState <= ParameterTolerance, $"optimizer state differs by {worstState} after {steps} steps");
        Assert.True(worstPrediction <= OutputTolerance, $"predictions differ by {worstPrediction}");
        Assert.Equal(cpuEvaluation.Loss, gpuEvaluation.Loss, OutputTolerance);
        if (classification) Assert.Equal(cpuEvaluation.Accuracy, gpuEvaluation.Accuracy);
    }

    private static float Train(object network, float[] inputs, int[]? labels, float[] targets) =>
        labels is not null ? ((IClassifier)network).TrainStep(inputs, labels) : ((IRegressor)network).TrainStep(inputs, targets);

    private static Evaluation Evaluate(object network, float[] inputs, int[]? labels, float[] targets) =>
        labels is not null ? ((IClassifier)network).Evaluate(inputs, labels) : ((IRegressor)network).Evaluate(inputs, targets);

    private delegate void CopyTo(Span<float> target);

    private static float[] Download(CopyTo copy, int length)
    {
        var host = new float[length];
        copy(host);
        return host;
    }

    private static float[] Uniform(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static float MaxDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        return worst;
    }
}
