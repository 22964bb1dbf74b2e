using ILGPU;
using ILGPU.Runtime;
using NetGen.Gpu.Kernels;

namespace NetGen.Gpu;

/// <summary>
/// The device kernels of one accelerator, launched by a network's generated <c>Gpu</c> class with its constant
/// shapes. Each kernel is compiled on first use and kept, so every network on the device shares it. Launches are
/// asynchronous on the accelerator's default stream; copies to the host wait for them.
/// </summary>
/// <remarks>
/// Views may be longer than a shape needs (a full batch buffer used for a short last batch); only the leading
/// elements are read and written. On a GPU the matrix products use 16 x 16 shared-memory tiles and element-wise
/// kernels one thread per element; on ILGPU's CPU accelerator, where a group barrier is an OS-level barrier and each
/// group of simulated threads costs a synchronization, the products use register blocks without barriers and every
/// kernel walks its items with a grid stride over a few simulated threads.
/// </remarks>
public sealed class GpuKernels
{
    private readonly Accelerator _accelerator;

    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>? _tiled;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape, int>? _blocked;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _activationBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>? _biasBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>? _softmaxCrossEntropy;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>? _meanSquaredError;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStepArguments, int, int>? _adam;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdStepArguments, int, int>? _sgd;

    internal GpuKernels(Accelerator accelerator, bool useSharedMemoryTiles)
    {
        _accelerator = accelerator;
        UsesSharedMemoryTiles = useSharedMemoryTiles;
    }

    /// <summary>True when matrix products run as 16 x 16 shared-memory tiles (GPUs); false for register blocks (CPU accelerator).</summary>
    public bool UsesSharedMemoryTiles { get; }

    // output[rows, units] = activation(input[rows, inputs] · weight[units, inputs]^T + bias[units]);  preActivation = the product + bias
    /// <summary>
    /// A dense layer's forward in one kernel: output[rows, units] = activation(input[rows, inputs] · weight[units, inputs]^T + bias[units]).
    /// With an activation other than Identity, <paramref name="preActivation"/> receives the value before it (the backward
    /// needs the output only, but the buffer keeps both backends' layouts alike); otherwise it may be empty. An empty
    /// <paramref name="bias"/> means no bias.
    /// </summary>
    public void DenseForward(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> preActivation,
        ArrayView<float> output, int rows, int inputs, int units, Activation activation)
    {
        CheckLength(input, (long)rows * inputs, nameof(input));
        CheckLength(weight, (long)units * inputs, nameof(weight));
        if (bias.Length > 0) CheckLength(bias, units, nameof(bias));
        if (activation != Activation.Identity) CheckLength(preActivation, (long)rows * units, nameof(preActivation));
        CheckLength(output, (long)rows * units, nameof(output));
        GemmShape shape = GemmShape.NT(rows, units, inputs, accumulate: false);
        shape.Activation = (int)activation;
        Multiply(input, weight, bias, preActivation, output, shape);
    }

    // dinput[rows, inputs] = doutput[rows, units] · weight[units, inputs];  dweight[units, inputs] += doutput^T · input;  dbias[units] += Σ_rows doutput
    /// <summary>
    /// A dense layer's backward from d(loss)/d(pre-activation) <paramref name="doutput"/>[rows, units]:
    /// dinput[rows, inputs] = doutput · weight is OVERWRITTEN (skipped when empty, as for the first layer);
    /// dweight[units, inputs] += doutput^T · input and dbias[units] += Σ_rows doutput are ACCUMULATED (dbias skipped when empty).
    /// </summary>
    public void DenseBackward(ArrayView<float> doutput, ArrayView<float> input, ArrayView<float> weight, ArrayView<float> dinput,
        ArrayView<float> dweight, ArrayView<float> dbias, int rows, int inputs, int units)
    {
        CheckLength(doutput, (long)rows * units, nameof(doutput));
        CheckLength(input, (long)rows * inputs, nameof(input));
        CheckLength(weight, (long)units * inputs, nameof(weight));
        CheckLength(dweight, (long)units * inputs, nameof(dweight));
        if (dinput.Length > 0)
        {
            CheckLength(dinput, (long)rows * inputs, nameof(dinput));
            Multiply(doutput, weight, default, default, dinput, GemmShape.NN(rows, inputs, units, accumulate: false));
        }

        Multiply(doutput, input, default, default, dweight, GemmShape.TN(units, inputs, rows, accumulate: true));
        if (dbias.Length > 0)
        {
            CheckLength(dbias, units, nameof(dbias));
            _biasBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(DenseKernels.BiasBackward);
            int threads = Threads(units);
            _biasBackward(threads, doutput, dbias, rows, units, threads);
        }
    }

    // gradient[n] = gradient[n] · f'(output[n]) for n < count, in place
    /// <summary>
    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation) in place, reading the activation's output
    /// (ReLU: y &gt; 0; Sigmoid: y(1 - y); Tanh: 1 - y²). Does nothing for Identity.
    /// </summary>
    public void ActivationBackward(ArrayView<float> output, ArrayView<float> gradient, int count, Activation activation)
    {
        if (activation == Activation.Identity) return;
        CheckLength(output, count, nameof(output));
        CheckLength(gradient, count, nameof(gradient));
        _activationBackward ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(ActivationKernels.Backward);
        int threads = Threads(count);
        _activationBackward(threads, output, gradient, (int)activation, count, threads);
    }

    // rowLosses[b] = -log softmax(logits[b])[labels[b]];  dlogits[rows, classes] = (softmax - onehot) / rows
    /// <summary>
    /// Softmax cross-entropy on logits[rows, classes]: writes each row's loss term to <paramref name="rowLosses"/> (the
    /// mean loss is their sum / rows) and OVERWRITES <paramref name="dlogits"/> with (softmax - onehot) / rows.
    /// Labels must already be checked to lie in [0, classes).
    /// </summary>
    public void SoftmaxCrossEntropy(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> dlogits, ArrayView<float> rowLosses,
        int rows, int classes)
    {
        CheckLength(logits, (long)rows * classes, nameof(logits));
        CheckLength(labels, rows, nameof(labels));
        CheckLength(dlogits, (long)rows * classes, nameof(dlogits));
        CheckLength(rowLosses, rows, nameof(rowLosses));
        _softmaxCrossEntropy ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float>(
            LossKernels.SoftmaxCrossEntropy);
        _softmaxCrossEntropy(rows, logits, labels, dlogits, rowLosses, classes, 1f / rows);
    }

    // rowLosses[b] = Σ_n (output[b,n] - targets[b,n])²;  doutput[rows, outputs] = 2·(output - targets) / (rows·outputs)
    /// <summary>
    /// Mean squared error on output[rows, outputs]: writes each row's sum of squared differences to
    /// <paramref name="rowLosses"/> (the mean loss is their sum / (rows·outputs)) and OVERWRITES <paramref name="doutput"/>.
    /// </summary>
    public void MeanSquaredError(ArrayView<float> output, ArrayView<float> targets, ArrayView<float> doutput, ArrayView<float> rowLosses,
        int rows, int outputs)
    {
        CheckLength(output, (long)rows * outputs, nameof(output));
        CheckLength(targets, (long)rows * outputs, nameof(targets));
        CheckLength(doutput, (long)rows * outputs, nameof(doutput));
        CheckLength(rowLosses, rows, nameof(rowLosses));
        _meanSquaredError ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(
            LossKernels.MeanSquaredError);
        _meanSquaredError(rows, output, targets, doutput, rowLosses, outputs, (float)(2.0 / ((double)rows * outputs)));
    }

    /// <summary>
    /// One Adam update (coupled L2 weight decay, as <c>torch.optim.Adam</c> and <c>NetGen.Optimizers.Adam.Step</c>) of
    /// every parameter; <paramref name="step"/> is 1-based. The bias corrections are computed here in double, as on the CPU.
    /// </summary>
    public void AdamStep(ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> m, ArrayView<float> v, int step,
        float learningRate, float beta1, float beta2, float epsilon, float weightDecay)
    {
        long count = parameters.Length;
        CheckLength(gradients, count, nameof(gradients));
        CheckLength(m, count, nameof(m));
        CheckLength(v, count, nameof(v));
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "step is 1-based: pass 1 on the first update.");
        var arguments = new AdamStepArguments
        {
            StepSize = (float)(learningRate / (1.0 - Math.Pow(beta1, step))),
            InverseCorrection2Sqrt = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(beta2, step))),
            Beta1 = beta1,
            Beta2 = beta2,
            Epsilon = epsilon,
            WeightDecay = weightDecay,
        };
        _adam ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStepArguments, int, int>(
            OptimizerKernels.Adam);
        int threads = Threads(checked((int)count));
        _adam(threads, parameters, gradients, m, v, arguments, (int)count, threads);
    }

    /// <summary>
    /// One SGD update (momentum, Nesterov and L2 weight decay as <c>torch.optim.SGD</c> with dampening 0, and
    /// <c>NetGen.Optimizers.Sgd.Step</c>) of every parameter; <paramref name="velocity"/> may be empty when momentum is 0.
    /// </summary>
    public void SgdStep(ArrayView<float> parameters, ArrayView<float> gradients, ArrayView<float> velocity, float learningRate,
        float momentum, float weightDecay, bool nesterov)
    {
        long count = parameters.Length;
        CheckLength(gradients, count, nameof(gradients));
        if (momentum != 0f) CheckLength(velocity, count, nameof(velocity));
        if (nesterov && momentum <= 0f) throw new ArgumentException($"Nesterov momentum needs momentum > 0 (got {momentum}).", nameof(nesterov));
        var arguments = new SgdStepArguments { LearningRate = learningRate, Momentum = momentum, WeightDecay = weightDecay, Nesterov = nesterov ? 1 : 0 };
        _sgd ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdStepArguments, int, int>(
            OptimizerKernels.Sgd);
        int threads = Threads(checked((int)count));
        _sgd(threads, parameters, gradients, momentum != 0f ? velocity : parameters, arguments, (int)count, threads);
    }

    /// <summary>Copies <paramref name="source"/> into the leading elements of the device view <paramref name="target"/> (in stream order: after the kernels launched before).</summary>
    public void CopyToDevice<T>(ReadOnlySpan<T> source, ArrayView<T> target) where T : unmanaged
    {
        if (source.IsEmpty) return;
        CheckLength(target, source.Length, nameof(target));
        target.SubView(0, source.Length).CopyFromCPU(source);
    }

    /// <summary>Copies the leading elements of the device view <paramref name="source"/> into <paramref name="target"/>, waiting for the kernels launched before.</summary>
    public void CopyToHost<T>(ArrayView<T> source, Span<T> target) where T : unmanaged
    {
        if (target.IsEmpty) return;
        CheckLength(source, target.Length, nameof(source));
        source.SubView(0, target.Length).CopyToCPU(target);
    }

    /// <summary>Sets every element of the device view to zero (in stream order).</summary>
    public void Clear(ArrayView<float> view)
    {
        if (view.Length > 0) view.MemSetToZero();
    }

    /// <summary>C[M,N] (+)= A·B with the layouts of <paramref name="shape"/>, on whichever kernel this device uses (tests call it directly).</summary>
    internal void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> preActivation, ArrayView<float> c,
        GemmShape shape)
    {
        if (UsesSharedMemoryTiles)
        {
            _tiled ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(
                MatrixMultiply.Tiled);
            var grid = new Index2D(DivideRoundingUp(shape.N, MatrixMultiply.Tile), DivideRoundingUp(shape.M, MatrixMultiply.Tile));
            _tiled(new KernelConfig(grid, new Index2D(MatrixMultiply.Tile, MatrixMultiply.Tile)), a, b, bias, preActivation, c, shape);
        }
        else
        {
            _blocked ??= _accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape, int>(
                MatrixMultiply.Blocked);
            int threads = Threads(DivideRoundingUp(shape.N, MatrixMultiply.Block) * DivideRoundingUp(shape.M, MatrixMultiply.Block));
            _blocked(threads, a, b, bias, preActivation, c, shape, threads);
        }
    }

    // Threads for a grid-stride launch over count items: one per item on a GPU; on the CPU accelerator, a few per
    // OS thread (each group of simulated threads costs a synchronization of the OS threads, so fewer is faster).
    private int Threads(int count) =>
        _accelerator.AcceleratorType == AcceleratorType.CPU ? Math.Min(count, CpuThreadsPerLaunch * _accelerator.MaxNumThreadsPerGroup) : count;

    // Simulated threads per CPU thread in a grid-stride launch: a little slack for uneven items.
    private const int CpuThreadsPerLaunch = 4;

    private static int DivideRoundingUp(int value, int divisor) => (value + divisor - 1) / divisor;

    private static void CheckLength<T>(ArrayView<T> view, long needed, string name) where T : unmanaged
    {
        if (view.Length < needed)
            throw new ArgumentException($"{name} holds {view.Length} elements on the device; the shape needs {needed}.", name);
    }
}
