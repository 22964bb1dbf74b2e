using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>
/// 2-D convolution over NCHW float tensors, as PyTorch's <c>Conv2d</c> computes it: cross-correlation,
/// zero padding, stride and dilation per spatial dimension, one group. The padding is symmetric (PyTorch's), or
/// given per side (the overloads with <c>padTop, padLeft, padBottom, padRight</c>, as ONNX's <c>pads</c>), which
/// Keras's <c>padding="same"</c> needs with a stride or an even kernel (<see cref="SamePadding"/>).
/// </summary>
/// <remarks>
/// The fast kernels lower a chunk of samples at a time to one matrix product (im2col + <see cref="Gemm"/>):
/// <c>cols[IC*KH*KW, S*OH*OW]</c> holds the input patch under every output position of the chunk's S samples, so
/// <c>prod[OC, S*OH*OW] = weight[OC, IC*KH*KW] * cols</c>, and the bias and activation are applied while the
/// chunk's product is copied out to NCHW. A chunk's matrices fit in a core's L2 (<see cref="ChunkTargetFloats"/>);
/// the chunks are split across up to <see cref="MaxThreads"/> threads of the <see cref="Threading.WorkerPool"/>,
/// each with its own workspace in the caller's scratch. Every output element and every chunk's partial gradient is
/// the same chain of operations whatever the thread count, and the partials are summed in chunk order, so results
/// do not depend on the thread count. <see cref="ForwardReference(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> and
/// <see cref="BackwardReference(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> are the direct loops in double precision that the fast kernels are
/// tested against.
/// </remarks>
public static unsafe partial class Conv2D
{
    /// <summary>
    /// Output length of one spatial dimension (PyTorch's formula):
    /// <c>(input + 2*padding - dilation*(kernel-1) - 1) / stride + 1</c>, rounded down.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the padding is negative, or the dilated kernel is longer than the padded input.</exception>
    public static int OutputSize(int input, int kernel, int stride, int padding, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        long paddedInput = input + 2L * padding;
        long kernelExtent = (long)dilation * (kernel - 1) + 1;
        if (kernelExtent > paddedInput)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"The dilated kernel spans {kernelExtent} positions (kernel {kernel}, dilation {dilation}) but the padded input has only {paddedInput} (input {input}, padding {padding}).");
        }
        return (int)((paddedInput - kernelExtent) / stride + 1);
    }

    /// <summary>
    /// Output length of one spatial dimension padded by <paramref name="padBefore"/> before its first position and
    /// <paramref name="padAfter"/> after its last: <c>(input + padBefore + padAfter - dilation*(kernel-1) - 1) / stride + 1</c>,
    /// rounded down.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the dilated kernel is longer than the padded input.</exception>
    public static int OutputSize(int input, int kernel, int stride, int padBefore, int padAfter, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padBefore);
        ArgumentOutOfRangeException.ThrowIfNegative(padAfter);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        long paddedInput = (long)input + padBefore + padAfter;
        long kernelExtent = (long)dilation * (kernel - 1) + 1;
        if (kernelExtent > paddedInput)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel),
                $"The dilated kernel spans {kernelExtent} positions (kernel {kernel}, dilation {dilation}) but the padded input has only {paddedInput} (input {input}, padding {padBefore} before and {padAfter} after).");
        }
        return (int)((paddedInput - kernelExtent) / stride + 1);
    }

    /// <summary>
    /// Keras's and TensorFlow's <c>padding="same"</c> along one dimension: the output has <c>ceil(input / stride)</c>
    /// positions, the padding they need is <c>total = max((ceil(input / stride) - 1) * stride + dilation*(kernel-1) + 1 - input, 0)</c>,
    /// <c>total / 2</c> of it before the first position and the rest (one more when the total is odd) after the last.
    /// PyTorch's <c>padding=kernel//2</c> pads the larger half on both sides instead, so with a stride or an even kernel
    /// its windows start one position earlier.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static (int Before, int After) SamePadding(int input, int kernel, int stride, int dilation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(input, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dilation, 1);
        long outputs = ((long)input + stride - 1) / stride;
        long total = Math.Max((outputs - 1) * stride + (long)dilation * (kernel - 1) + 1 - input, 0);
        if (total > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(kernel), $"The dilated kernel (kernel {kernel}, dilation {dilation}) needs a padding of {total}, more than an int holds.");
        return ((int)(total / 2), (int)(total - total / 2));
    }

    /// <summary>
    /// Floats of scratch that one <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/>
    /// or <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> call over up to <paramref name="batch"/> samples needs: one workspace per thread
    /// that works on the call (at most <see cref="MaxThreads"/>), each holding the im2col matrix and the product of
    /// one chunk of samples, plus one weight-gradient partial per chunk. It depends on the shapes only, never on the
    /// thread count. Allocate it once and pass it to every call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static int ScratchSize(int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        ScratchSize(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW);

    /// <summary>
    /// Floats of scratch for the overloads with a padding per side (<paramref name="padTop"/> rows above,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left, <paramref name="padRight"/> right).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static int ScratchSize(int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);
        return shape.ScratchLength;
    }

    /// <summary>The most threads that split one convolution call (the workspaces <see cref="ScratchSize(int, int, int, int, int, int, int, int, int, int, int, int, int)"/> counts).</summary>
    public const int MaxThreads = 4;

    /// <summary>Floats of one chunk's workspace (its im2col matrix and its product) that a chunk of samples aims at: 256 KB, a quarter of a core's L2.</summary>
    internal const int ChunkTargetFloats = 1 << 16;

    /// <summary>Multiply-adds below which a call runs on the calling thread alone.</summary>
    internal const long ParallelThreshold = 1 << 19;

    // output[B,OC,OH,OW] = sum_{ic,kh,kw} weight[OC,IC,KH,KW] * input[B,IC,oh*sH-pH+kh*dH, ow*sW-pW+kw*dW] + bias[OC]
    // per chunk of S samples: cols[IC*KH*KW, S*OH*OW] = im2col(input[b0..b0+S]);  prod[OC, S*OH*OW] = weight[OC, IC*KH*KW] * cols
    //                         output[b0+s][oc] = prod[oc, s*OH*OW ..] + bias[oc]
    /// <summary>
    /// <c>output[B,OC,OH,OW] = conv(input[B,IC,H,W], weight[OC,IC,KH,KW]) + bias[OC]</c>. <paramref name="bias"/>
    /// may be empty (no bias). <paramref name="scratch"/> holds at least <see cref="ScratchSize(int, int, int, int, int, int, int, int, int, int, int, int, int)"/> floats;
    /// its contents on entry and exit mean nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        Forward(input, weight, bias, output, scratch, Activation.Identity,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);

    /// <summary>As the overload with one padding per dimension, padded per side: <paramref name="padTop"/> rows above the input,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left and <paramref name="padRight"/> right.</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW) =>
        Forward(input, weight, bias, output, scratch, Activation.Identity,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);

    // output[B,OC,OH,OW] = activation(conv(input, weight) + bias[OC]), the bias and the activation applied while each chunk's product is in cache
    /// <summary>
    /// <c>output[B,OC,OH,OW] = activation(conv(input[B,IC,H,W], weight[OC,IC,KH,KW]) + bias[OC])</c>: the convolution
    /// with its bias and activation fused. Only activations whose backward reads the output alone are accepted
    /// (<see cref="Activation.Identity"/>, <see cref="Activation.ReLU"/>, <see cref="Activation.Sigmoid"/>,
    /// <see cref="Activation.Tanh"/>), so no pre-activation needs keeping.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, the kernel does not fit, or the activation is not one of those four.</exception>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        Forward(input, weight, bias, output, scratch, activation,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW);

    /// <summary>As the overload with one padding per dimension, padded per side: <paramref name="padTop"/> rows above the input,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left and <paramref name="padRight"/> right
    /// (ONNX's <c>pads</c> order; Keras's <c>padding="same"</c> is <see cref="SamePadding"/> per dimension).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, Span<float> scratch, Activation activation,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        shape.CheckBias(bias, nameof(bias), allowEmpty: true);
        shape.CheckOutput(output, nameof(output));
        shape.CheckScratch(scratch, nameof(scratch));
        if (activation is not (Activation.Identity or Activation.ReLU or Activation.Sigmoid or Activation.Tanh))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Only Identity, ReLU, Sigmoid and Tanh fuse into the convolution (their backward reads the output alone).");

        fixed (float* pInput = input, pWeight = weight, pBias = bias, pOutput = output, pScratch = scratch)
        {
            var job = new Job(in shape, pInput, pWeight, pOutput, pScratch)
            {
                Bias = bias.IsEmpty ? null : pBias,
                Activation = activation,
            };
            if (shape.UseDirect)
            {
                ArrangeWeights(pWeight, outChannels, shape.PatchLength, pScratch, shape.OutBlocks);
                Run(&DirectForwardPart, ref job);
            }
            else Run(&ForwardPart, ref job);
        }
    }

    // doutput is (B,OC,OH,OW), input is (B,IC,H,W), weight is (OC,IC,KH,KW); per chunk of S samples:
    // dprod[OC, S*OH*OW] = doutput[b0..b0+S] (channels first);  cols = im2col(input[b0..b0+S])
    // dweight[OC, IC*KH*KW] += sum over chunks of dprod * cols^T;  dbias[OC] += sum over chunks of the rows of dprod
    // dcols[IC*KH*KW, S*OH*OW] = weight^T * dprod;  dinput[b0..b0+S] = col2im(dcols)   (overwritten)
    /// <summary>
    /// Gradients of <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/>:
    /// <paramref name="dinput"/>[B,IC,H,W] is OVERWRITTEN;
    /// <paramref name="dweight"/>[OC,IC,KH,KW] and <paramref name="dbias"/>[OC] are ACCUMULATED (+=).
    /// Each of the three may be empty, which skips that gradient (no input gradient for a first layer,
    /// no bias). <paramref name="scratch"/> holds at least <see cref="ScratchSize(int, int, int, int, int, int, int, int, int, int, int, int, int)"/> floats. The weight and bias
    /// gradients are summed chunk by chunk in a fixed order, so they do not depend on the thread count.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        Backward(doutput, input, weight, dinput, dweight, dbias, scratch,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW);

    /// <summary>As the overload with one padding per dimension, padded per side: <paramref name="padTop"/> rows above the input,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left and <paramref name="padRight"/> right
    /// (ONNX's <c>pads</c> order; Keras's <c>padding="same"</c> is <see cref="SamePadding"/> per dimension).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static unsafe void Backward(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias, Span<float> scratch,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);
        shape.CheckOutput(doutput, nameof(doutput));
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        if (!dinput.IsEmpty) shape.CheckInput(dinput, nameof(dinput));
        if (!dweight.IsEmpty) shape.CheckWeight(dweight, nameof(dweight));
        shape.CheckBias(dbias, nameof(dbias), allowEmpty: true);
        shape.CheckScratch(scratch, nameof(scratch));
        if (dinput.IsEmpty && dweight.IsEmpty && dbias.IsEmpty) return;

        fixed (float* pDoutput = doutput, pInput = input, pWeight = weight, pDinput = dinput, pScratch = scratch)
        {
            var job = new Job(in shape, pInput, pWeight, pDoutput, pScratch)
            {
                Dinput = dinput.IsEmpty ? null : pDinput,
                WantWeightGradient = !dweight.IsEmpty,
                WantBiasGradient = !dbias.IsEmpty,
            };
            if (shape.UseDirect)
            {
                if (!dinput.IsEmpty) ArrangeFlippedWeights(pWeight, outChannels, inChannels, kernelH, pScratch + shape.DirectFlippedOffset, shape.InBlocks);
                if (shape.UseLaneInputGradient) job.Dinput = null;
                if (shape.UseLaneWeightGradient) job.WantWeightGradient = false;
                if (job.Dinput != null || job.WantWeightGradient || job.WantBiasGradient) Run(&DirectBackwardPart, ref job);
                if (shape.UseLaneWeightGradient && !dweight.IsEmpty)
                {
                    RunLaneWeightGradient(pDoutput, pInput, pScratch, in shape);
                    AddLaneWeightGradient(scratch, dweight, in shape);
                }
                if (shape.UseLaneInputGradient && !dinput.IsEmpty) RunLaneInputGradient(pDoutput, pDinput, pScratch, in shape);
            }
            else Run(&BackwardPart, ref job);
        }

        // The chunks' partial gradients, added in chunk order whatever thread computed them.
        int weightLength = shape.WeightLength;
        ReadOnlySpan<float> partials = scratch.Slice(shape.PartialsOffset, shape.Chunks * shape.PartialLength);
        for (int chunk = 0; chunk < shape.Chunks; chunk++)
        {
            ReadOnlySpan<float> partial = partials.Slice(chunk * shape.PartialLength, shape.PartialLength);
            if (!dweight.IsEmpty && !shape.UseLaneWeightGradient) TensorPrimitives.Add(dweight, partial.Slice(0, weightLength), dweight);
            if (!dbias.IsEmpty) TensorPrimitives.Add(dbias, partial.Slice(weightLength, outChannels), dbias);
        }
    }

    // What one call computes, shared by the threads that split it through a pointer to the caller's stack.
    private unsafe struct Job
    {
        public readonly Shape Shape;
        public readonly float* Input, Weight, Scratch;
        public readonly float* Data;       // forward: the output; backward: doutput
        public float* Bias;                // forward only; null: no bias
        public Activation Activation;      // forward only
        public float* Dinput;              // backward only; null: no input gradient
        public bool WantWeightGradient, WantBiasGradient;
        public bool ClaimWorkspaces;       // one part per chunk, each thread claiming a workspace on its first part
        public long Id;                    // unique per call, for the threads' claims
        public int ClaimedWorkspaces;

        public Job(in Shape shape, float* input, float* weight, float* data, float* scratch)
        {
            Shape = shape;
            Input = input;
            Weight = weight;
            Data = data;
            Scratch = scratch;
        }
    }

    /// <summary>Whether the direct path (Conv2D.Direct.cs) can run here: FMA with AVX-512 or AVX2.</summary>
    internal static bool DirectSupported => Fma.IsSupported && (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || Avx2.IsSupported);

    [ThreadStatic] private static int t_sequentialParts;

    /// <summary>
    /// Tests only: when above 0, calls on this thread split their chunks into this many parts (at most the
    /// workspaces) as the pool would, but run them one after another on this thread.
    /// </summary>
    internal static int SequentialParts
    {
        get => t_sequentialParts;
        set => t_sequentialParts = value;
    }

    private static long s_calls;
    [ThreadStatic] private static long t_workspaceCall;
    [ThreadStatic] private static int t_workspace;

    // Splits the call's chunks across the pool. Where the pool has at most as many threads as the call has workspaces,
    // every chunk is a part of its own, claimed by whichever thread is free (a descheduled thread holds up one chunk,
    // not a share of them), and each thread takes a workspace of its own on its first part. Otherwise part w takes
    // chunks w, w + parts, ... into workspace w. Either way a chunk's results do not depend on who computed it.
    private static unsafe void Run(delegate*<void*, int, int, void> part, ref Job job)
    {
        ref readonly Shape shape = ref job.Shape;
        int parts = Math.Min(shape.Workspaces, shape.Chunks);
        if (t_sequentialParts > 0)
        {
            parts = Math.Min(parts, t_sequentialParts);
            fixed (Job* context = &job) for (int p = 0; p < parts; p++) part(context, p, parts);
            return;
        }
        if (parts > 1 && shape.MultiplyAdds >= ParallelThreshold)
        {
            Threading.WorkerPool pool = Threading.WorkerPool.Shared;
            if (pool.Parallelism > 1 && pool.Parallelism <= shape.Workspaces)
            {
                job.ClaimWorkspaces = true;
                job.Id = Interlocked.Increment(ref s_calls);
                fixed (Job* context = &job) pool.Run(part, context, shape.Chunks);
                return;
            }
            parts = Math.Min(parts, pool.Parallelism);
            if (parts > 1)
            {
                fixed (Job* context = &job) pool.Run(part, context, parts);
                return;
            }
        }
        fixed (Job* context = &job) part(context, 0, 1);
    }

    // The workspace of a part: its own (part w, workspace w), or the one its thread claimed for this call.
    private static unsafe float* WorkspaceOf(ref Job job, int part)
    {
        int index = part;
        if (job.ClaimWorkspaces)
        {
            if (t_workspaceCall != job.Id)
            {
                t_workspace = Interlocked.Increment(ref job.ClaimedWorkspaces) - 1;
                t_workspaceCall = job.Id;
            }
            index = t_workspace;
        }
        return job.Scratch + job.Shape.WorkspacesOffset + (nint)index * job.Shape.WorkspaceLength;
    }

    private static unsafe void ForwardPart(void* context, int part, int parts)
    {
        ref Job job = ref *(Job*)context;
        ref readonly Shape shape = ref job.Shape;
        int positions = shape.OutputPlane, patch = shape.PatchLength, outChannels = shape.OutChannels;
        float* cols = WorkspaceOf(ref job, part);
        float* product = cols + (nint)patch * shape.ChunkSamples * positions;
        for (int chunk = part; chunk < shape.Chunks; chunk += parts)
        {
            int first = chunk * shape.ChunkSamples, samples = Math.Min(shape.ChunkSamples, shape.Batch - first);
            int columns = samples * positions;
            for (int s = 0; s < samples; s++)
                Im2Col(job.Input + (nint)(first + s) * shape.InputSampleLength, cols + (nint)s * positions, columns, in shape);
            Gemm.NN(new ReadOnlySpan<float>(job.Weight, shape.WeightLength), new ReadOnlySpan<float>(cols, patch * columns),
                new Span<float>(product, outChannels * columns), outChannels, columns, patch, accumulate: false);
            for (int s = 0; s < samples; s++)
            {
                float* y = job.Data + (nint)(first + s) * shape.OutputSampleLength;
                for (int oc = 0; oc < outChannels; oc++)
                {
                    var source = new ReadOnlySpan<float>(product + (nint)oc * columns + (nint)s * positions, positions);
                    var target = new Span<float>(y + (nint)oc * positions, positions);
                    if (job.Bias != null) TensorPrimitives.Add(source, job.Bias[oc], target);
                    else source.CopyTo(target);
                    if (job.Activation != Activation.Identity) Activations.Forward(job.Activation, target, target);
                }
            }
        }
    }

    private static unsafe void BackwardPart(void* context, int part, int parts)
    {
        ref Job job = ref *(Job*)context;
        ref readonly Shape shape = ref job.Shape;
        int positions = shape.OutputPlane, patch = shape.PatchLength, outChannels = shape.OutChannels;
        float* cols = WorkspaceOf(ref job, part);
        float* dproduct = cols + (nint)patch * shape.ChunkSamples * positions;
        for (int chunk = part; chunk < shape.Chunks; chunk += parts)
        {
            int first = chunk * shape.ChunkSamples, samples = Math.Min(shape.ChunkSamples, shape.Batch - first);
            int columns = samples * positions;
            float* partial = job.Scratch + shape.PartialsOffset + (nint)chunk * shape.PartialLength;

            // dprod[oc, s*P + p] = doutput[first + s, oc, p]
            for (int s = 0; s < samples; s++)
            {
                float* dy = job.Data + (nint)(first + s) * shape.OutputSampleLength;
                for (int oc = 0; oc < outChannels; oc++)
                    new ReadOnlySpan<float>(dy + (nint)oc * positions, positions).CopyTo(new Span<float>(dproduct + (nint)oc * columns + (nint)s * positions, positions));
            }
            var dprod = new ReadOnlySpan<float>(dproduct, outChannels * columns);
            if (job.WantBiasGradient)
            {
                for (int oc = 0; oc < outChannels; oc++)
                    partial[shape.WeightLength + oc] = TensorPrimitives.Sum(dprod.Slice(oc * columns, columns));
            }
            var colsSpan = new Span<float>(cols, patch * columns);
            if (job.WantWeightGradient)
            {
                for (int s = 0; s < samples; s++)
                    Im2Col(job.Input + (nint)(first + s) * shape.InputSampleLength, cols + (nint)s * positions, columns, in shape);
                Gemm.NT(dprod, colsSpan, new Span<float>(partial, shape.WeightLength), outChannels, patch, columns, accumulate: false);
            }
            if (job.Dinput != null)
            {
                // cols is free again: it takes dcols.
                Gemm.TN(new ReadOnlySpan<float>(job.Weight, shape.WeightLength), dprod, colsSpan, patch, columns, outChannels, accumulate: false);
                for (int s = 0; s < samples; s++)
                    Col2Im(cols + (nint)s * positions, columns, job.Dinput + (nint)(first + s) * shape.InputSampleLength, in shape);
            }
        }
    }

    // output[B,OC,OH,OW] = sum_{ic,kh,kw} weight[OC,IC,KH,KW] * input[B,IC,oh*sH-pH+kh*dH, ow*sW-pW+kw*dW] + bias[OC]
    /// <summary>
    /// Direct seven-loop convolution accumulated in double precision: the reference that <c>Forward</c>
    /// is tested against. Same layout and meaning as <c>Forward</c>, without scratch.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        ForwardReference(input, weight, bias, output,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW);

    /// <summary>As the overload with one padding per dimension, padded per side: <paramref name="padTop"/> rows above the input,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left and <paramref name="padRight"/> right
    /// (ONNX's <c>pads</c> order; Keras's <c>padding="same"</c> is <see cref="SamePadding"/> per dimension).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        shape.CheckBias(bias, nameof(bias), allowEmpty: true);
        shape.CheckOutput(output, nameof(output));
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;

        for (int b = 0; b < batch; b++)
        for (int oc = 0; oc < outChannels; oc++)
        for (int oh = 0; oh < outHeight; oh++)
        for (int ow = 0; ow < outWidth; ow++)
        {
            double sum = bias.IsEmpty ? 0.0 : bias[oc];
            for (int ic = 0; ic < inChannels; ic++)
            for (int kh = 0; kh < kernelH; kh++)
            for (int kw = 0; kw < kernelW; kw++)
            {
                int ih = oh * strideH - padTop + kh * dilationH;
                int iw = ow * strideW - padLeft + kw * dilationW;
                if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                sum += (double)weight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw]
                     * input[((b * inChannels + ic) * height + ih) * width + iw];
            }
            output[((b * outChannels + oc) * outHeight + oh) * outWidth + ow] = (float)sum;
        }
    }

    // dinput[b,ic,ih,iw]  = sum_{oc,kh,kw} doutput[b,oc,oh,ow] * weight[oc,ic,kh,kw]  where ih = oh*sH-pH+kh*dH, iw = ...  (overwritten)
    // dweight[oc,ic,kh,kw] += sum_{b,oh,ow} doutput[b,oc,oh,ow] * input[b,ic,ih,iw]
    // dbias[oc]           += sum_{b,oh,ow} doutput[b,oc,oh,ow]
    /// <summary>
    /// Direct loops accumulated in double precision: the reference that <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> is tested
    /// against. Same layout and meaning as <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, Span{float}, Span{float}, int, int, int, int, int, int, int, int, int, int, int, int, int)"/> (dinput overwritten, dweight and dbias
    /// accumulated, an empty gradient span skipped), without scratch.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) =>
        BackwardReference(doutput, input, weight, dinput, dweight, dbias,
            batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW);

    /// <summary>As the overload with one padding per dimension, padded per side: <paramref name="padTop"/> rows above the input,
    /// <paramref name="padBottom"/> below, <paramref name="padLeft"/> columns left and <paramref name="padRight"/> right
    /// (ONNX's <c>pads</c> order; Keras's <c>padding="same"</c> is <see cref="SamePadding"/> per dimension).</summary>
    /// <exception cref="ArgumentException">A span's length does not match the shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a padding is negative, or the kernel does not fit.</exception>
    public static void BackwardReference(ReadOnlySpan<float> doutput, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        Span<float> dinput, Span<float> dweight, Span<float> dbias,
        int batch, int inChannels, int height, int width, int outChannels,
        int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight, int dilationH, int dilationW)
    {
        var shape = new Shape(batch, inChannels, height, width, outChannels,
            kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW);
        shape.CheckOutput(doutput, nameof(doutput));
        shape.CheckInput(input, nameof(input));
        shape.CheckWeight(weight, nameof(weight));
        if (!dinput.IsEmpty) shape.CheckInput(dinput, nameof(dinput));
        if (!dweight.IsEmpty) shape.CheckWeight(dweight, nameof(dweight));
        shape.CheckBias(dbias, nameof(dbias), allowEmpty: true);
        int outHeight = shape.OutHeight, outWidth = shape.OutWidth;

        if (!dinput.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            for (int ic = 0; ic < inChannels; ic++)
            for (int ih = 0; ih < height; ih++)
            for (int iw = 0; iw < width; iw++)
            {
                double sum = 0.0;
                for (int oc = 0; oc < outChannels; oc++)
                for (int kh = 0; kh < kernelH; kh++)
                for (int kw = 0; kw < kernelW; kw++)
                {
                    // Which output position (if any) reads input[ih, iw] through kernel tap (kh, kw)?
                    int ohStrided = ih + padTop - kh * dilationH, owStrided = iw + padLeft - kw * dilationW;
                    if (ohStrided < 0 || owStrided < 0 || ohStrided % strideH != 0 || owStrided % strideW != 0) continue;
                    int oh = ohStrided / strideH, ow = owStrided / strideW;
                    if (oh >= outHeight || ow >= outWidth) continue;
                    sum += (double)doutput[((b * outChannels + oc) * outHeight + oh) * outWidth + ow]
                         * weight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw];
                }
                dinput[((b * inChannels + ic) * height + ih) * width + iw] = (float)sum;
            }
        }

        if (!dweight.IsEmpty)
        {
            for (int oc = 0; oc < outChannels; oc++)
            for (int ic = 0; ic < inChannels; ic++)
            for (int kh = 0; kh < kernelH; kh++)
            for (int kw = 0; kw < kernelW; kw++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                for (int oh = 0; oh < outHeight; oh++)
                for (int ow = 0; ow < outWidth; ow++)
                {
                    int ih = oh * strideH - padTop + kh * dilationH;
                    int iw = ow * strideW - padLeft + kw * dilationW;
                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                    sum += (double)doutput[((b * outChannels + oc) * outHeight + oh) * outWidth + ow]
                         * input[((b * inChannels + ic) * height + ih) * width + iw];
                }
                dweight[((oc * inChannels + ic) * kernelH + kh) * kernelW + kw] += (float)sum;
            }
        }

        if (!dbias.IsEmpty)
        {
            for (int oc = 0; oc < outChannels; oc++)
            {
                double sum = 0.0;
                for (int b = 0; b < batch; b++)
                for (int position = 0; position < outHeight * outWidth; position++)
                    sum += doutput[(b * outChannels + oc) * outHeight * outWidth + position];
                dbias[oc] += (float)sum;
            }
        }
    }

    // cols[(ic*KH + kh)*KW + kw, oh*OW + ow] = input[ic, oh*sH-pH+kh*dH, ow*sW-pW+kw*dW], or 0 in the padding;
    // one sample's columns of a chunk's matrix, whose rows are rowStride floats apart.
    private static unsafe void Im2Col(float* input, float* cols, nint rowStride, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        int positions = shape.OutputPlane, strideH = shape.StrideH, strideW = shape.StrideW;
        float* row = cols;
        for (int ic = 0; ic < shape.InChannels; ic++)
        {
            float* plane = input + (nint)ic * height * width;
            for (int kh = 0; kh < shape.KernelH; kh++)
            {
                int rowOffset = kh * shape.DilationH - shape.PadH;
                ValidOutputRange(rowOffset, strideH, height, outHeight, out int ohStart, out int ohEnd);
                for (int kw = 0; kw < shape.KernelW; kw++, row += rowStride)
                {
                    int columnOffset = kw * shape.DilationW - shape.PadW;
                    ValidOutputRange(columnOffset, strideW, width, outWidth, out int owStart, out int owEnd);
                    Clear(row, ohStart * outWidth);
                    Clear(row + ohEnd * outWidth, positions - ohEnd * outWidth);
                    int valid = owEnd - owStart;
                    for (int oh = ohStart; oh < ohEnd; oh++)
                    {
                        float* destination = row + oh * outWidth;
                        float* source = plane + (nint)(oh * strideH + rowOffset) * width;
                        Clear(destination, owStart);
                        Clear(destination + owEnd, outWidth - owEnd);
                        if (strideW == 1) Copy(source + owStart + columnOffset, destination + owStart, valid);
                        else for (int ow = owStart; ow < owEnd; ow++) destination[ow] = source[ow * strideW + columnOffset];
                    }
                }
            }
        }
    }

    // dinput[ic, ih, iw] = sum of dcols[(ic*KH + kh)*KW + kw, oh*OW + ow] over the (kh, kw, oh, ow) that read it  (overwritten);
    // one sample's columns of a chunk's matrix, whose rows are rowStride floats apart.
    private static unsafe void Col2Im(float* dcols, nint rowStride, float* dinput, in Shape shape)
    {
        int height = shape.Height, width = shape.Width, outHeight = shape.OutHeight, outWidth = shape.OutWidth;
        int strideH = shape.StrideH, strideW = shape.StrideW;
        Clear(dinput, shape.InputSampleLength);
        float* row = dcols;
        for (int ic = 0; ic < shape.InChannels; ic++)
        {
            float* plane = dinput + (nint)ic * height * width;
            for (int kh = 0; kh < shape.KernelH; kh++)
            {
                int rowOffset = kh * shape.DilationH - shape.PadH;
                ValidOutputRange(rowOffset, strideH, height, outHeight, out int ohStart, out int ohEnd);
                for (int kw = 0; kw < shape.KernelW; kw++, row += rowStride)
                {
                    int columnOffset = kw * shape.DilationW - shape.PadW;
                    ValidOutputRange(columnOffset, strideW, width, outWidth, out int owStart, out int owEnd);
                    int valid = owEnd - owStart;
                    for (int oh = ohStart; oh < ohEnd; oh++)
                    {
                        float* source = row + oh * outWidth;
                        float* destination = plane + (nint)(oh * strideH + rowOffset) * width;
                        if (strideW == 1) AddTo(source + owStart, destination + owStart + columnOffset, valid);
                        else for (int ow = owStart; ow < owEnd; ow++) destination[ow * strideW + columnOffset] += source[ow];
                    }
                }
            }
        }
    }

    // target[0..count) = source[0..count): 8 floats at a time, the last 8 overlapping the ones before (same values).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* source, float* target, int count)
    {
        if (count >= 8)
        {
            int i = 0;
            for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(source + i), target + i);
            if (i < count) Vector256.Store(Vector256.Load(source + count - 8), target + count - 8);
            return;
        }
        for (int i = 0; i < count; i++) target[i] = source[i];
    }

    // target[0..count) += source[0..count)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddTo(float* source, float* target, int count)
    {
        int i = 0;
        for (; i + 8 <= count; i += 8) Vector256.Store(Vector256.Load(target + i) + Vector256.Load(source + i), target + i);
        for (; i < count; i++) target[i] += source[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Clear(float* target, int count)
    {
        if (count > 0) new Span<float>(target, count).Clear();
    }

    // The output positions o in [start, end) with 0 <= o*stride + offset < inputLength, clipped to [0, outputLength).
    private static void ValidOutputRange(int offset, int stride, int inputLength, int outputLength, out int start, out int end)
    {
        start = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = inputLength - 1 - offset;
        end = last < 0 ? 0 : Math.Min(last / stride + 1, outputLength);
        start = Math.Min(start, end);
    }

    /// <summary>Validated sizes of one convolution call; a struct so that validating allocates nothing.</summary>
    private readonly struct Shape
    {
        public readonly int Batch, InChannels, Height, Width, OutChannels;
        public readonly int KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW;
        public readonly int OutHeight, OutWidth;
        public readonly int InputSampleLength, OutputSampleLength, OutputPlane, PatchLength, WeightLength, ScratchLength;
        public readonly int ChunkSamples, Chunks, Workspaces, WorkspaceLength, WorkspacesOffset, PartialLength, PartialsOffset;
        public readonly long MultiplyAdds;
        // The direct path (Conv2D.Direct.cs): stride 1, dilation 1, square kernel, the same padding on every side, at most K-1, AVX2 and FMA.
        public readonly bool UseDirect;
        // The direct path's weight gradient in vectors of 16 output channels (Conv2D.WeightGradientChannels.cs): 5x5
        // kernels whose channels fill the vectors better than the positions-in-vectors kernel fills its own.
        public readonly bool UseChannelWeightGradient;
        public readonly int PaddedWidth, ForwardPlaneLength, ForwardVectors, BackwardPaddedWidth, BackwardPlaneLength, BackwardVectors;
        public readonly int OutBlocks, InBlocks, OutQuads;
        public readonly int DirectSharedLength, DirectFlippedOffset, DirectPaddedGradientOffset, DirectGridOffset, DirectOffsetsOffset;
        // The direct path's input and weight gradients with the batch in the vector lanes (Conv2D.InputGradientLanes.cs,
        // Conv2D.WeightGradientLanes.cs), each where it wastes fewer multiply-adds than the other kernels by a margin.
        public readonly bool UseLaneInputGradient, UseLaneWeightGradient;
        public readonly int LaneHeight, LaneWidth, LaneGradientLength, LaneInputLength, LaneWorkspaceLength, LaneWorkspaces, LaneOffset;
        public readonly int LanePaddedInputLength, LanePartialLength, LanePartialsOffset, LaneBlocks, LaneTapStride;
        private readonly long inputLength, outputLength;

        public Shape(int batch, int inChannels, int height, int width, int outChannels,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH, int dilationW)
            : this(batch, inChannels, height, width, outChannels, kernelH, kernelW, strideH, strideW, padH, padW, padH, padW, dilationH, dilationW)
        {
        }

        // PadH and PadW are the padding above and left of the input. The padding below and right only sets how many
        // outputs there are: every kernel reads a position outside the input as zero, whichever side it is on.
        public Shape(int batch, int inChannels, int height, int width, int outChannels,
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int padBottom, int padRight, int dilationH, int dilationW)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
            ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
            OutHeight = Conv2D.OutputSize(height, kernelH, strideH, padH, padBottom, dilationH);
            OutWidth = Conv2D.OutputSize(width, kernelW, strideW, padW, padRight, dilationW);
            (Batch, InChannels, Height, Width, OutChannels) = (batch, inChannels, height, width, outChannels);
            (KernelH, KernelW, StrideH, StrideW, PadH, PadW, DilationH, DilationW) =
                (kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW);

            InputSampleLength = ToLength((long)inChannels * height * width, "one input sample");
            OutputPlane = ToLength((long)OutHeight * OutWidth, "one output plane");
            OutputSampleLength = ToLength((long)outChannels * OutputPlane, "one output sample");
            PatchLength = ToLength((long)inChannels * kernelH * kernelW, "one input patch");
            WeightLength = ToLength((long)outChannels * PatchLength, "the weight");
            inputLength = (long)batch * InputSampleLength;
            outputLength = (long)batch * OutputSampleLength;
            MultiplyAdds = (long)batch * OutputSampleLength * PatchLength;

            // im2col path: chunks of samples whose im2col matrix and product fit ChunkTargetFloats (at least one
            // sample); a smaller batch never needs more scratch than a larger one.
            long sampleWorkspace = (long)OutputPlane * (PatchLength + outChannels);
            int chunkSamples = (int)Math.Clamp(ChunkTargetFloats / sampleWorkspace, 1, batch);
            int chunks = (batch + chunkSamples - 1) / chunkSamples;
            int workspaces = Math.Min(MaxThreads, chunks);
            PartialLength = WeightLength + outChannels;
            long im2colLength = workspaces * chunkSamples * sampleWorkspace + (long)chunks * PartialLength;
            (ChunkSamples, Chunks, Workspaces) = (chunkSamples, chunks, workspaces);
            WorkspaceLength = ToLength(chunkSamples * sampleWorkspace, "one chunk's workspace");
            PartialsOffset = ToLength((long)workspaces * WorkspaceLength, "the workspaces");
            long scratch = im2colLength;

            bool directShape = strideH == 1 && strideW == 1 && dilationH == 1 && dilationW == 1 && kernelH == kernelW
                && padH == padW && padBottom == padH && padRight == padW && padH <= kernelH - 1;
            if (directShape)
            {
                int kernel = kernelH, pad = padH, backwardPad = kernel - 1 - pad;
                PaddedWidth = width + 2 * pad;
                ForwardVectors = Vectors((long)OutHeight * PaddedWidth);
                ForwardPlaneLength = ToLength(RoundUp((long)ForwardVectors * 16 + (long)(kernel - 1) * (PaddedWidth + 1), 16), "one padded plane");
                BackwardPaddedWidth = OutWidth + 2 * backwardPad;
                BackwardVectors = Vectors((long)height * BackwardPaddedWidth);
                BackwardPlaneLength = ToLength(RoundUp((long)BackwardVectors * 16 + (long)(kernel - 1) * (BackwardPaddedWidth + 1), 16), "one padded gradient plane");
                OutBlocks = (outChannels + DirectChannelBlock - 1) / DirectChannelBlock;
                InBlocks = (inChannels + DirectChannelBlock - 1) / DirectChannelBlock;
                OutQuads = (outChannels + 3) / 4;
                DirectFlippedOffset = ToLength((long)OutBlocks * DirectChannelBlock * PatchLength, "the arranged weights");
                DirectSharedLength = ToLength(DirectFlippedOffset + (long)InBlocks * DirectChannelBlock * outChannels * kernel * kernel, "the arranged weights");
                long sampleFloats = (long)inChannels * ForwardPlaneLength + (long)OutQuads * 4 * ForwardVectors * 16;
                int directSamples = (int)Math.Clamp(ChunkTargetFloats / sampleFloats, 1, batch);
                int directChunks = (batch + directSamples - 1) / directSamples;
                int directWorkspaces = Math.Min(MaxThreads, directChunks);
                DirectPaddedGradientOffset = ToLength(directSamples * sampleFloats, "one chunk's workspace");
                DirectGridOffset = ToLength(DirectPaddedGradientOffset + (long)outChannels * BackwardPlaneLength, "one chunk's workspace");
                long grid = Math.Max((long)OutBlocks * DirectChannelBlock * ForwardVectors * 16, (long)InBlocks * DirectChannelBlock * BackwardVectors * 16);
                DirectOffsetsOffset = ToLength(DirectGridOffset + grid, "one chunk's workspace");
                int directWorkspace = ToLength(DirectOffsetsOffset + RoundUp(PatchLength, 4), "one chunk's workspace");
                long directLength = DirectSharedLength + (long)directWorkspaces * directWorkspace + (long)directChunks * PartialLength;
                // The input gradient with the batch in the vector lanes (Conv2D.InputGradientLanes.cs), sized from the
                // shapes alone like the rest, taken wherever the direct path runs. Compared are the multiply-adds per (sample,
                // input channel, output channel) of the two kernels: the correlation's whole grid times every tap,
                // against the kernel rows that reach the gradient times its columns times the row's positions; the
                // lanes also transpose the gradient in and out, hence the margin of 1.25.
                // LeNet-5's conv2 (6->16, 5x5 on 14x14): 7200 against 3500, and its input gradient at batch 64 took 453 us
                // on the grid and 242-263 us in the lanes (best of many, 2026-12-03, Zen 4, two threads).
                long laneRows = 0;
                for (int y = 0; y < height; y++) laneRows += Math.Min(kernel, backwardPad + OutHeight - y) - Math.Max(0, backwardPad - y);
                long laneTaps = laneRows * kernel * width;
                long directTaps = (long)BackwardVectors * 16 * kernel * kernel;
                bool laneShape = batch >= SampleLanes && laneTaps * 5 < directTaps * 4;
                // The weight gradient in the lanes too (Conv2D.WeightGradientLanes.cs, AVX-512 only): compared are the
                // useful shares of each kernel's multiply-adds, channels x taps for the lanes' tiles of 6 x 4 against
                // positions x channels x taps for the grid's (and, where it runs, the channel-vector kernel's), with
                // the same margin. LeNet-5's conv1 (1->6, 5x5 on 28x28 pad 2): 0.89 against 0.57 (channels: 0.31).
                double positionShare = OutputPlane / (ForwardVectors * 16.0) * outChannels / (OutQuads * 4.0) * PatchLength / ((PatchLength + 3) / 4 * 4.0);
                double laneWeightShare = outChannels / (double)RoundUp(outChannels, DirectChannelBlock) * PatchLength / RoundUp(PatchLength, LaneTaps);
                bool laneWeightShape = batch >= SampleLanes && laneWeightShare > 1.25 * positionShare;
                if (laneShape || laneWeightShape)
                {
                    LaneHeight = OutHeight + 2 * backwardPad;
                    LaneWidth = OutWidth + 2 * backwardPad;
                    LaneGradientLength = ToLength((long)outChannels * LaneHeight * LaneWidth * SampleLanes, "one block's bordered gradient");
                    LaneInputLength = ToLength((long)InBlocks * DirectChannelBlock * height * width * SampleLanes, "one block's input gradient");
                    long inputGradientWorkspace = laneShape ? (long)LaneGradientLength + LaneInputLength + 16 * 16 : 0;
                    LanePaddedInputLength = ToLength((long)inChannels * (height + 2 * pad) * PaddedWidth * SampleLanes, "one block's padded input");
                    LaneTapStride = (int)RoundUp(PatchLength, LaneTaps);
                    LanePartialLength = ToLength(RoundUp(outChannels, DirectChannelBlock) * LaneTapStride, "one block's weight gradient");
                    long weightGradientWorkspace = laneWeightShape
                        ? (long)outChannels * OutputPlane * SampleLanes + LanePaddedInputLength + 16 * 16 + LaneTapStride : 0;
                    LaneWorkspaceLength = ToLength(RoundUp(Math.Max(inputGradientWorkspace, weightGradientWorkspace), 16), "one block's workspace");
                    LaneBlocks = (batch + SampleLanes - 1) / SampleLanes;
                    LaneWorkspaces = Math.Min(MaxThreads, LaneBlocks);
                    LaneOffset = ToLength(directLength, "the direct path's scratch");
                    // 16 floats of slack: the workspaces start at the first 64-byte boundary. Then one weight-gradient
                    // partial per block of samples, added in block order whatever the split.
                    LanePartialsOffset = ToLength(LaneOffset + 16 + (long)LaneWorkspaces * LaneWorkspaceLength, "the lanes' workspaces");
                    directLength = LanePartialsOffset + (laneWeightShape ? (long)LaneBlocks * LanePartialLength : 0);
                }
                scratch = Math.Max(scratch, directLength);
                UseDirect = DirectSupported;
                UseLaneInputGradient = UseDirect && laneShape;
                if (UseDirect)
                {
                    // Useful share of each weight-gradient kernel's multiply-adds: positions x channels x taps filled.
                    long lanes = (outChannels + 15) / 16 * 16, kernelRows = (long)inChannels * kernel;
                    double channelShare = outChannels / (double)lanes * kernelRows / ((kernelRows + 1) / 2 * 2);
                    // Its [position][channel] gradient must fit where the other kernel keeps its grid-shaped one.
                    UseChannelWeightGradient = kernel == ChannelGradientKernel && Avx512F.IsSupported && channelShare > positionShare
                        && lanes * OutputPlane <= (long)OutQuads * 4 * ForwardVectors * 16;
                    UseLaneWeightGradient = laneWeightShape && Gemm.UseVector512 && Avx512F.IsSupported
                        && laneWeightShare > 1.25 * (UseChannelWeightGradient ? channelShare : positionShare);
                    (ChunkSamples, Chunks, Workspaces, WorkspaceLength) = (directSamples, directChunks, directWorkspaces, directWorkspace);
                    WorkspacesOffset = DirectSharedLength;
                    PartialsOffset = ToLength(DirectSharedLength + (long)directWorkspaces * directWorkspace, "the workspaces");
                }
            }
            ScratchLength = ToLength(scratch, "the convolution scratch");
        }

        public void CheckInput(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != inputLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [B,IC,H,W] = [{Batch},{InChannels},{Height},{Width}] needs {inputLength}.", name);
        }

        public void CheckOutput(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != outputLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [B,OC,OH,OW] = [{Batch},{OutChannels},{OutHeight},{OutWidth}] needs {outputLength}.", name);
        }

        public void CheckWeight(ReadOnlySpan<float> span, string name)
        {
            if (span.Length != WeightLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; [OC,IC,KH,KW] = [{OutChannels},{InChannels},{KernelH},{KernelW}] needs {WeightLength}.", name);
        }

        public void CheckBias(ReadOnlySpan<float> span, string name, bool allowEmpty)
        {
            if (span.Length != OutChannels && !(allowEmpty && span.IsEmpty))
                throw new ArgumentException($"{name} holds {span.Length} floats; it needs one per output channel ({OutChannels}){(allowEmpty ? " or none" : "")}.", name);
        }

        public void CheckScratch(ReadOnlySpan<float> span, string name)
        {
            if (span.Length < ScratchLength)
                throw new ArgumentException($"{name} holds {span.Length} floats; this convolution needs at least {ScratchLength} (Conv2D.ScratchSize).", name);
        }

        // Vectors of 16 that cover positions, rounded up to whole register tiles.
        private static int Vectors(long positions) =>
            ToLength(RoundUp((positions + 15) / 16, DirectVectorBlock), "the direct grid");

        private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

        private static int ToLength(long length, string what) => length <= int.MaxValue ? (int)length
            : throw new ArgumentOutOfRangeException(what, $"{what} would hold {length} floats, more than a span can.");
    }
}
