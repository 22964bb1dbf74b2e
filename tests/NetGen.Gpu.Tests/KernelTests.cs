using ILGPU;
using ILGPU.Runtime;
using NetGen.Gpu.Kernels;

namespace NetGen.Gpu.Tests;

/// <summary>
/// Each device kernel against its CPU reference in NetGen (Gemm.Reference, Dense.*Reference, Losses, Activations,
/// Optimizers) on awkward shapes: the register-blocked products of the CPU accelerator on many shapes, the
/// shared-memory tiles that GPUs run on a few (each 256-thread group is slow on the CPU accelerator).
/// </summary>
/// <remarks>
/// Tolerance: 1e-5 relative to the size of the sum (products of values in [-1, 1] summed over at most 40 terms in
/// a different order than the reference, which sums in double: a few float ulps of the largest partial sum).
/// </remarks>
[Collection(GpuCollection.Name)]
public sealed class KernelTests(GpuDeviceFixture fixture)
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 3, 7, 17 },
        { 17, 5, 33 },
        { 4, 9, 2 },
        { 33, 18, 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BlockedProducts_AllLayouts_MatchReference(int m, int n, int k) => CheckProducts(fixture.Device, m, n, k);

    // One group, two k-tiles with a ragged edge; several groups are covered by ParityTests' TileEdgeNet.
    [Fact]
    public void SharedMemoryTiledProducts_AllLayouts_MatchReference() => CheckProducts(fixture.TiledDevice, 3, 7, 17);

    private static void CheckProducts(GpuDevice device, int m, int n, int k)
    {
        var random = new Random(m * 10000 + n * 100 + k);
        float[] a = Uniform(random, m * k), b = Uniform(random, k * n), initial = Uniform(random, m * n);
        float[] bT = Transpose(b, k, n), aT = Transpose(a, m, k);

        // NT: C = A[M,K] · B[N,K]^T;  NN: C = A[M,K] · B[K,N];  TN: C += A[K,M]^T · B[K,N]
        var expected = new float[m * n];
        NetGen.Kernels.Gemm.Reference(a, transposeA: false, b, transposeB: false, expected, m, n, k, accumulate: false);
        Assert.True(MaxDifference(expected, Multiply(device, a, bT, null, GemmShape.NT(m, n, k, accumulate: false), m * n)) <= Tolerance * k, "NT");
        Assert.True(MaxDifference(expected, Multiply(device, a, b, null, GemmShape.NN(m, n, k, accumulate: false), m * n)) <= Tolerance * k, "NN");
        float[] accumulated = (float[])initial.Clone();
        NetGen.Kernels.Gemm.Reference(a, transposeA: false, b, transposeB: false, accumulated, m, n, k, accumulate: true);
        Assert.True(MaxDifference(accumulated, Multiply(device, aT, b, initial, GemmShape.TN(m, n, k, accumulate: true), m * n)) <= Tolerance * k, "TN accumulate");
    }

    [Theory]
    [InlineData(Activation.Identity)]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Tanh)]
    public void DenseForwardAndBackward_MatchReference(Activation activation)
    {
        const int rows = 5, inputs = 19, units = 7;
        var random = new Random((int)activation + 1);
        float[] input = Uniform(random, rows * inputs), weight = Uniform(random, units * inputs), bias = Uniform(random, units);
        float[] doutput = Uniform(random, rows * units), dweightStart = Uniform(random, units * inputs), dbiasStart = Uniform(random, units);

        var preActivation = new float[rows * units];
        var output = new float[rows * units];
        NetGen.Kernels.Dense.ForwardReference(input, weight, bias, preActivation, rows, inputs, units);
        NetGen.Kernels.Activations.Forward(activation, preActivation, output);
        var dpre = new float[rows * units];
        NetGen.Kernels.Activations.Backward(activation, preActivation, output, doutput, dpre);
        var dinput = new float[rows * inputs];
        float[] dweight = (float[])dweightStart.Clone(), dbias = (float[])dbiasStart.Clone();
        NetGen.Kernels.Dense.BackwardReference(dpre, input, weight, dinput, dweight, dbias, rows, inputs, units);

        GpuDevice device = fixture.Device;
        GpuKernels kernels = device.Kernels;
        using var dInputBuffer = Upload(device, input);
        using var dWeight = Upload(device, weight);
        using var dBias = Upload(device, bias);
        using var dPre = device.Accelerator.Allocate1D<float>(rows * units);
        using var dOutput = device.Accelerator.Allocate1D<float>(rows * units);
        kernels.DenseForward(dInputBuffer.View, dWeight.View, dBias.View, dPre.View, dOutput.View, rows, inputs, units, activation);
        Assert.True(MaxDifference(output, Download(kernels, dOutput)) <= Tolerance, "output");
        if (activation != Activation.Identity) Assert.True(MaxDifference(preActivation, Download(kernels, dPre)) <= Tolerance, "pre-activation");

        using var dGradient = Upload(device, doutput);
        using var dDinput = device.Accelerator.Allocate1D<float>(rows * inputs);
        using var dDweight = Upload(device, dweightStart);
        using var dDbias = Upload(device, dbiasStart);
        kernels.ActivationBackward(dOutput.View, dGradient.View, rows * units, activation);
        Assert.True(MaxDifference(dpre, Download(kernels, dGradient)) <= Tolerance, "d pre-activation");
        kernels.DenseBackward(dGradient.View, dInputBuffer.View, dWeight.View, dDinput.View, dDweight.View, dDbias.View, rows, inputs, units);
        Assert.True(MaxDifference(dinput, Download(kernels, dDinput)) <= Tolerance, "dinput");
        Assert.True(MaxDifference(dweight, Download(kernels, dDweight)) <= Tolerance, "dweight (accumulated)");
        Assert.True(MaxDifference(dbias, Download(kernels, dDbias)) <= Tolerance, "dbias (accumulated)");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(7, 10)]
    [InlineData(3, 17)]
    public void Losses_MatchReference(int rows, int classes)
    {
        var random = new Random(rows * 31 + classes);
        float[] logits = Uniform(random, rows * classes).Select(x => x * 20f).ToArray(); // large logits: the max shift matters
        int[] labels = Enumerable.Range(0, rows).Select(_ => random.Next(classes)).ToArray();
        float[] targets = Uniform(random, rows * classes);
        var expectedGradient = new float[rows * classes];
        float expectedCrossEntropy = NetGen.Kernels.Losses.SoftmaxCrossEntropy(logits, labels, expectedGradient, rows, classes);
        var expectedSquaredGradient = new float[rows * classes];
        float expectedSquared = NetGen.Kernels.Losses.MeanSquaredError(logits, targets, expectedSquaredGradient, rows, classes);

        GpuDevice device = fixture.Device;
        GpuKernels kernels = device.Kernels;
        using var dLogits = Upload(device, logits);
        using var dLabels = device.Accelerator.Allocate1D(labels);
        using var dTargets = Upload(device, targets);
        using var dGradient = device.Accelerator.Allocate1D<float>(rows * classes);
        using var dRowLosses = device.Accelerator.Allocate1D<float>(rows);

        kernels.SoftmaxCrossEntropy(dLogits.View, dLabels.View, dGradient.View, dRowLosses.View, rows, classes);
        Assert.Equal(expectedCrossEntropy, Download(kernels, dRowLosses).Sum() / rows, 1e-4f);
        Assert.True(MaxDifference(expectedGradient, Download(kernels, dGradient)) <= Tolerance, "dlogits");

        kernels.MeanSquaredError(dLogits.View, dTargets.View, dGradient.View, dRowLosses.View, rows, classes);
        Assert.Equal(expectedSquared, Download(kernels, dRowLosses).Sum() / (rows * classes), 1e-3f);
        Assert.True(MaxDifference(expectedSquaredGradient, Download(kernels, dGradient)) <= Tolerance, "doutput");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1001)]
    public void AdamStep_MatchesCpuOptimizerExactly(int count)
    {
        // Same float operations in the same order: equal to the last bit on the CPU accelerator.
        var random = new Random(count);
        float[] parameters = Uniform(random, count), gradients = Uniform(random, count);
        float[] m = Uniform(random, count).Select(x => x * 0.1f).ToArray(), v = Uniform(random, count).Select(x => x * x * 0.01f).ToArray();
        float[] p = (float[])parameters.Clone(), mm = (float[])m.Clone(), vv = (float[])v.Clone();
        NetGen.Optimizers.Adam.Step(p, gradients, mm, vv, default, step: 3, 1e-2f, 0.9f, 0.999f, 1e-8f, 1e-3f, decoupledWeightDecay: false);

        GpuDevice device = fixture.Device;
        using var dP = Upload(device, parameters);
        using var dG = Upload(device, gradients);
        using var dM = Upload(device, m);
        using var dV = Upload(device, v);
        device.Kernels.AdamStep(dP.View, dG.View, dM.View, dV.View, step: 3, 1e-2f, 0.9f, 0.999f, 1e-8f, 1e-3f);
        Assert.Equal(p, Download(device.Kernels, dP));
        Assert.Equal(mm, Download(device.Kernels, dM));
        Assert.Equal(vv, Download(device.Kernels, dV));
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void SgdStep_MatchesCpuOptimizerExactly(float momentum, bool nesterov)
    {
        const int count = 37;
        var random = new Random(count);
        float[] parameters = Uniform(random, count), gradients = Uniform(random, count), velocity = Uniform(random, count);
        float[] p = (float[])parameters.Clone(), vv = (float[])velocity.Clone();
        NetGen.Optimizers.Sgd.Step(p, gradients, vv, 0.05f, momentum, 1e-3f, nesterov);

        GpuDevice device = fixture.Device;
        using var dP = Upload(device, parameters);
        using var dG = Upload(device, gradients);
        using var dV = Upload(device, velocity);
        device.Kernels.SgdStep(dP.View, dG.View, dV.View, 0.05f, momentum, 1e-3f, nesterov);
        Assert.Equal(p, Download(device.Kernels, dP));
        if (momentum != 0f) Assert.Equal(vv, Download(device.Kernels, dV));
    }

    [Fact]
    public void DenseForward_ShortView_ThrowsNamingTheArgument()
    {
        GpuDevice device = fixture.Device;
        using var small = device.Accelerator.Allocate1D<float>(10);
        using var enough = device.Accelerator.Allocate1D<float>(100);
        var error = Assert.Throws<ArgumentException>(() =>
            device.Kernels.DenseForward(enough.View, small.View, default, default, enough.View, rows: 2, inputs: 5, units: 3, Activation.Identity));
        Assert.Equal("weight", error.ParamName);
        Assert.Contains("holds 10 elements", error.Message);
        Assert.Contains("needs 15", error.Message);
    }

    private static float[] Multiply(GpuDevice device, float[] a, float[] b, float[]? initial, GemmShape shape, int length)
    {
        using var dA = Upload(device, a);
        using var dB = Upload(device, b);
        using var dC = initial is null ? device.Accelerator.Allocate1D<float>(length) : Upload(device, initial);
        device.Kernels.Multiply(dA.View, dB.View, default, default, dC.View, shape);
        return Download(device.Kernels, dC);
    }

    private static MemoryBuffer1D<float, Stride1D.Dense> Upload(GpuDevice device, float[] values) => device.Accelerator.Allocate1D(values);

    private static float[] Download(GpuKernels kernels, MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        var host = new float[buffer.Length];
        kernels.CopyToHost<float>(buffer.View, host);
        return host;
    }

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[c * rows + r] = matrix[r * columns + c];
        return result;
    }

    private static float[] Uniform(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static float MaxDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        return worst;
    }
}
