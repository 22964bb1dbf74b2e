using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Element-wise activations and their gradients, plus row-wise softmax as a layer.
/// Forward: <c>y = f(x)</c>; <c>y</c> may be the same span as <c>x</c> (in place).
/// Backward: <c>dx = dy · f'(x)</c>, OVERWRITTEN; <c>dx</c> may be the same span as <c>dy</c>.
/// Each backward says which of <c>x</c> and <c>y</c> it reads; the one it does not read may be empty.
/// Spans that are read or written must all have the same length.
/// </summary>
public static class Activations
{
    // ---------------------------------------------------------------- dispatch on the attribute enum

    /// <summary>y = f(x) for an <see cref="Activation"/> value (Identity copies x to y unless they are the same span).</summary>
    public static void Forward(Activation activation, ReadOnlySpan<float> x, Span<float> y)
    {
        switch (activation)
        {
            case Activation.Identity: CheckLength(x.Length, y.Length, nameof(y)); x.CopyTo(y); break;
            case Activation.ReLU: ReluForward(x, y); break;
            case Activation.Sigmoid: SigmoidForward(x, y); break;
            case Activation.Tanh: TanhForward(x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary>dx = dy · f'(x) for an <see cref="Activation"/> value. Every member of the enum reads only y, so the forward may run in place.</summary>
    public static void Backward(Activation activation, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        switch (activation)
        {
            case Activation.Identity: CheckLength(dy.Length, dx.Length, nameof(dx)); dy.CopyTo(dx); break;
            case Activation.ReLU: ReluBackward(x, y, dy, dx); break;
            case Activation.Sigmoid: SigmoidBackward(x, y, dy, dx); break;
            case Activation.Tanh: TanhBackward(x, y, dy, dx); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    // ---------------------------------------------------------------- ReLU

    // y[n] = max(0, x[n])   (NaN stays NaN)
    /// <summary>y = max(0, x).</summary>
    public static void ReluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        TensorPrimitives.Max(x, 0f, y);
    }

    // dx[n] = y[n] > 0 ? dy[n] : 0
    /// <summary>dx = dy where y &gt; 0, else 0. Reads y only (x may be empty).</summary>
    public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(y, dy, dx, nameof(y));
        MapBackward(y, y, dy, dx, new ReluGradient());
    }

    // ---------------------------------------------------------------- leaky ReLU

    // y[n] = x[n] > 0 ? x[n] : alpha·x[n]
    /// <summary>y = x for x &gt; 0, else alpha·x (PyTorch's negative_slope; 0.01 there by default).</summary>
    public static void LeakyReluForward(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        MapForward(x, y, new LeakyRelu(alpha));
    }

    // dx[n] = dy[n] · (x[n] > 0 ? 1 : alpha)
    /// <summary>dx = dy for x &gt; 0, else alpha·dy. Reads x only; in-place forward is fine when alpha &gt;= 0 (the sign of y is then the sign of x).</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        CheckBackward(x, dy, dx, nameof(x));
        MapBackward(x, x, dy, dx, new LeakyReluGradient(alpha));
    }

    // ---------------------------------------------------------------- ELU

    // y[n] = x[n] > 0 ? x[n] : alpha·(e^x[n] - 1)
    /// <summary>y = x for x &gt; 0, else alpha·(e^x - 1), with expm1 accuracy near 0.</summary>
    public static void EluForward(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        MapForward(x, y, new Elu(alpha));
    }

    // dx[n] = x[n] > 0 ? dy[n] : dy[n]·(y[n] + alpha)      since alpha·e^x = y + alpha
    /// <summary>dx = dy for x &gt; 0, else dy·(y + alpha) (= dy·alpha·e^x). Reads x and y; in-place forward (x holding y) is fine when alpha &gt;= 0.</summary>
    public static void EluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
    {
        CheckBackward(x, dy, dx, nameof(x));
        CheckLength(dy.Length, y.Length, nameof(y));
        MapBackward(x, y, dy, dx, new EluGradient(alpha));
    }

    // ---------------------------------------------------------------- sigmoid

    // y[n] = 1 / (1 + e^-x[n])
    /// <summary>y = 1 / (1 + e^-x).</summary>
    public static void SigmoidForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        TensorPrimitives.Sigmoid(x, y);
    }

    // dx[n] = dy[n] · y[n] · (1 - y[n])
    /// <summary>dx = dy·y·(1 - y). Reads y only (x may be empty).</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(y, dy, dx, nameof(y));
        MapBackward(y, y, dy, dx, new SigmoidGradient());
    }

    // ---------------------------------------------------------------- tanh

    // y[n] = tanh(x[n])
    /// <summary>y = tanh(x).</summary>
    public static void TanhForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        TensorPrimitives.Tanh(x, y);
    }

    // dx[n] = dy[n] · (1 - y[n]^2)
    /// <summary>dx = dy·(1 - y²). Reads y only (x may be empty).</summary>
    public static void TanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(y, dy, dx, nameof(y));
        MapBackward(y, y, dy, dx, new TanhGradient());
    }

    // ---------------------------------------------------------------- GELU (exact)

    // y[n] = x[n] · Φ(x[n]),  Φ(x) = ½·erfc(-x/√2)
    /// <summary>
    /// Exact GELU, y = x·Φ(x) with Φ the standard normal CDF (PyTorch's <c>approximate='none'</c>).
    /// erfc uses the Numerical Recipes Chebyshev fit (relative error &lt; 1.2e-7 everywhere), so tails keep their relative accuracy.
    /// </summary>
    public static void GeluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        if (x.Length >= GeluParallelLength && Threading.WorkerPool.Shared.Parallelism > 1)
        {
            GeluSplit(x, default, y, forward: true);
            return;
        }

        GeluRange(x, default, y, forward: true);
    }

    // dx[n] = dy[n] · (Φ(x) + x·φ(x)),  φ(x) = e^(-x²/2) / √(2π)
    /// <summary>dx = dy·(Φ(x) + x·φ(x)). Reads x only (y may be empty).</summary>
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(x, dy, dx, nameof(x));
        if (dy.Length >= GeluParallelLength && Threading.WorkerPool.Shared.Parallelism > 1)
        {
            GeluSplit(x, dy, dx, forward: false);
            return;
        }

        GeluRange(x, dy, dx, forward: false);
    }

    /// <summary>
    /// Elements from which exact GELU splits across the cores: its erfc costs tens of operations per element, so a
    /// transformer's MLP (2048 x 512 at the GPT benchmark's shape) spent 2.8 ms forward and 6.2 ms backward on one core.
    /// </summary>
    private const int GeluParallelLength = 1 << 16;

    private unsafe struct GeluJob
    {
        public float* X, Dy, Output;
        public int Length;
        public bool Forward;
    }

    // Splits the map into whole Vector512s per part (the last takes the tail): each element is computed alone, on a
    // path fixed by its index, so the result is the same bits whatever the split.
    private static unsafe void GeluSplit(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> output, bool forward)
    {
        fixed (float* px = x, pdy = dy, po = output)
        {
            var job = new GeluJob { X = px, Dy = pdy, Output = po, Length = forward ? x.Length : dy.Length, Forward = forward };
            Threading.WorkerPool pool = Threading.WorkerPool.Shared;
            pool.Run(&GeluPart, &job, pool.Parallelism);
        }
    }

    private static unsafe void GeluPart(void* context, int part, int parts)
    {
        ref GeluJob job = ref *(GeluJob*)context;
        const int Block = 16;   // parts start on whole Vector512s, so an element takes the same path whatever the split
        int blocks = job.Length / Block;
        int start = (int)((long)blocks * part / parts) * Block;
        int end = part == parts - 1 ? job.Length : (int)((long)blocks * (part + 1) / parts) * Block;
        GeluRange(new ReadOnlySpan<float>(job.X + start, end - start), job.Forward ? default : new ReadOnlySpan<float>(job.Dy + start, end - start),
            new Span<float>(job.Output + start, end - start), job.Forward);
    }

    // GELU or its gradient over one range: whole Vector512s where AVX-512 is (the same formulas on 16 lanes), the rest
    // on 8 lanes. Both widths compute each element alone, so the split of the range does not change the bits.
    private static void GeluRange(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> output, bool forward)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float dyRef = ref MemoryMarshal.GetReference(dy);
            ref float outRef = ref MemoryMarshal.GetReference(output);
            int length = x.Length;
            if (forward)
            {
                for (; i <= length - 16; i += 16)
                {
                    Vector512<float> v = Vector512.LoadUnsafe(ref xRef, (nuint)i);
                    (v * NormalCdf512(v)).StoreUnsafe(ref outRef, (nuint)i);
                }
            }
            else
            {
                for (; i <= length - 16; i += 16)
                {
                    Vector512<float> v = Vector512.LoadUnsafe(ref xRef, (nuint)i);
                    Vector512<float> density = Vector512.Exp(v * v * -0.5f) * VectorMath.InverseSqrtTwoPi;
                    (Vector512.LoadUnsafe(ref dyRef, (nuint)i) * (NormalCdf512(v) + v * density)).StoreUnsafe(ref outRef, (nuint)i);
                }
            }
        }

        if (i == x.Length) return;
        if (forward) MapForward(x.Slice(i), output.Slice(i), new Gelu());
        else MapBackward(x.Slice(i), x.Slice(i), dy.Slice(i), output.Slice(i), new GeluGradient());
    }

    // VectorMath.NormalCdf on 16 lanes: Φ(x) = ½·erfc(-x/√2), Numerical Recipes' erfcc.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> NormalCdf512(Vector512<float> x)
    {
        Vector512<float> z = Vector512.Abs(x) * 0.70710678f;
        Vector512<float> t = Vector512<float>.One / (Vector512<float>.One + z * 0.5f);
        Vector512<float> p = Vector512.Create(0.17087277f);
        p = p * t + Vector512.Create(-0.82215223f);
        p = p * t + Vector512.Create(1.48851587f);
        p = p * t + Vector512.Create(-1.13520398f);
        p = p * t + Vector512.Create(0.27886807f);
        p = p * t + Vector512.Create(-0.18628806f);
        p = p * t + Vector512.Create(0.09678418f);
        p = p * t + Vector512.Create(0.37409196f);
        p = p * t + Vector512.Create(1.00002368f);
        p = p * t + Vector512.Create(-1.26551223f);
        Vector512<float> half = Vector512.Create(0.5f) * (t * Vector512.Exp(p - z * z));
        return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), half, Vector512<float>.One - half);
    }

    // ---------------------------------------------------------------- GELU (tanh approximation)

    // y = ½x(1 + tanh(z)) = x·σ(2z),  z = √(2/π)·(x + 0.044715x³)
    /// <summary>GELU with the tanh approximation (PyTorch's <c>approximate='tanh'</c>, GPT-2's): y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static void GeluTanhForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        MapForward(x, y, new GeluTanh());
    }

    // s = σ(2z):  dx = dy · (s + x·2s(1-s)·z'),  z' = √(2/π)·(1 + 3·0.044715x²)
    /// <summary>dx = dy·d/dx[½x(1 + tanh z)]. Reads x only (y may be empty).</summary>
    public static void GeluTanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(x, dy, dx, nameof(x));
        MapBackward(x, x, dy, dx, new GeluTanhGradient());
    }

    // ---------------------------------------------------------------- SiLU / swish

    // y[n] = x[n] · σ(x[n])
    /// <summary>SiLU (swish): y = x·σ(x).</summary>
    public static void SiluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        MapForward(x, y, new Silu());
    }

    // dx[n] = dy[n] · σ(x)·(1 + x·(1 - σ(x)))
    /// <summary>dx = dy·σ(x)(1 + x(1 - σ(x))). Reads x only (y may be empty).</summary>
    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(x, dy, dx, nameof(x));
        MapBackward(x, x, dy, dx, new SiluGradient());
    }

    // ---------------------------------------------------------------- softplus

    // y[n] = x[n] > 20 ? x[n] : log1p(e^x[n])
    /// <summary>Softplus as PyTorch with beta = 1, threshold = 20: y = x for x &gt; 20, else log(1 + e^x) (log1p accuracy for very negative x).</summary>
    public static void SoftplusForward(ReadOnlySpan<float> x, Span<float> y)
    {
        CheckLength(x.Length, y.Length, nameof(y));
        MapForward(x, y, new Softplus());
    }

    // dx[n] = x[n] > 20 ? dy[n] : dy[n] · σ(x[n])
    /// <summary>dx = dy for x &gt; 20, else dy·σ(x). Reads x only (y may be empty).</summary>
    public static void SoftplusBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        CheckBackward(x, dy, dx, nameof(x));
        MapBackward(x, x, dy, dx, new SoftplusGradient());
    }

    // ---------------------------------------------------------------- softmax over each row

    // y[r,c] = e^(x[r,c] - max_c x[r,:]) / Σ_c' e^(x[r,c'] - max)
    /// <summary>Softmax over each row of x[rows, cols] (max subtracted first, so large logits do not overflow). y may be x.</summary>
    public static void SoftmaxForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        CheckMatrix(x.Length, rows, cols, nameof(x));
        CheckMatrix(y.Length, rows, cols, nameof(y));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xRow = x.Slice(r * cols, cols);
            Span<float> yRow = y.Slice(r * cols, cols);
            float max = TensorPrimitives.Max(xRow);
            TensorPrimitives.Subtract(xRow, max, yRow);
            TensorPrimitives.Exp(yRow, yRow);
            float sum = TensorPrimitives.Sum(yRow);
            TensorPrimitives.Multiply(yRow, 1f / sum, yRow);
        }
    }

    // dx[r,c] = y[r,c] · (dy[r,c] - Σ_c' dy[r,c']·y[r,c'])
    /// <summary>Gradient of <see cref="SoftmaxForward"/> over each row of [rows, cols]; dx is overwritten and may be dy.</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        CheckMatrix(y.Length, rows, cols, nameof(y));
        CheckMatrix(dy.Length, rows, cols, nameof(dy));
        CheckMatrix(dx.Length, rows, cols, nameof(dx));
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> yRow = y.Slice(r * cols, cols);
            ReadOnlySpan<float> dyRow = dy.Slice(r * cols, cols);
            Span<float> dxRow = dx.Slice(r * cols, cols);
            float dot = TensorPrimitives.Dot(dyRow, yRow);
            TensorPrimitives.Subtract(dyRow, dot, dxRow);
            TensorPrimitives.Multiply(dxRow, yRow, dxRow);
        }
    }

    // ---------------------------------------------------------------- vector loops

    private interface IForward { Vector256<float> Invoke(Vector256<float> x); }
    private interface IBackward { Vector256<float> Invoke(Vector256<float> a, Vector256<float> b, Vector256<float> dy); }

    private static void MapForward<TOperator>(ReadOnlySpan<float> x, Span<float> y, TOperator op) where TOperator : struct, IForward
    {
        int length = x.Length, width = Vector256<float>.Count, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        for (; i <= length - width; i += width)
            op.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)i)).StoreUnsafe(ref yRef, (nuint)i);
        if (i == length) return;
        // Tail: pad to one vector on the stack (no overlapping re-read, which would break in-place use).
        Span<float> tail = stackalloc float[Vector256<float>.Count];
        tail.Clear();
        x.Slice(i).CopyTo(tail);
        op.Invoke(Vector256.Create((ReadOnlySpan<float>)tail)).CopyTo(tail);
        tail.Slice(0, length - i).CopyTo(y.Slice(i));
    }

    private static void MapBackward<TOperator>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> dy, Span<float> dx, TOperator op)
        where TOperator : struct, IBackward
    {
        int length = dy.Length, width = Vector256<float>.Count, i = 0;
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        ref float dxRef = ref MemoryMarshal.GetReference(dx);
        for (; i <= length - width; i += width)
        {
            op.Invoke(Vector256.LoadUnsafe(ref aRef, (nuint)i), Vector256.LoadUnsafe(ref bRef, (nuint)i), Vector256.LoadUnsafe(ref dyRef, (nuint)i))
                .StoreUnsafe(ref dxRef, (nuint)i);
        }
        if (i == length) return;
        Span<float> tailA = stackalloc float[Vector256<float>.Count];
        Span<float> tailB = stackalloc float[Vector256<float>.Count];
        Span<float> tailDy = stackalloc float[Vector256<float>.Count];
        tailA.Clear(); tailB.Clear(); tailDy.Clear();
        a.Slice(i).CopyTo(tailA);
        b.Slice(i).CopyTo(tailB);
        dy.Slice(i).CopyTo(tailDy);
        op.Invoke(Vector256.Create((ReadOnlySpan<float>)tailA), Vector256.Create((ReadOnlySpan<float>)tailB), Vector256.Create((ReadOnlySpan<float>)tailDy))
            .CopyTo(tailDy);
        tailDy.Slice(0, length - i).CopyTo(dx.Slice(i));
    }

    // ---------------------------------------------------------------- operators

    private readonly struct ReluGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> unused, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), dy, Vector256<float>.Zero);
    }

    private readonly struct LeakyRelu(float alpha) : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * alpha);
    }

    private readonly struct LeakyReluGradient(float alpha) : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, dy * alpha);
    }

    private readonly struct Elu(float alpha) : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, VectorMath.Expm1(Vector256.Min(x, Vector256<float>.Zero)) * alpha);
    }

    private readonly struct EluGradient(float alpha) : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, dy * (y + Vector256.Create(alpha)));
    }

    private readonly struct SigmoidGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> unused, Vector256<float> dy) => dy * y * (Vector256<float>.One - y);
    }

    private readonly struct TanhGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> y, Vector256<float> unused, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
    }

    private readonly struct Gelu : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x) => x * VectorMath.NormalCdf(x);
    }

    private readonly struct GeluGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> dy)
        {
            Vector256<float> density = Vector256.Exp(x * x * -0.5f) * VectorMath.InverseSqrtTwoPi;
            return dy * (VectorMath.NormalCdf(x) + x * density);
        }
    }

    private readonly struct GeluTanh : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> z = (x + x * x * x * 0.044715f) * VectorMath.SqrtTwoOverPiF;
            return x * VectorMath.Sigmoid(z + z);
        }
    }

    private readonly struct GeluTanhGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> dy)
        {
            Vector256<float> x2 = x * x;
            Vector256<float> z = (x + x2 * x * 0.044715f) * VectorMath.SqrtTwoOverPiF;
            Vector256<float> dz = (Vector256<float>.One + x2 * (3f * 0.044715f)) * VectorMath.SqrtTwoOverPiF;
            Vector256<float> s = VectorMath.Sigmoid(z + z);
            return dy * (s + x * (s + s) * (Vector256<float>.One - s) * dz);
        }
    }

    private readonly struct Silu : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x) => x * VectorMath.Sigmoid(x);
    }

    private readonly struct SiluGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> dy)
        {
            Vector256<float> s = VectorMath.Sigmoid(x);
            return dy * s * (Vector256<float>.One + x * (Vector256<float>.One - s));
        }
    }

    private readonly struct Softplus : IForward
    {
        public Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> threshold = Vector256.Create(20f);
            // Clamp before exp so the branch not taken cannot overflow.
            Vector256<float> soft = VectorMath.Log1p(Vector256.Exp(Vector256.Min(x, threshold)));
            return Vector256.ConditionalSelect(Vector256.GreaterThan(x, threshold), x, soft);
        }
    }

    private readonly struct SoftplusGradient : IBackward
    {
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> unused, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(20f)), dy, dy * VectorMath.Sigmoid(x));
    }

    // ---------------------------------------------------------------- shared vector math

    private static class VectorMath
    {
        public const float SqrtTwoOverPiF = 0.7978845608f;
        public const float InverseSqrtTwoPi = 0.3989422804f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

        // log(1 + e) with log1p accuracy for small e (Goldberg: log(u)·e/(u - 1), u = 1 + e).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Log1p(Vector256<float> e)
        {
            Vector256<float> u = Vector256<float>.One + e;
            Vector256<float> corrected = Vector256.Log(u) * e / (u - Vector256<float>.One);
            return Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<float>.One), e, corrected);
        }

        // e^x - 1 for x <= 0 with expm1 accuracy near 0 (Kahan: (u - 1)·x / log(u), u = e^x). The correction is only
        // needed for |x| < 0.5; below that u - 1 is already accurate, and log(u) of a denormal u would be inexact.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Expm1(Vector256<float> x)
        {
            Vector256<float> u = Vector256.Exp(x);
            Vector256<float> um1 = u - Vector256<float>.One;
            Vector256<float> corrected = Vector256.ConditionalSelect(Vector256.Equals(u, Vector256<float>.One), x, um1 * x / Vector256.Log(u));
            return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(0.5f)), corrected, um1);
        }

        // Φ(x) = ½·erfc(-x/√2), erfc from Numerical Recipes' erfcc (fractional error < 1.2e-7).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> NormalCdf(Vector256<float> x)
        {
            Vector256<float> z = Vector256.Abs(x) * 0.70710678f;
            Vector256<float> half = Vector256.Create(0.5f) * ErfcNonNegative(z);
            return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), half, Vector256<float>.One - half);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> ErfcNonNegative(Vector256<float> z)
        {
            Vector256<float> t = Vector256<float>.One / (Vector256<float>.One + z * 0.5f);
            Vector256<float> p = Vector256.Create(0.17087277f);
            p = p * t + Vector256.Create(-0.82215223f);
            p = p * t + Vector256.Create(1.48851587f);
            p = p * t + Vector256.Create(-1.13520398f);
            p = p * t + Vector256.Create(0.27886807f);
            p = p * t + Vector256.Create(-0.18628806f);
            p = p * t + Vector256.Create(0.09678418f);
            p = p * t + Vector256.Create(0.37409196f);
            p = p * t + Vector256.Create(1.00002368f);
            p = p * t + Vector256.Create(-1.26551223f);
            return t * Vector256.Exp(p - z * z);
        }
    }

    // ---------------------------------------------------------------- checks

    private static void CheckLength(int expected, int actual, string name)
    {
        if (actual != expected) throw new ArgumentException($"{name} holds {actual} floats; expected {expected} (the same length as the input).", name);
    }

    private static void CheckBackward(ReadOnlySpan<float> read, ReadOnlySpan<float> dy, Span<float> dx, string readName)
    {
        CheckLength(dy.Length, read.Length, readName);
        CheckLength(dy.Length, dx.Length, nameof(dx));
    }

    private static void CheckMatrix(int length, int rows, int cols, string name)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be >= 0.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "cols must be > 0.");
        if (length < (long)rows * cols) throw new ArgumentException($"{name} holds {length} floats; [{rows}, {cols}] needs {(long)rows * cols}.", name);
    }
}
