using System.Numerics.Tensors;

namespace NetGen.Kernels;

/// <summary>
/// Synchronized batch normalization (PyTorch's <c>SyncBatchNorm</c>): the same layer as <see cref="BatchNorm"/>, but
/// the training statistics are those of the whole global batch, spread over the replicas of an <see cref="IAllReduce"/>
/// group, each holding its shard. Forward sums per channel across replicas (two small all-reduces: the sums with the
/// row count, then the squared deviations from the global mean, so the variance is the exact two-pass one); backward
/// does the same for the two sums its input gradient needs (one all-reduce). With one replica the results equal
/// <see cref="BatchNorm.ForwardTraining"/> and <see cref="BatchNorm.Backward"/> up to float rounding.
/// </summary>
public static partial class BatchNorm
{
    /// <summary>Floats of the scratch buffer the synchronized kernels share between a layer's forward and backward pass.</summary>
    public static int SynchronizationScratchSize(int channels) => 2 * channels + 2;

    // Scratch layout: [0, C) and [C, 2C) per-channel sums; [2C] the global count N; [2C + 1] this replica's weight w = n / N.
    // Global batch of N values per channel over all replicas, n of them here:
    //   mean[C] = Σ_all x / N;  var[C] = Σ_all (x - mean)² / N;  y = (x - mean)·invStd·gamma + beta
    //   runningVar uses the unbiased Σ_all (x - mean)² / (N - 1), as BatchNorm.ForwardTraining does for its batch.
    /// <summary>
    /// Training-mode forward with statistics over every replica's batch. Same contract as
    /// <see cref="BatchNorm.ForwardTraining"/>, plus the replica <paramref name="group"/> and a
    /// <paramref name="scratch"/> of <see cref="SynchronizationScratchSize"/> floats that <see cref="BackwardSynchronized"/>
    /// of the same layer reads. Collective: every replica calls it, with its own shard (at least one row each).
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not match, or the global batch has one value per channel.</exception>
    public static void ForwardTrainingSynchronized(ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y,
        Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar, float momentum, float epsilon,
        int batch, int channels, int spatial, IAllReduce group, Span<float> scratch)
    {
        ArgumentNullException.ThrowIfNull(group);
        int count = CheckShape(x.Length, y.Length, batch, channels, spatial, nameof(y));
        CheckChannels(gamma.Length, channels, nameof(gamma));
        CheckChannels(beta.Length, channels, nameof(beta));
        CheckChannels(mean.Length, channels, nameof(mean));
        CheckChannels(invStd.Length, channels, nameof(invStd));
        CheckScratch(scratch.Length, channels);
        bool updateRunning = !runningMean.IsEmpty || !runningVar.IsEmpty;
        if (updateRunning)
        {
            CheckChannels(runningMean.Length, channels, nameof(runningMean));
            CheckChannels(runningVar.Length, channels, nameof(runningVar));
        }

        Span<float> sums = scratch[..channels], squares = scratch.Slice(channels, channels);
        scratch[..(2 * channels + 1)].Clear();
        ChannelSums(x, sums, batch, channels, spatial);
        scratch[2 * channels] = count;
        group.AllReduceSum(scratch[..(2 * channels + 1)]);
        float total = scratch[2 * channels];
        if (total < 2)
            throw new ArgumentException($"synchronized batch norm in training needs more than one value per channel over all replicas; got {total}.", nameof(batch));
        scratch[2 * channels + 1] = count / total;
        TensorPrimitives.Multiply(sums, 1f / total, mean[..channels]);

        ChannelSquaredDeviations(x, mean, squares, batch, channels, spatial);
        group.AllReduceSum(squares);
        for (int c = 0; c < channels; c++)
        {
            float variance = squares[c] / total;
            invStd[c] = 1f / MathF.Sqrt(variance + epsilon);
            if (updateRunning)
            {
                runningMean[c] = (1f - momentum) * runningMean[c] + momentum * mean[c];
                runningVar[c] = (1f - momentum) * runningVar[c] + momentum * squares[c] / (total - 1f);
            }
        }

        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int offset = (b * channels + c) * spatial;
                Normalize(x.Slice(offset, spatial), mean[c], invStd[c] * gamma[c], beta[c], y.Slice(offset, spatial));
            }
        }
    }

    // Loss L = Σ_r w_r·L_r (L_r: replica r's mean loss over its shard), dy here is ∂L_r/∂y ("local units"):
    //   S1 = Σ_all w·dy;  S2 = Σ_all w·dy·(x - mean)      (one all-reduce)
    //   dx = gamma·invStd·(dy - S1/(N·w) - (x - mean)·invStd²·S2/(N·w))   in local units, as the rest of backward
    //   dbeta += Σ_here dy;  dgamma += Σ_here dy·x̂           (local: the gradient all-reduce of the parameters sums them)
    /// <summary>
    /// Gradients of <see cref="ForwardTrainingSynchronized"/>, given its saved mean, invStd and
    /// <paramref name="scratch"/>. Like <see cref="BatchNorm.Backward"/>: dx is OVERWRITTEN (skipped when empty),
    /// dgamma and dbeta ACCUMULATE this replica's share, to be summed across replicas with the other parameter
    /// gradients. Collective: every replica calls it.
    /// </summary>
    public static void BackwardSynchronized(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dgamma, Span<float> dbeta, int batch, int channels, int spatial,
        IAllReduce group, Span<float> scratch)
    {
        ArgumentNullException.ThrowIfNull(group);
        int count = CheckBackwardShapes(dy.Length, x.Length, gamma.Length, mean.Length, invStd.Length, dx.Length, dgamma.Length, dbeta.Length, batch, channels, spatial);
        bool writeDx = !dx.IsEmpty;
        CheckScratch(scratch.Length, channels);
        float total = scratch[2 * channels], weight = scratch[2 * channels + 1];
        if (!(total >= 2f && weight > 0f && weight <= 1f))
            throw new InvalidOperationException("BackwardSynchronized needs the scratch written by ForwardTrainingSynchronized of the same layer and batch.");

        Span<float> sumDy = scratch[..channels], sumDyCentered = scratch.Slice(channels, channels);
        sumDy.Clear();
        sumDyCentered.Clear();
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int offset = (b * channels + c) * spatial;
                (float s, float d) = SumAndCenteredDot(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean[c]);
                sumDy[c] += s;
                sumDyCentered[c] += d;
            }
        }

        for (int c = 0; c < channels; c++)
        {
            dbeta[c] += sumDy[c];
            dgamma[c] += sumDyCentered[c] * invStd[c];
        }

        TensorPrimitives.Multiply(scratch[..(2 * channels)], weight, scratch[..(2 * channels)]);
        group.AllReduceSum(scratch[..(2 * channels)]);
        if (!writeDx || count == 0) return;
        float localCount = total * weight;
        for (int c = 0; c < channels; c++)
        {
            float inv = invStd[c], k = gamma[c] * inv;
            float q = -k * inv * inv * sumDyCentered[c] / localCount;
            float r = -k * sumDy[c] / localCount;
            for (int b = 0; b < batch; b++)
            {
                int offset = (b * channels + c) * spatial;
                AffineBackward(dy.Slice(offset, spatial), x.Slice(offset, spatial), mean[c], k, q, r, dx.Slice(offset, spatial));
            }
        }
    }

    // sums[c] += Σ_b Σ_s x[b, c, s]
    private static void ChannelSums(ReadOnlySpan<float> x, Span<float> sums, int batch, int channels, int spatial)
    {
        for (int b = 0; b < batch; b++)
        {
            if (spatial == 1)
            {
                TensorPrimitives.Add(x.Slice(b * channels, channels), sums, sums);
                continue;
            }

            for (int c = 0; c < channels; c++) sums[c] += TensorPrimitives.Sum(x.Slice((b * channels + c) * spatial, spatial));
        }
    }

    // squares[c] += Σ_b Σ_s (x[b, c, s] - mean[c])²
    private static void ChannelSquaredDeviations(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<float> squares, int batch, int channels, int spatial)
    {
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++) squares[c] += SumOfSquaredDeviations(x.Slice((b * channels + c) * spatial, spatial), mean[c]);
        }
    }

    private static void CheckScratch(int length, int channels)
    {
        if (length < SynchronizationScratchSize(channels))
            throw new ArgumentException($"scratch holds {length} floats; {channels} channels need {SynchronizationScratchSize(channels)}.", "scratch");
    }
}
