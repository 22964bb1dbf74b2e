using NetGen.Data;

namespace NetGen.Tests.Networks;

/// <summary>Generated networks learn, backpropagate correctly end to end, allocate nothing per step, and reject bad input clearly.</summary>
public class GeneratedNetworkTests
{
    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly int[] XorLabels = [0, 1, 1, 0];

    [Fact]
    public void Xor_LearnsToFullAccuracy()
    {
        var net = new XorNet();
        float first = net.TrainStep(XorInputs, XorLabels);
        float last = first;
        for (int step = 0; step < 300; step++) last = net.TrainStep(XorInputs, XorLabels);

        Assert.True(last < first / 10, $"loss went from {first} to {last}");
        Assert.Equal(1.0, net.Evaluate(XorInputs, XorLabels).Accuracy);
        Assert.Equal(1, net.PredictClass([0f, 1f]));
        Assert.Equal(0, net.PredictClass([1f, 1f]));
    }

    [Fact]
    public void Regression_MeanSquaredErrorFalls()
    {
        // y = (x0 + 2 x1 - x2, x0 * x1), a smooth target the small tanh net can fit.
        var rng = new Rng(9);
        var x = new float[64 * 3];
        var y = new float[64 * 2];
        for (int i = 0; i < 64; i++)
        {
            float a = rng.NextUniform(-1, 1), b = rng.NextUniform(-1, 1), c = rng.NextUniform(-1, 1);
            (x[3 * i], x[3 * i + 1], x[3 * i + 2]) = (a, b, c);
            (y[2 * i], y[2 * i + 1]) = (a + 2 * b - c, a * b);
        }

        var net = new RegressionNet();
        double before = net.Evaluate(x, y).Loss;
        for (int epoch = 0; epoch < 200; epoch++)
        {
            for (int start = 0; start < 64; start += RegressionNet.BatchSize)
            {
                net.TrainStep(x.AsSpan(start * 3, RegressionNet.BatchSize * 3), y.AsSpan(start * 2, RegressionNet.BatchSize * 2));
            }
        }

        Evaluation after = net.Evaluate(x, y);
        Assert.True(after.Loss < before / 20, $"MSE went from {before} to {after.Loss}");
        Assert.True(double.IsNaN(after.Accuracy));
    }

    [Fact]
    public void MnistSlice_ReachesNinetyPercent()
    {
        MnistDataset data = MnistDataset.Load(TestPaths.MnistFolder);
        var net = new SmallMnistNet();
        var batches = new MiniBatches<int>(data.TrainImages, data.TrainLabels, MnistDataset.ImageSize, 1, SmallMnistNet.BatchSize, seed: 1);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            batches.StartEpoch(epoch);
            for (int b = 0; b < batches.BatchCount; b++)
            {
                batches.GetBatch(b, out var images, out var labels);
                net.TrainStep(images, labels);
            }
        }

        double accuracy = net.Evaluate(data.TestImages, data.TestLabels).Accuracy;
        Assert.True(accuracy > 0.90, $"test accuracy {accuracy:P2}");
    }

    /// <summary>
    /// The generated wiring (buffers, layer order, activation backward in place, Flatten aliasing, no-bias layers)
    /// against central differences of the network's own loss, for every parameter.
    /// Tolerance: float forward passes with eps = 1e-2 give differences accurate to about 1e-3 relative;
    /// a wiring bug is off by O(1).
    /// </summary>
    [Fact]
    public void Backward_MatchesFiniteDifferencesOfTheLoss_ForEveryParameter()
    {
        var net = new GradientCheckNet();
        var rng = new Rng(4);
        var inputs = new float[GradientCheckNet.BatchSize * GradientCheckNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        int[] labels = [0, 2, 1, 1, 0];

        ReadOnlySpan<float> logits = net.Forward(inputs);
        var dlogits = new float[logits.Length];
        NetGen.Kernels.Losses.SoftmaxCrossEntropy(logits, labels, dlogits, GradientCheckNet.BatchSize, GradientCheckNet.OutputSize);
        net.ZeroGradients();
        net.Backward(inputs, dlogits);
        float[] analytic = net.Gradients.ToArray();

        NetworkGradientCheck.AssertMatchesFiniteDifferences(net.Parameters, analytic, () => net.Evaluate(inputs, labels).Loss);
    }

    [Fact]
    public void ComputeGradients_OverwritesEarlierGradients_WhileBackwardAddsToThem()
    {
        // Every parameter layer of GradientCheckNet is dense, so ComputeGradients skips clearing the gradient buffer and
        // lets each layer's products write it: a full batch followed by a 2-row batch must leave exactly the 2-row
        // gradients, and the public Backward (documented as adding) must still add.
        var rng = new Rng(9);
        var inputs = new float[GradientCheckNet.BatchSize * GradientCheckNet.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        int[] labels = [2, 0, 1, 2, 1];
        const int Rows = 2;
        ReadOnlySpan<float> twoRows = inputs.AsSpan(0, Rows * GradientCheckNet.InputSize);

        var reused = new GradientCheckNet();
        reused.ComputeGradients(inputs, labels);
        reused.ComputeGradients(twoRows, labels.AsSpan(0, Rows));
        var fresh = new GradientCheckNet();
        fresh.ComputeGradients(twoRows, labels.AsSpan(0, Rows));
        Assert.True(fresh.Gradients.SequenceEqual(reused.Gradients), "gradients of a 2-row batch depend on the batch before it");

        // ZeroGradients + Backward gives the same gradients, and a second Backward doubles them.
        var added = new GradientCheckNet();
        ReadOnlySpan<float> logits = added.Forward(twoRows);
        var dlogits = new float[logits.Length];
        NetGen.Kernels.Losses.SoftmaxCrossEntropy(logits, labels.AsSpan(0, Rows), dlogits, Rows, GradientCheckNet.OutputSize);
        added.ZeroGradients();
        added.Backward(twoRows, dlogits);
        Assert.True(fresh.Gradients.SequenceEqual(added.Gradients), "ZeroGradients + Backward differs from ComputeGradients");
        added.Backward(twoRows, dlogits);
        float[] once = fresh.Gradients.ToArray(), twice = added.Gradients.ToArray();
        for (int i = 0; i < once.Length; i++)
            Assert.True(Math.Abs(twice[i] - 2 * once[i]) <= 1e-6f * (1 + Math.Abs(once[i])), $"gradient {i}: {twice[i]} after two Backward calls, {once[i]} after one.");
    }

    [Fact]
    public void TrainStep_AllocatesNothing()
    {
        var net = new SmallMnistNet();
        var inputs = new float[SmallMnistNet.BatchSize * SmallMnistNet.InputSize];
        var labels = new int[SmallMnistNet.BatchSize];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 10;
        for (int i = 0; i < 3; i++) net.TrainStep(inputs, labels);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.TrainStep(inputs, labels);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Predict_OneSampleAndFullBatch_AllocatesNothing()
    {
        // The one-sample path (row dots, weights split across the cores) and the batched one (packed, fused epilogue).
        var net = new SmallMnistNet();
        var inputs = Kernels.Numerics.Random(SmallMnistNet.BatchSize * SmallMnistNet.InputSize, 5);
        var outputs = new float[SmallMnistNet.BatchSize * SmallMnistNet.OutputSize];
        ReadOnlySpan<float> one = inputs.AsSpan(0, SmallMnistNet.InputSize);
        for (int i = 0; i < 3; i++)
        {
            net.Predict(one, outputs.AsSpan(0, SmallMnistNet.OutputSize));
            net.Predict(inputs, outputs);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.Predict(one, outputs.AsSpan(0, SmallMnistNet.OutputSize));
            net.Predict(inputs, outputs);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void SameSeed_SameParameters_OtherSeed_Differs()
    {
        var a = new SmallMnistNet();
        var b = new SmallMnistNet();
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        b.ResetParameters(seed: 2);
        Assert.False(a.Parameters.SequenceEqual(b.Parameters));
        b.ResetParameters(SmallMnistNet.Seed);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Fact]
    public void DefaultInit_MatchesPyTorchLinearBounds()
    {
        var net = new GradientCheckNet();   // Dense1 uses the default init: U(-1/sqrt(6), 1/sqrt(6)) for weight and bias
        float bound = 1 / MathF.Sqrt(6);
        foreach (float w in net.Dense1Weight) Assert.InRange(w, -bound, bound);
        foreach (float b in net.Dense1Bias) Assert.InRange(b, -bound, bound);
        Assert.Equal(0, net.Dense3Bias.Length);
    }

    [Fact]
    public void WrongInputLength_ThrowsNamingTheSizes()
    {
        var net = new XorNet();
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[3], [0]));
        Assert.Contains("3 floats", e.Message);
        Assert.Contains("2-float samples", e.Message);
        var tooMany = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[10], [0, 0, 0, 0, 0]));
        Assert.Contains("more than BatchSize = 4", tooMany.Message);
    }

    [Fact]
    public void LabelOutOfRange_ThrowsNamingTheIndex()
    {
        var net = new XorNet();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(XorInputs, [0, 1, 2, 0]));
        Assert.Contains("label 2 at index 2", e.Message);
        Assert.Throws<ArgumentException>(() => net.TrainStep(XorInputs, [0, 1]));
    }

    [Fact]
    public void NaNInput_ThrowsNonFiniteLoss_NamingTheInputs_AndLeavesParametersUntouched()
    {
        var net = new XorNet();
        float[] before = net.Parameters.ToArray();
        float[] inputs = [0, 0, 0, 1, float.NaN, 0, 1, 1];
        var e = Assert.Throws<NonFiniteLossException>(() => net.TrainStep(inputs, XorLabels));
        Assert.Contains("the inputs (row 2, column 0", e.Message);
        Assert.Equal(1, e.Step);
        Assert.True(net.Parameters.SequenceEqual(before));
    }

    [Fact]
    public void Predict_GivesProbabilitiesForAnyNumberOfSamples()
    {
        var net = new XorNet();
        var inputs = new float[2 * 9];   // 9 samples: more than one batch of 4
        var outputs = new float[2 * 9];
        net.Predict(inputs, outputs);
        for (int i = 0; i < 9; i++) Assert.Equal(1f, outputs[2 * i] + outputs[2 * i + 1], 5);
        Assert.Throws<ArgumentException>(() => net.Predict(inputs, new float[5]));
    }
}
