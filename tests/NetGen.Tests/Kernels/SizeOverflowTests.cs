using NetGen.Kernels;

namespace NetGen.Tests.Kernels;

/// <summary>
/// Every public kernel's argument checks against sizes whose product wraps <c>int</c>. Before the checks were
/// computed in <c>long</c>, <c>65536 * 65536</c> wrapped to 0 (and <c>46341 * 46341</c> to a negative number), so a
/// span of 0 floats "held" a 65536x65536 matrix, the check passed, and the kernel wrote out of bounds
/// (AccessViolationException, issue 21). The property: for every pair below, each kernel given spans sized to the
/// *wrapped* product throws an <see cref="ArgumentException"/> (or its <see cref="ArgumentOutOfRangeException"/>)
/// before it touches memory.
/// </summary>
public class SizeOverflowTests
{
    // (a, b) with a * b past int.MaxValue: wraps to 0, to 131073, to a negative number, and the asymmetric 4 * 2^30 = 2^32.
    public static TheoryData<int, int> WrappingPairs => new()
    {
        { 65536, 65536 },
        { 65537, 65537 },
        { 46341, 46341 },
        { 4, 1 << 30 },
        { 1 << 30, 4 },
    };

    // The span an old, wrapped check would have accepted: as long as the wrapped product when that is small, else
    // one float (a negative wrapped product accepted any span).
    private static float[] Wrapped(int a, int b) => new float[Math.Clamp(unchecked(a * b), 1, 1 << 18)];

    private static float[] Wrapped(int a, int b, int c) => new float[Math.Clamp(unchecked(a * b * c), 1, 1 << 18)];

    // A span the check of one honest dimension accepts, or one float when that dimension is too large to allocate in a test.
    private static float[] Honest(long length) => new float[length <= 1 << 18 ? length : 1];

    private static void Rejected(Action call)
    {
        Exception error = Record.Exception(call);
        Assert.NotNull(error);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void Gemm_WrappedProduct_ThrowsArgumentException(int a, int b)
    {
        // A[m,k] wraps with n = 0, then B[k,n] wraps with m = 0: nothing else constrains the call.
        Rejected(() => Gemm.NN(Wrapped(a, b), [], [], a, 0, b, accumulate: false));
        Rejected(() => Gemm.NT(Wrapped(a, b), [], [], a, 0, b, accumulate: false));
        Rejected(() => Gemm.TN(Wrapped(a, b), [], [], a, 0, b, accumulate: false));
        Rejected(() => Gemm.Reference(Wrapped(a, b), false, [], false, [], a, 0, b, accumulate: false));
        Rejected(() => Gemm.NN([], Wrapped(a, b), [], 0, b, a, accumulate: false));
        Rejected(() => Gemm.NT([], Wrapped(a, b), [], 0, b, a, accumulate: false));
        Rejected(() => Gemm.TN([], Wrapped(a, b), [], 0, b, a, accumulate: false));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void Dense_WrappedWeightSize_ThrowsArgumentException(int inputs, int units)
    {
        Rejected(() => Dense.Forward([], Wrapped(units, inputs), [], [], 0, inputs, units));
        Rejected(() => Dense.ForwardReference([], Wrapped(units, inputs), [], [], 0, inputs, units));
        Rejected(() => Dense.Backward([], [], Wrapped(units, inputs), [], Wrapped(units, inputs), [], 0, inputs, units));
        Rejected(() => Dense.BackwardReference([], [], Wrapped(units, inputs), [], Wrapped(units, inputs), [], 0, inputs, units));
        Rejected(() => Dense.ForwardTwoLayers([], Wrapped(units, inputs), [], Activation.ReLU, [], Honest(units), [], Activation.Identity, [],
            0, inputs, units, 1));
        ushort[] bfloat16 = new ushort[Math.Clamp(unchecked(units * inputs), 1, 1 << 18)];
        Rejected(() => DenseBfloat16.Forward([], bfloat16, [], [], 0, inputs, units, Activation.Identity));
        Rejected(() => DenseBfloat16.ForwardTwoLayers([], bfloat16, [], Activation.ReLU, [], new ushort[1], [], Activation.Identity, [],
            0, inputs, units, 1));
    }

    private readonly struct Square32 : IDenseShape
    {
        public static int Inputs => 32;
        public static int Units => 32;
    }

    [Fact]
    public void DenseSmall_WrappedBatchSize_ThrowsArgumentException()
    {
        // 2^27 rows of 32 inputs and 32 units: both [batch, 32] products are 2^32, which wraps to 0.
        const int batch = 1 << 27;
        float[] weight = new float[32 * 32], bias = new float[32];
        Rejected(() => DenseSmall.Forward<Square32>([], weight, bias, [], batch, Activation.Identity));
        Rejected(() => DenseSmall.Backward<Square32>([], [], weight, [], new float[32 * 32], bias, batch, false));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void Embedding_WrappedTableSize_ThrowsArgumentException(int vocabulary, int embedding)
    {
        Rejected(() => Embedding.Forward([], Wrapped(vocabulary, embedding), [], 0, vocabulary, embedding));
        Rejected(() => Embedding.Backward([], [], Wrapped(vocabulary, embedding), 0, vocabulary, embedding));
        // The rows: count tokens of width embedding.
        Rejected(() => Embedding.Forward(new int[Math.Min(vocabulary, 1 << 18)], Honest((long)vocabulary * embedding),
            Wrapped(vocabulary, embedding), vocabulary, vocabulary, embedding));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void BatchNormAndLayerNorm_WrappedActivationSize_ThrowArgumentException(int batch, int spatial)
    {
        float[] one = [1f];
        Rejected(() => BatchNorm.ForwardTraining(Wrapped(batch, spatial), one, one, Wrapped(batch, spatial), new float[1], new float[1],
            new float[1], new float[1], 0.1f, 1e-5f, batch, 1, spatial));
        Rejected(() => BatchNorm.ForwardInference(Wrapped(batch, spatial), one, one, one, one, 1e-5f, Wrapped(batch, spatial), batch, 1, spatial));
        Rejected(() => BatchNorm.Backward(Wrapped(batch, spatial), Wrapped(batch, spatial), one, one, one, Wrapped(batch, spatial),
            new float[1], new float[1], batch, 1, spatial));
        Rejected(() => LayerNorm.Forward(Wrapped(batch, spatial), Honest(spatial), Honest(spatial), Wrapped(batch, spatial),
            Honest(batch), Honest(batch), batch, spatial, 1e-5f));
        Rejected(() => LayerNorm.Backward(Wrapped(batch, spatial), Wrapped(batch, spatial), Honest(spatial), Honest(batch), Honest(batch),
            Wrapped(batch, spatial), Honest(spatial), Honest(spatial), batch, spatial));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void SoftmaxAndLosses_WrappedMatrixSize_ThrowArgumentException(int rows, int columns)
    {
        Rejected(() => Activations.SoftmaxForward(Wrapped(rows, columns), Wrapped(rows, columns), rows, columns));
        Rejected(() => Activations.SoftmaxBackward(Wrapped(rows, columns), Wrapped(rows, columns), Wrapped(rows, columns), rows, columns));
        int[] labels = new int[Math.Min(rows, 1 << 18)];
        Rejected(() => Losses.SoftmaxCrossEntropy(Wrapped(rows, columns), labels, Wrapped(rows, columns), rows, columns));
        Rejected(() => Losses.MeanSquaredError(Wrapped(rows, columns), Wrapped(rows, columns), Wrapped(rows, columns), rows, columns));
        Rejected(() => Losses.CountCorrect(Wrapped(rows, columns), labels, rows, columns));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void RecurrentLayers_WrappedInputSize_ThrowArgumentException(int steps, int inputSize)
    {
        // One sample of `steps` steps of `inputSize` features and one hidden unit: only [1, steps, inputSize] wraps.
        const int batch = 1, hidden = 1;
        float[] input = Wrapped(steps, inputSize), output = Honest(steps), state = new float[1];
        float[] rnnCache = Honest(4L * steps), rnnScratch = Honest(3L * steps + 1);
        float[] gruCache = Honest(6L * steps + 16), gruScratch = Honest(7L * steps + 1);
        float[] lstmCache = Honest(7L * steps + 4L * inputSize + 16), lstmScratch = Honest(9L * steps + 2);
        Rejected(() => SimpleRnn.Forward(input, Honest(inputSize), state, state, state, [], output, [], rnnCache, batch, steps, inputSize, hidden));
        Rejected(() => SimpleRnn.Backward(output, input, Honest(inputSize), state, [], rnnCache, [], Honest(inputSize), new float[1],
            new float[1], new float[1], rnnScratch, batch, steps, inputSize, hidden));
        Rejected(() => Gru.Forward(input, Honest(3L * inputSize), new float[3], new float[3], new float[3], [], output, [], gruCache,
            batch, steps, inputSize, hidden));
        Rejected(() => Gru.Backward(output, input, Honest(3L * inputSize), new float[3], [], gruCache, [], Honest(3L * inputSize), new float[3],
            new float[3], new float[3], gruScratch, batch, steps, inputSize, hidden));
        Rejected(() => Lstm.Forward(input, Honest(4L * inputSize), new float[4], new float[4], new float[4], [], [], output, [], [], lstmCache,
            batch, steps, inputSize, hidden));
        Rejected(() => Lstm.Backward(output, input, Honest(4L * inputSize), new float[4], [], [], lstmCache, [], Honest(4L * inputSize),
            new float[4], new float[4], new float[4], lstmScratch, batch, steps, inputSize, hidden));
    }

    [Theory, MemberData(nameof(WrappingPairs))]
    public void ConvolutionAndPooling_WrappedInputSize_ThrowArgumentException(int batch, int channels)
    {
        // [B, C, 1, 1] inputs whose B * C wraps; a 1x1 kernel and window so that every other size is honest.
        float[] input = Wrapped(batch, channels);
        Rejected(() => Conv2D.Forward(input, Honest(channels), [], Honest(batch), new float[1], batch, channels, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1));
        Rejected(() => Conv2D.Backward(Honest(batch), input, Honest(channels), [], Honest(channels), [], new float[1],
            batch, channels, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1));
        Rejected(() => Pooling.MaxForward(input, Wrapped(batch, channels), new int[Math.Clamp(unchecked(batch * channels), 1, 1 << 18)],
            batch, channels, 1, 1, 1, 1, 1, 1, 0, 0));
        Rejected(() => Pooling.AvgForward(input, Wrapped(batch, channels), batch, channels, 1, 1, 1, 1, 1, 1, 0, 0));
        Rejected(() => Pooling.GlobalAvgForward(input, Wrapped(batch, channels), batch, channels, 1));
        Rejected(() => Pooling.MaxBackward(input, new int[Math.Clamp(unchecked(batch * channels), 1, 1 << 18)], Wrapped(batch, channels),
            batch, channels, 1, 1, 1, 1));
    }
}
