using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetGen.Kernels;

/// <summary>
/// Batch normalization as PyTorch's <c>BatchNorm1d</c>/<c>BatchNorm2d</c>, on one layout for both: x[batch, channels, spatial]
/// row-major, statistics per channel over the batch·spatial values of that channel. A dense layer's [batch, features]
/// is spatial = 1; a convolution's [batch, channels, height·width] is spatial = height·width.
/// Training normalizes with the batch's own (biased) variance and updates the running statistics with the unbiased
/// one; inference uses the running statistics. Spans may be longer than the shape needs.
/// </summary>
public static partial class BatchNorm
{
    // N = batch·spatial.  mean[C] = Σ x / N;  var[C] = Σ (x - mean)² / N;  invStd[C] = 1/sqrt(var + ε)
    // y[B,C,S] = (x - mean)·invStd·gamma[C] + beta[C]
    // runningMean = (1-m)·runningMean + m·mean;  runningVar = (1-m)·runningVar + m·var·N/(N-1)
    /// <summary>
    /// Training-mode forward. Writes y, and the per-channel <paramref name="mean"/> and <paramref name="invStd"/> that
    /// <see cref="Backward"/> needs; updates <paramref name="runningMean"/>/<paramref name="runningVar"/> with
    /// <paramref name="momentum"/> (PyTorch's meaning: 0.1 puts 10% weight on the new batch), skipped when both are
    /// empty. y must not overlap x (the backward reads x).
    /// </summary>
    /// <exception cref="ArgumentException">Batch·spatial is 1: the unbiased variance is undefined (PyTorch raises too).</exception>
    public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar, float momentum, float epsilon,
        int batch, int channels, int spatial)
    {
        int count = CheckShape(x.Length, y.Length, batch, channels, spatial, nameof(y));
        if (count < 2)
            throw new ArgumentException($"batch norm in training needs more than one value per channel; got batch {batch} x spatial {spatial}.", nameof(batch));
        CheckChannels(gamma.Length, channels, nameof(gamma));
        CheckChannels(beta.Length, channels, nameof(beta));
        CheckChannels(mean.Length, channels, nameof(mean));
        CheckChannels(invStd.Length, channels, nameof(invStd));
        bool updateRunning = !runningMean.IsEmpty || !runningVar.IsEmpty;
        if (updateRunning)
        {
            CheckChannels(runningMean.Length, channels, nameof(runningMean));
            CheckChannels(runningVar.Length, channels, nameof(runningVar));
        }

        float inverseCount = 1f / count;
        int c = 0;
        if (spatial == 1)
        {
            // Dense: a channel is a column. Walk blocks of 8 columns down the rows with vector accumulators.
            int width = Vector256<float>.Count;
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float yRef = ref MemoryMarshal.GetReference(y);
            for (; c <= channels - width; c += width)
            {
                Vector256<float> sum = Vector256<float>.Zero;
                for (int b = 0; b < batch; b++) sum += Vector256.LoadUnsafe(ref xRef, (nuint)(b * channels + c));
                Vector256<float> m = sum * inverseCount;
                Vector256<float> squares = Vector256<float>.Zero;
                for (int b = 0; b < batch; b++)
                {
                    Vector256<float> d = Vector256.LoadUnsafe(ref xRef, (nuint)(b * channels + c)) - m;
                    squares += d * d;
                }
                Vector256<float> variance = squares * inverseCount;
                Vector256<float> inv = Vector256<float>.One / Vector256.Sqrt(variance + Vector256.Create(epsilon));
                Vector256<float> scale = inv * Vector256.Create(gamma.Slice(c, width));
                Vector256<float> shift = Vector256.Create(beta.Slice(c, width));
                for (int b = 0; b < batch; b++)
                {
                    nuint offset = (nuint)(b * channels + c);
                    ((Vector256.LoadUnsafe(ref xRef, offset) - m) * scale + shift).StoreUnsafe(ref yRef, offset);
                }
                m.CopyTo(mean.Slice(c, width));
                inv.CopyTo(invStd.Slice(c, width));
                if (updateRunning)
                {
                    Span<float> rm = runningMean.Slice(c, width), rv = runningVar.Slice(c, width);
                    Vector256<float> keep = Vector256.Create(1f - momentum), take = Vector256.Create(momentum);
                    (keep * Vector256.Create((ReadOnlySpan<float>)rm) + take * m).CopyTo(rm);
                    (keep * Vector256.Create((ReadOnlySpan<float>)rv) + take * (squares * (1f / (count - 1)))).CopyTo(rv);
                }
            }
        }
        // Remaining channels (all of them when spatial > 1): contiguous runs of `spatial` values, one per sample.
        for (; c < channels; c++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++) sum += TensorPrimitives.Sum(x.Slice((b * channels + c) * spatial, spatial));
            float m = (float)(sum / count);
            double squares = 0;
            for (int b = 0; b < batch; b++) squares += SumOfSquaredDeviations(x.Slice((b * channels + c) * spatial, spatial), m);
            double variance = squares / count;
            float inv = (float)(1.0 / Math.Sqrt(variance + epsilon));
            float scale = inv * gamma[c];
            for (int b = 0; b < batch; b++)
            {
                int offset = (b * channels + c) * spatial;
                Normalize(x.Slice(offset, spatial), m, scale, beta[c], y.Slice(offset, spatial));
            }
            mean[c] = m;
            invStd[c] = inv;
            if (updateRunning)
            {
                runningMean[c] = (1f - momentum) * runningMean[c] + momentum * m;
                runningVar[c] = (1f - momentum) * runningVar[c] + momentum * (float)(squares / (count - 1));
            }
        }
    }

    // y[B,C,S] = (x - runningMean[C]) / sqrt(runningVar[C] + ε) · gamma[C] + beta[C]
    /// <summary>Inference-mode forward with the running statistics; nothing is updated. y may be x.</summary>
    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon, Span<float> y, int batch, int channels, int spatial)
    {
        CheckShape(x.Length, y.Length, batch, channels, spatial, nameof(y));
        CheckChannels(gamma.Length, channels, nameof(gamma));
        CheckChannels(beta.Length, channels, nameof(beta));
        CheckChannels(runningMean.Length, channels, nameof(runningMean));
        CheckChannels(runningVar.Length, channels, nameof(runningVar));
        int c = 0;
        if (spatial == 1)
        {
            int width = Vector256<float>.Count;
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float yRef = ref MemoryMarshal.GetReference(y);
            for (; c <= channels - width; c += width)
            {
                Vector256<float> m = Vector256.Create(runningMean.Slice(c, width));
                Vector256<float> scale = Vector256.Create(gamma.Slice(c, width))
                    / Vector256.Sqrt(Vector256.Create(runningVar.Slice(c, width)) + Vector256.Create(epsilon));
                Vector256<float> shift = Vector256.Create(beta.Slice(c, width));
                for (int b = 0; b < batch; b++)
                {
                    nuint offset = (nuint)(b * channels + c);
                    ((Vector256.LoadUnsafe(ref xRef, offset) - m) * scale + shift).StoreUnsafe(ref yRef, offset);
                }
            }
        }
        for (; c < channels; c++)
        {
            float scale = gamma[c] / MathF.Sqrt(runningVar[c] + epsilon);
            for (int b = 0; b < batch; b++)
            {
                int offset = (b * channels + c) * spatial;
                Normalize(x.Slice(offset, spatial), runningMean[c], scale, beta[c], y.Slice(offset, spatial));
            }
        }
    }

    // x̂ = (x - mean)·invStd;  dbeta[C] += Σ dy;  dgamma[C] += Σ dy·x̂
    // dx[B,C,S] = gamma·invStd · (dy - Σdy/N - x̂·Σ(dy·x̂)/N)      (overwritten)
    /// <summary>
    /// Gradients of <see cref="ForwardTraining"/> given its saved <paramref name="mean"/> and <paramref name="invStd"/>.
    /// dx is OVERWRITTEN (skipped when empty); dgamma and dbeta are ACCUMULATED. The running statistics do not enter.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int spatial)
    {
        int count = CheckBackwardShapes(dy.Length, x.Length, gamma.Length, mean.Length, invStd.Length, dx.Length, dgamma.Length, dbeta.Length, batch, channels, spatial);
        bool writeDx = !dx.IsEmpty;
        if (count == 0) return;

        float inverseCount = 1f / count;
        int c = 0;
        if (spatial == 1)
        {
            int width = Vector256<float>.Count;
            ref float xRef = ref MemoryMarshal.GetReference(x);
            ref float dyRef = ref MemoryMarshal.GetReference(dy);
            ref float dxRef = ref MemoryMarshal.GetReference(dx);
            for (; c <= channels - width; c += width)
            {
                Vector256<float> m = Vector256.Create(mean.Slice(c, width)), inv = Vector256.Create(invStd.Slice(c, width));
                Vector256<float> sumDy = Vector256<float>.Zero, sumDyCentered = Vector256<float>.Zero;
                for (int b = 0; b < batch; b++)
                {
                    nuint offset = (nuint)(b * channels + c);
                    Vector256<float> g = Vector256.LoadUnsafe(ref dyRef, offset);
                    sumDy += g;
                    sumDyCentered += g * (Vector256.LoadUnsafe(ref xRef, offset) - m);
                }
                Span<float> db = dbeta.Slice(c, width), dg = dgamma.Slice(c, width);
                (Vector256.Create((ReadOnlySpan<float>)db) + sumDy).CopyTo(db);
                (Vector256.Create((ReadOnlySpan<float>)dg) + sumDyCentered * inv).CopyTo(dg);
                if (!writeDx) continue;
                // dx = k·dy + q·(x - mean) + r
                Vector256<float> k = Vector256.Create(gamma.Slice(c, width)) * inv;
                Vector256<float> q = -k * inv * inv * sumDyCentered * inverseCount;
                Vector256<float> r = -k * sumDy * inverseCount;
                for (int b = 0; b < batch; b++)
                {
                    nuint offset = (nuint)(b * channels + c);
                    (k * Vector256.LoadUnsafe(ref dyRef, offset) + q * (Vector256.LoadUnsafe(ref xRef, offset) - m) + r).StoreUnsafe(ref dxRef, offset);
                }
            }
        }
        for (; c < channels; c++)
        {
            double sumDy = 0, sumDyCentered = 0;
            for (int b = 0; b < batch; b++)
            {
                int offset = (b * channels + c) * spatial;
                (float s, float sc) = SumAndCenteredDot(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean[c]);
                sumDy += s;
                sumDyCentered += sc;
            }
            float inv = invStd[c];
            dbeta[c] += (float)sumDy;
            dgamma[c] += (float)(sumDyCentered * inv);
            if (!writeDx) continue;
            float k = gamma[c] * inv;
            float q = (float)(-k * inv * inv * sumDyCentered / count);
            float r = (float)(-k * sumDy / count);
            for (int b = 0; b < batch; b++)
            {
                int offset = (b * channels + c) * spatial;
                AffineBackward(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean[c], k, q, r, dx.Slice(offset, spatial));
            }
        }
    }

    /// <summary>Naive double-precision training forward (same contract as <see cref="ForwardTraining"/>): the reference tests compare against.</summary>
    public static void ForwardTrainingReference(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar, float momentum, float epsilon,
        int batch, int channels, int spatial)
    {
        int count = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++) sum += x[(b * channels + c) * spatial + s];
            double m = sum / count;
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++) squares += Math.Pow(x[(b * channels + c) * spatial + s] - m, 2);
            double inv = 1.0 / Math.Sqrt(squares / count + epsilon);
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * channels + c) * spatial + s;
                    y[i] = (float)((x[i] - m) * inv * gamma[c] + beta[c]);
                }
            mean[c] = (float)m;
            invStd[c] = (float)inv;
            if (!runningMean.IsEmpty)
            {
                runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * m);
                runningVar[c] = (float)((1.0 - momentum) * runningVar[c] + momentum * squares / (count - 1));
            }
        }
    }

    /// <summary>Naive double-precision backward (same contract as <see cref="Backward"/>).</summary>
    public static void BackwardReference(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int spatial)
    {
        int count = batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyHat = 0;
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * channels + c) * spatial + s;
                    sumDy += dy[i];
                    sumDyHat += dy[i] * ((double)x[i] - mean[c]) * invStd[c];
                }
            dbeta[c] = (float)(dbeta[c] + sumDy);
            dgamma[c] = (float)(dgamma[c] + sumDyHat);
            if (dx.IsEmpty) continue;
            for (int b = 0; b < batch; b++)
                for (int s = 0; s < spatial; s++)
                {
                    int i = (b * channels + c) * spatial + s;
                    double hat = ((double)x[i] - mean[c]) * invStd[c];
                    dx[i] = (float)((double)gamma[c] * invStd[c] * (dy[i] - sumDy / count - hat * sumDyHat / count));
                }
        }
    }

    private static int CheckShape(int xLength, int otherLength, int batch, int channels, int spatial, string otherName)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be >= 0.");
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be > 0.");
        if (spatial <= 0) throw new ArgumentOutOfRangeException(nameof(spatial), spatial, "spatial must be > 0 (1 for a dense layer).");
        long size = (long)batch * channels * spatial;
        if (xLength < size) throw new ArgumentException($"x holds {xLength} floats; [{batch}, {channels}, {spatial}] needs {size}.", "x");
        if (otherLength < size) throw new ArgumentException($"{otherName} holds {otherLength} floats; [{batch}, {channels}, {spatial}] needs {size}.", otherName);
        return batch * spatial;
    }

    // The checks of Backward and BackwardSynchronized; returns batch·spatial. An empty dx is allowed (not written).
    private static int CheckBackwardShapes(int dyLength, int xLength, int gammaLength, int meanLength, int invStdLength, int dxLength,
        int dgammaLength, int dbetaLength, int batch, int channels, int spatial)
    {
        int count = CheckShape(xLength, dyLength, batch, channels, spatial, "dy");
        if (dxLength != 0) CheckShape(xLength, dxLength, batch, channels, spatial, "dx");
        CheckChannels(gammaLength, channels, "gamma");
        CheckChannels(meanLength, channels, "mean");
        CheckChannels(invStdLength, channels, "invStd");
        CheckChannels(dgammaLength, channels, "dgamma");
        CheckChannels(dbetaLength, channels, "dbeta");
        return count;
    }

    private static void CheckChannels(int length, int channels, string name)
    {
        if (length < channels) throw new ArgumentException($"{name} holds {length} floats; expected one per channel ({channels}).", name);
    }

    // ---------------------------------------------------------------- vector helpers, shared with LayerNorm

    // Σ (x - mean)²
    internal static float SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        int length = x.Length, width = Vector256<float>.Count, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        Vector256<float> m = Vector256.Create(mean), accumulator = Vector256<float>.Zero;
        for (; i <= length - width; i += width)
        {
            Vector256<float> d = Vector256.LoadUnsafe(ref xRef, (nuint)i) - m;
            accumulator += d * d;
        }
        float sum = Vector256.Sum(accumulator);
        for (; i < length; i++) sum += (x[i] - mean) * (x[i] - mean);
        return sum;
    }

    // y = (x - mean)·scale + shift; y may be x.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Normalize(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y)
    {
        int length = x.Length, width = Vector256<float>.Count, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        Vector256<float> m = Vector256.Create(mean), s = Vector256.Create(scale), t = Vector256.Create(shift);
        for (; i <= length - width; i += width) ((Vector256.LoadUnsafe(ref xRef, (nuint)i) - m) * s + t).StoreUnsafe(ref yRef, (nuint)i);
        for (; i < length; i++) y[i] = (x[i] - mean) * scale + shift;
    }

    // (Σ dy, Σ dy·(x - mean))
    private static (float SumDy, float SumDyCentered) SumAndCenteredDot(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean)
    {
        int length = x.Length, width = Vector256<float>.Count, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        Vector256<float> m = Vector256.Create(mean), sum = Vector256<float>.Zero, dot = Vector256<float>.Zero;
        for (; i <= length - width; i += width)
        {
            Vector256<float> g = Vector256.LoadUnsafe(ref dyRef, (nuint)i);
            sum += g;
            dot += g * (Vector256.LoadUnsafe(ref xRef, (nuint)i) - m);
        }
        float s = Vector256.Sum(sum), d = Vector256.Sum(dot);
        for (; i < length; i++)
        {
            s += dy[i];
            d += dy[i] * (x[i] - mean);
        }
        return (s, d);
    }

    // dx = k·dy + q·(x - mean) + r
    private static void AffineBackward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float k, float q, float r, Span<float> dx)
    {
        int length = x.Length, width = Vector256<float>.Count, i = 0;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        ref float dxRef = ref MemoryMarshal.GetReference(dx);
        Vector256<float> m = Vector256.Create(mean), kv = Vector256.Create(k), qv = Vector256.Create(q), rv = Vector256.Create(r);
        for (; i <= length - width; i += width)
            (kv * Vector256.LoadUnsafe(ref dyRef, (nuint)i) + qv * (Vector256.LoadUnsafe(ref xRef, (nuint)i) - m) + rv).StoreUnsafe(ref dxRef, (nuint)i);
        for (; i < length; i++) dx[i] = k * dy[i] + q * (x[i] - mean) + r;
    }
}

/// <summary>
/// Layer normalization as PyTorch's <c>nn.LayerNorm</c> over the last <c>features</c> values of each row, with a per-feature
/// gamma and beta: for a convolution's [batch, C·H·W] pass features = C·H·W to normalize over the whole sample.
/// </summary>
public static class LayerNorm
{
    // per row r: mean[r] = Σ x / F;  invStd[r] = 1/sqrt(Σ (x - mean)² / F + ε)
    // y[R,F] = (x - mean[r])·invStd[r]·gamma[F] + beta[F]
    /// <summary>Writes y[rows, features] and the per-row <paramref name="mean"/> and <paramref name="invStd"/> the backward needs. y must not overlap x.</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, int rows, int features, float epsilon)
    {
        CheckShape(x.Length, y.Length, rows, features, nameof(y));
        CheckLength(gamma.Length, features, nameof(gamma), "feature");
        CheckLength(beta.Length, features, nameof(beta), "feature");
        CheckLength(mean.Length, rows, nameof(mean), "row");
        CheckLength(invStd.Length, rows, nameof(invStd), "row");
        ReadOnlySpan<float> g = gamma.Slice(0, features), b = beta.Slice(0, features);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xRow = x.Slice(r * features, features);
            Span<float> yRow = y.Slice(r * features, features);
            float m = TensorPrimitives.Sum(xRow) / features;
            float inv = 1f / MathF.Sqrt(BatchNorm.SumOfSquaredDeviations(xRow, m) / features + epsilon);
            mean[r] = m;
            invStd[r] = inv;
            BatchNorm.Normalize(xRow, m, inv, 0f, yRow);     // x̂
            TensorPrimitives.MultiplyAdd(yRow, g, b, yRow);   // x̂·gamma + beta
        }
    }

    // x̂ = (x - mean)·invStd;  dgamma[F] += Σ_r dy·x̂;  dbeta[F] += Σ_r dy
    // ĝ = dy·gamma:  dx[R,F] = invStd · (ĝ - Σĝ/F - x̂·Σ(ĝ·x̂)/F)    (overwritten)
    /// <summary>Gradients of <see cref="Forward"/>: dx OVERWRITTEN (skipped when empty), dgamma and dbeta ACCUMULATED.</summary>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int rows, int features)
    {
        CheckShape(x.Length, dy.Length, rows, features, nameof(dy));
        bool writeDx = !dx.IsEmpty;
        if (writeDx) CheckShape(x.Length, dx.Length, rows, features, nameof(dx));
        CheckLength(gamma.Length, features, nameof(gamma), "feature");
        CheckLength(dgamma.Length, features, nameof(dgamma), "feature");
        CheckLength(dbeta.Length, features, nameof(dbeta), "feature");
        CheckLength(mean.Length, rows, nameof(mean), "row");
        CheckLength(invStd.Length, rows, nameof(invStd), "row");
        int width = Vector256<float>.Count;
        ref float gammaRef = ref MemoryMarshal.GetReference(gamma);
        ref float dgammaRef = ref MemoryMarshal.GetReference(dgamma);
        ref float dbetaRef = ref MemoryMarshal.GetReference(dbeta);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xRow = x.Slice(r * features, features), dyRow = dy.Slice(r * features, features);
            ref float xRef = ref MemoryMarshal.GetReference(xRow);
            ref float dyRef = ref MemoryMarshal.GetReference(dyRow);
            float m = mean[r], inv = invStd[r];
            Vector256<float> mv = Vector256.Create(m), invV = Vector256.Create(inv);

            // Pass 1: dgamma, dbeta, Σĝ and Σĝ·x̂.
            Vector256<float> sumG = Vector256<float>.Zero, sumGHat = Vector256<float>.Zero;
            int i = 0;
            for (; i <= features - width; i += width)
            {
                Vector256<float> d = Vector256.LoadUnsafe(ref dyRef, (nuint)i);
                Vector256<float> hat = (Vector256.LoadUnsafe(ref xRef, (nuint)i) - mv) * invV;
                Vector256<float> gHat = d * Vector256.LoadUnsafe(ref gammaRef, (nuint)i);
                sumG += gHat;
                sumGHat += gHat * hat;
                (Vector256.LoadUnsafe(ref dgammaRef, (nuint)i) + d * hat).StoreUnsafe(ref dgammaRef, (nuint)i);
                (Vector256.LoadUnsafe(ref dbetaRef, (nuint)i) + d).StoreUnsafe(ref dbetaRef, (nuint)i);
            }
            float sg = Vector256.Sum(sumG), sgh = Vector256.Sum(sumGHat);
            for (; i < features; i++)
            {
                float hat = (xRow[i] - m) * inv, gHat = dyRow[i] * gamma[i];
                sg += gHat;
                sgh += gHat * hat;
                dgamma[i] += dyRow[i] * hat;
                dbeta[i] += dyRow[i];
            }
            if (!writeDx) continue;

            // Pass 2: dx = invStd·(ĝ - mean(ĝ)) - x̂·invStd·mean(ĝ·x̂)
            Span<float> dxRow = dx.Slice(r * features, features);
            ref float dxRef = ref MemoryMarshal.GetReference(dxRow);
            float meanG = sg / features, meanGHat = sgh / features;
            Vector256<float> meanGV = Vector256.Create(meanG), meanGHatV = Vector256.Create(meanGHat);
            i = 0;
            for (; i <= features - width; i += width)
            {
                Vector256<float> hat = (Vector256.LoadUnsafe(ref xRef, (nuint)i) - mv) * invV;
                Vector256<float> gHat = Vector256.LoadUnsafe(ref dyRef, (nuint)i) * Vector256.LoadUnsafe(ref gammaRef, (nuint)i);
                (invV * (gHat - meanGV - hat * meanGHatV)).StoreUnsafe(ref dxRef, (nuint)i);
            }
            for (; i < features; i++)
            {
                float hat = (xRow[i] - m) * inv;
                dxRow[i] = inv * (dyRow[i] * gamma[i] - meanG - hat * meanGHat);
            }
        }
    }

    private static void CheckShape(int xLength, int otherLength, int rows, int features, string otherName)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be >= 0.");
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, "features must be > 0.");
        long size = (long)rows * features;
        if (xLength < size) throw new ArgumentException($"x holds {xLength} floats; [{rows}, {features}] needs {size}.", "x");
        if (otherLength < size) throw new ArgumentException($"{otherName} holds {otherLength} floats; [{rows}, {features}] needs {size}.", otherName);
    }

    private static void CheckLength(int length, int expected, string name, string unit)
    {
        if (length < expected) throw new ArgumentException($"{name} holds {length} floats; expected one per {unit} ({expected}).", name);
    }
}
