using NetGen.Kernels;
using NetGen.Optimizers;

namespace NetGen.Tests.Networks;

/// <summary>
/// The cures wired into generated networks: every new layer's backward through the network, the optimizers and
/// schedules as the update rules say, clipping, penalties, dropout and batch-norm modes.
/// </summary>
public class CureNetworkTests
{
    private static (float[] Inputs, int[] Labels) Batch(int rows, int inputs, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[rows * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextUniform(-1.5f, 1.5f);
        var y = new int[rows];
        for (int i = 0; i < rows; i++) y[i] = rng.NextInt(classes);
        return (x, y);
    }

    /// <summary>
    /// Batch norm in training mode, dropout with its mask replayed (the random state is restored before every
    /// evaluation), layer norm, every new activation, L1 on one layer and network-wide L2: the analytic gradient
    /// against central differences of ComputeLoss (which includes the penalties). Float forward passes with
    /// eps = 1e-2: agreement to about 1e-3 relative; L1's kink and the activations' curvature stay well inside
    /// the tolerance for these inputs, while a wiring error is off by O(1).
    /// </summary>
    [Fact]
    public void Backward_WithNormalizationDropoutAndPenalties_MatchesFiniteDifferences()
    {
        var net = new CureGradientNet();
        (float[] x, int[] y) = Batch(CureGradientNet.BatchSize, CureGradientNet.InputSize, CureGradientNet.OutputSize, 8);
        Rng start = net.DropoutRandom;
        net.ComputeGradients(x, y);
        float[] analytic = net.Gradients.ToArray();

        int checkedCount = NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic,
            () =>
            {
                net.DropoutRandom = start;
                return net.ComputeLoss(x, y);
            },
            absolute: 3e-3, relative: 3e-2,
            skip: (p, w) => p < 5 * 7 && Math.Abs(w) < 1e-2f); // L1 weights near 0: |w| is not differentiable there
        Assert.True(checkedCount > CureGradientNet.ParameterCount * 9 / 10);
    }

    [Fact]
    public void Dropout_IsActiveInTrainingOnly_AndReproducibleFromTheSeed()
    {
        var a = new CureGradientNet();
        var b = new CureGradientNet();
        (float[] x, int[] y) = Batch(CureGradientNet.BatchSize, CureGradientNet.InputSize, CureGradientNet.OutputSize, 3);
        float first = a.ComputeLoss(x, y);
        float second = a.ComputeLoss(x, y);
        Assert.NotEqual(first, second);            // a new mask each forward pass
        Assert.Equal(first, b.ComputeLoss(x, y));  // the same seed gives the same masks

        var p1 = new float[x.Length / CureGradientNet.InputSize * CureGradientNet.OutputSize];
        var p2 = new float[p1.Length];
        a.Predict(x, p1);
        a.Predict(x, p2);
        Assert.Equal(p1, p2);                      // inference: no dropout, running statistics
    }

    [Fact]
    public void BatchNorm_UpdatesRunningStatisticsInTraining_AndUsesThemInInference()
    {
        var net = new CureGradientNet();
        Assert.True(net.BatchNorm1RunningVariance.ToArray().All(v => v == 1f));
        (float[] x, int[] y) = Batch(CureGradientNet.BatchSize, CureGradientNet.InputSize, CureGradientNet.OutputSize, 5);
        float[] before = net.Statistics.ToArray();
        net.Evaluate(x, y);
        Assert.Equal(before, net.Statistics.ToArray());   // inference leaves them alone
        net.TrainStep(x, y);
        Assert.NotEqual(before, net.Statistics.ToArray()); // momentum 0.1 towards the batch statistics
        net.ResetParameters();
        Assert.Equal(before, net.Statistics.ToArray());
    }

    [Fact]
    public void AdamW_Step_MatchesTheKernelFormula_AfterNormClipping()
    {
        var net = new AdamWClippedNet();
        (float[] x, int[] y) = Batch(4, 3, 2, 11);
        for (int step = 1; step <= 5; step++)
        {
            float[] parameters = net.Parameters.ToArray();
            float[] state = net.OptimizerState.ToArray();
            net.ComputeGradients(x, y);
            float[] gradients = net.Gradients.ToArray();
            float norm = Regularization.ClipByGlobalNorm(gradients, 0.5f);
            net.OptimizerStep();

            int n = AdamWClippedNet.ParameterCount;
            float lr = ExpectedWarmupCosine(step - 1);
            Adam.Step(parameters, gradients, state.AsSpan(0, n), state.AsSpan(n, n), state.AsSpan(2 * n, n), step, lr, 0.9f, 0.999f, 1e-8f, 0.1f, decoupledWeightDecay: true);
            Assert.Equal(norm, net.LastGradientNorm, 5);
            Assert.Equal(lr, net.CurrentLearningRate, 6);
            AssertClose(parameters, net.Parameters.ToArray());
        }
    }

    /// <summary>
    /// The network's update against the kernel applied by hand: the same formula, so only rounding may differ
    /// (the kernels' vector bodies fuse multiply-adds that their scalar tails do not): 1e-6 relative.
    /// </summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6f * Math.Max(1f, Math.Abs(expected[i])), $"parameter {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>LinearWarmup(4 steps from 0.25) then CosineAnnealing(10 steps to 0.001) on lr 0.01, as PyTorch's LinearLR and CosineAnnealingLR.</summary>
    private static float ExpectedWarmupCosine(int step)
    {
        if (step < 4) return 0.01f * (float)(0.25 + 0.75 * step / 4.0);
        int t = Math.Min(step - 4, 10);
        return (float)(0.001 + (0.01 - 0.001) * (1 + Math.Cos(Math.PI * t / 10)) / 2);
    }

    [Fact]
    public void RmsProp_WithStepDecayAndPlateau_MatchesTheKernelFormula()
    {
        var net = new RmsPropNet();
        (float[] x, int[] y) = Batch(4, 3, 2, 12);
        double plateau = 1;
        for (int step = 1; step <= 7; step++)
        {
            if (step == 4)
            {
                net.ReportValidationLoss(1.0);
                net.ReportValidationLoss(1.0);
                plateau = net.ReportValidationLoss(1.0);  // more than patience (1) reports without improvement: halve (PyTorch)
                Assert.Equal(0.5, plateau);
            }

            float[] parameters = net.Parameters.ToArray();
            float[] state = net.OptimizerState.ToArray();
            net.ComputeGradients(x, y);
            float[] gradients = net.Gradients.ToArray();
            net.OptimizerStep();
            int n = RmsPropNet.ParameterCount;
            float lr = (float)(0.01 * Math.Pow(0.5, (step - 1) / 3) * plateau);
            RmsProp.Step(parameters, gradients, state.AsSpan(0, n), state.AsSpan(n, n), state.AsSpan(2 * n, n), lr, 0.99f, 1e-8f, 0f, 0.9f, centered: true);
            Assert.Equal(lr, net.CurrentLearningRate, 6);
            AssertClose(parameters, net.Parameters.ToArray());
        }
    }

    [Fact]
    public void Adagrad_WithExponentialDecayAndValueClipping_MatchesTheKernelFormula()
    {
        var net = new AdagradNet();
        (float[] x, int[] y) = Batch(4, 3, 2, 13);
        for (int step = 1; step <= 4; step++)
        {
            float[] parameters = net.Parameters.ToArray();
            float[] state = net.OptimizerState.ToArray();
            net.ComputeGradients(x, y);
            float[] gradients = net.Gradients.ToArray();
            Regularization.ClipByValue(gradients, 0.01f);
            net.OptimizerStep();
            float lr = (float)(0.1 * Math.Pow(0.9, step - 1));
            Adagrad.Step(parameters, gradients, state, step, lr, 0.01f, 0f, 1e-10f);
            AssertClose(parameters, net.Parameters.ToArray());
            Assert.All(net.Gradients.ToArray(), g => Assert.InRange(g, -0.01f, 0.01f));
        }
    }

    [Fact]
    public void SoftmaxLayer_BackpropagatesThroughMeanSquaredError()
    {
        var net = new SoftmaxOutputNet();
        (float[] x, _) = Batch(4, 3, 3, 14);
        var targets = new float[4 * 3];
        for (int i = 0; i < 4; i++) targets[3 * i + i % 3] = 1;
        net.ComputeGradients(x, targets);
        NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, net.Gradients.ToArray(), () => net.ComputeLoss(x, targets), absolute: 1e-3);
    }

    [Fact]
    public void GradientNorms_PerLayer_AddUpToTheGlobalNorm()
    {
        var net = new CureGradientNet();
        (float[] x, int[] y) = Batch(CureGradientNet.BatchSize, CureGradientNet.InputSize, CureGradientNet.OutputSize, 9);
        net.TrainStep(x, y);
        var norms = new float[CureGradientNet.ParameterLayers.Count];
        net.GradientNorms(norms);
        Assert.Equal(["Dense1", "BatchNorm1", "Dense2", "LayerNorm1", "Dense3", "Dense4", "Dense5", "Dense6", "Dense7"], CureGradientNet.ParameterLayers);
        double total = Math.Sqrt(norms.Sum(n => (double)n * n));
        Assert.Equal(net.GradientNorm(), total, 4);

        var health = new NetGen.Training.GradientHealth(CureGradientNet.ParameterLayers);
        net.GradientNorms(health.Norms);
        Assert.Equal(0, health.Check(net.StepCount));
    }

    [Fact]
    public void TrainStep_WithDropoutAndBatchNorm_AllocatesNothing()
    {
        var net = new CureGradientNet();
        (float[] x, int[] y) = Batch(CureGradientNet.BatchSize, CureGradientNet.InputSize, CureGradientNet.OutputSize, 10);
        for (int i = 0; i < 3; i++) net.TrainStep(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.TrainStep(x, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public class CheckpointNetworkTests
{
    [Fact]
    public void SaveThenLoad_RestoresParametersOptimizerStateStatisticsAndStep()
    {
        var net = new CureGradientNet();
        var rng = new Rng(1);
        var x = new float[CureGradientNet.BatchSize * CureGradientNet.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextUniform(-1, 1);
        int[] y = [0, 1, 2, 0, 1, 2];
        for (int i = 0; i < 3; i++) net.TrainStep(x, y);

        string folder = Path.Combine(Path.GetTempPath(), "netgen-checkpoint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "cure.safetensors");
            net.SaveCheckpoint(path);
            var copy = new CureGradientNet();
            copy.LoadCheckpoint(path);
            Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());
            Assert.Equal(net.OptimizerState.ToArray(), copy.OptimizerState.ToArray());
            Assert.Equal(net.Statistics.ToArray(), copy.Statistics.ToArray());
            Assert.Equal(net.StepCount, copy.StepCount);
            var names = NetGen.Checkpoints.Safetensors.Load(path).Tensors.Select(t => t.Name).ToArray();
            Assert.Contains("dense1.weight", names);
            Assert.Contains("batchnorm1.running_var", names);
            Assert.Contains("optimizer.exp_avg.dense7.bias", names);

            var other = new SmallMnistNet();
            var e = Assert.ThrowsAny<Exception>(() => other.LoadCheckpoint(path));
            Assert.Contains("dense1.weight", e.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
