namespace NetGen.Training;

/// <summary>
/// Early stopping on a validation metric (Keras's EarlyStopping with restore_best_weights): stops when the
/// metric has not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs, and keeps a
/// copy of the best parameters to restore.
/// </summary>
public sealed class EarlyStopping
{
    private readonly float[] _best;
    private float[]? _bestStatistics;
    private int _sinceBest;

    /// <summary>Watches a network with <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">The network's <c>ParameterCount</c>.</param>
    /// <param name="patience">Epochs without improvement before stopping, 1 or more.</param>
    /// <param name="higherIsBetter">True for accuracy, false for loss.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    public EarlyStopping(int parameterCount, int patience, bool higherIsBetter = false, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        _best = new float[parameterCount];
        Patience = patience;
        HigherIsBetter = higherIsBetter;
        MinDelta = minDelta;
        BestMetric = higherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
    }

    /// <summary>Epochs without improvement before <see cref="ShouldStop"/> turns true.</summary>
    public int Patience { get; }

    /// <summary>Whether a larger metric is better.</summary>
    public bool HigherIsBetter { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>The best metric seen so far.</summary>
    public double BestMetric { get; private set; }

    /// <summary>The epoch (as passed to <see cref="Update(int, double, ReadOnlySpan{float})"/>) of the best metric; -1 before the first.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <summary>True once the metric has not improved for <see cref="Patience"/> epochs.</summary>
    public bool ShouldStop => _sinceBest >= Patience;

    /// <summary>
    /// Records the epoch's validation metric; when it improves, copies <paramref name="parameters"/> as the best.
    /// Returns true when training should stop.
    /// </summary>
    public bool Update(int epoch, double metric, ReadOnlySpan<float> parameters) => Update(epoch, metric, parameters, default);

    /// <summary>
    /// As <see cref="Update(int, double, ReadOnlySpan{float})"/>, also keeping the network's non-trainable
    /// <paramref name="statistics"/> (batch norm's running mean and variance) of the best epoch, so that
    /// <see cref="RestoreBest(Span{float}, Span{float})"/> gives back the network that scored the best metric.
    /// </summary>
    public bool Update(int epoch, double metric, ReadOnlySpan<float> parameters, ReadOnlySpan<float> statistics)
    {
        if (parameters.Length != _best.Length)
            throw new ArgumentException($"parameters hold {parameters.Length} floats; this early stopping watches {_best.Length}.", nameof(parameters));
        if (_bestStatistics is not null && statistics.Length != _bestStatistics.Length)
            throw new ArgumentException($"statistics hold {statistics.Length} floats; the first epoch's held {_bestStatistics.Length}.", nameof(statistics));
        bool improved = HigherIsBetter ? metric > BestMetric + MinDelta : metric < BestMetric - MinDelta;
        if (improved && !double.IsNaN(metric))
        {
            BestMetric = metric;
            BestEpoch = epoch;
            parameters.CopyTo(_best);
            _bestStatistics ??= new float[statistics.Length];
            statistics.CopyTo(_bestStatistics);
            _sinceBest = 0;
        }
        else
        {
            _sinceBest++;
        }

        return ShouldStop;
    }

    /// <summary>Copies the best parameters seen back into <paramref name="parameters"/>.</summary>
    public void RestoreBest(Span<float> parameters)
    {
        if (BestEpoch < 0) throw new InvalidOperationException("No epoch has been recorded yet, so there are no best parameters to restore.");
        if (parameters.Length != _best.Length)
            throw new ArgumentException($"parameters hold {parameters.Length} floats; the saved best hold {_best.Length}.", nameof(parameters));
        _best.CopyTo(parameters);
    }

    /// <summary>Copies the best epoch's parameters and, where they were recorded, its running statistics back.</summary>
    public void RestoreBest(Span<float> parameters, Span<float> statistics)
    {
        if (statistics.Length != (_bestStatistics?.Length ?? 0))
            throw new ArgumentException($"statistics hold {statistics.Length} floats; the saved best hold {_bestStatistics?.Length ?? 0}.", nameof(statistics));
        RestoreBest(parameters);
        _bestStatistics.AsSpan().CopyTo(statistics);
    }
}
