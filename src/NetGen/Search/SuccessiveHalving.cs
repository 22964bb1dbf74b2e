namespace NetGen.Search;

/// <summary>
/// Successive halving (Jamieson and Talwalkar 2016): train <c>n</c> random configurations for <c>r</c> epochs,
/// keep the best <c>1/eta</c>, train the survivors for <c>eta</c> times more epochs, and repeat until one is left
/// or the epoch budget reaches its maximum. Each rung is one batch for the runner.
/// </summary>
public sealed class SuccessiveHalving : SearchStrategy
{
    private readonly int _eta;
    private readonly int _maxEpochs;
    private List<TrialRequest> _rung;
    private readonly List<(TrialRequest Trial, double Metric)> _results = [];
    private bool _issued;
    private bool _done;

    /// <summary>Starts with <paramref name="configurations"/> random configurations at <paramref name="minEpochs"/> epochs each.</summary>
    public SuccessiveHalving(SearchSpace space, int configurations, int minEpochs, int maxEpochs, int eta, int seed)
        : this(Draw(space, configurations, seed), minEpochs, maxEpochs, eta)
    {
    }

    /// <summary>Starts with the given <paramref name="configurations"/> at <paramref name="minEpochs"/> epochs each.</summary>
    public SuccessiveHalving(IReadOnlyList<SearchConfiguration> configurations, int minEpochs, int maxEpochs, int eta)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        if (configurations.Count == 0) throw new ArgumentException("Successive halving needs at least one configuration; got none.", nameof(configurations));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minEpochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, minEpochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        _eta = eta;
        _maxEpochs = maxEpochs;
        _rung = [.. configurations.Select(c => new TrialRequest(c, minEpochs, 0))];
    }

    /// <summary>The survivors of each finished rung, best first (for tests and reports).</summary>
    public List<IReadOnlyList<TrialRequest>> Promotions { get; } = [];

    /// <summary>The best configuration of the last finished rung, or null before the first one finishes.</summary>
    public SearchConfiguration? Best { get; private set; }

    /// <inheritdoc/>
    public override string Name => "successive-halving";

    /// <summary>Whether the last rung has finished.</summary>
    public bool IsDone => _done;

    private static SearchConfiguration[] Draw(SearchSpace space, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new Random(seed);
        var configurations = new SearchConfiguration[count];
        for (int i = 0; i < count; i++) configurations[i] = space.Sample(random);
        return configurations;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<TrialRequest> Next()
    {
        if (_done) return [];
        if (_issued)
        {
            // The runner stopped before reporting the whole rung (its budget ran out): nothing more to do.
            if (_results.Count < _rung.Count) return [];
            Promote();
            if (_done) return [];
        }

        _issued = true;
        return _rung;
    }

    /// <inheritdoc/>
    public override void Report(TrialRequest trial, double metric) => _results.Add((trial, metric));

    private void Promote()
    {
        // Stable sort: ties keep the order they were drawn in, so the result is reproducible.
        var ranked = _results.Select((r, i) => (r.Trial, r.Metric, i))
            .OrderByDescending(r => r.Metric).ThenBy(r => r.i).Select(r => r.Trial).ToList();
        Best = ranked[0].Configuration;
        int epochs = _rung[0].Epochs;
        int keep = Math.Max(1, _rung.Count / _eta);
        if (_rung.Count == 1 || epochs >= _maxEpochs)
        {
            _done = true;
            return;
        }

        List<TrialRequest> survivors = ranked.Take(keep).ToList();
        Promotions.Add(survivors);
        int nextEpochs = Math.Min(_maxEpochs, epochs * _eta);
        _rung = [.. survivors.Select(t => new TrialRequest(t.Configuration, nextEpochs, t.Rung + 1))];
        _results.Clear();
    }
}

/// <summary>
/// Hyperband (Li et al. 2018): several successive-halving brackets that trade the number of configurations
/// against the epochs each starts with, from many short trials (aggressive) to few full-length ones (safe).
/// With maximum budget <c>R</c> epochs and reduction <c>eta</c>, bracket <c>s = sMax..0</c> starts
/// <c>ceil((sMax + 1) / (s + 1) * eta^s)</c> configurations at <c>R * eta^-s</c> epochs.
/// </summary>
public sealed class Hyperband : SearchStrategy
{
    private readonly SearchSpace _space;
    private readonly Random _random;
    private readonly int _maxEpochs;
    private readonly int _eta;
    private readonly int _maxBracket;
    private int _bracket;
    private int _sweep;
    private SuccessiveHalving? _current;

    /// <summary>Hyperband over <paramref name="space"/> with at most <paramref name="maxEpochs"/> epochs per trial.</summary>
    public Hyperband(SearchSpace space, int maxEpochs, int eta, int seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEpochs);
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        _space = space;
        _random = new Random(seed);
        _maxEpochs = maxEpochs;
        _eta = eta;
        int s = 0;
        for (long r = eta; r <= maxEpochs; r *= eta) s++;
        _maxBracket = s;
        _bracket = s;
    }

    /// <summary>Whether to start over with fresh configurations after the last bracket, until the budget stops the search. Default false.</summary>
    public bool Repeat { get; init; }

    /// <summary>
    /// How many times to run every bracket, each time with freshly drawn configurations (ignored when <see cref="Repeat"/>
    /// is set). Default 1. A fixed number of sweeps is a budget that does not depend on the machine's speed.
    /// </summary>
    public int Sweeps
    {
        get => _sweeps;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _sweeps = value;
        }
    }

    private readonly int _sweeps = 1;

    /// <summary>
    /// The trials one sweep asks for when every rung completes: the sum over brackets of the configurations each rung keeps.
    /// </summary>
    public int TrialsPerSweep
    {
        get
        {
            int total = 0;
            for (int s = _maxBracket; s >= 0; s--)
            {
                int configurations = BracketConfigurations(s);
                int epochs = BracketEpochs(s);
                while (true)
                {
                    total += configurations;
                    if (epochs >= _maxEpochs || configurations == 1) break;
                    configurations = Math.Max(1, configurations / _eta);
                    epochs = Math.Min(_maxEpochs, epochs * _eta);
                }
            }

            return total;
        }
    }

    private int BracketConfigurations(int s) => (int)Math.Ceiling((_maxBracket + 1.0) / (s + 1) * Math.Pow(_eta, s));

    private int BracketEpochs(int s) => Math.Max(1, (int)(_maxEpochs / Math.Pow(_eta, s)));

    /// <summary>The number of brackets: <c>sMax + 1</c>.</summary>
    public int BracketCount => _maxBracket + 1;

    /// <inheritdoc/>
    public override string Name => "hyperband";

    /// <inheritdoc/>
    public override IReadOnlyList<TrialRequest> Next()
    {
        while (true)
        {
            if (_current is null)
            {
                if (_bracket < 0 && (Repeat || ++_sweep < Sweeps)) _bracket = _maxBracket;
                if (_bracket < 0) return [];
                int s = _bracket--;
                int configurations = BracketConfigurations(s);
                int epochs = BracketEpochs(s);
                var drawn = new SearchConfiguration[configurations];
                for (int i = 0; i < configurations; i++) drawn[i] = _space.Sample(_random);
                _current = new SuccessiveHalving(drawn, epochs, _maxEpochs, _eta);
            }

            IReadOnlyList<TrialRequest> trials = _current.Next();
            if (trials.Count > 0) return trials;
            if (!_current.IsDone) return []; // An unfinished rung: the budget ran out.
            _current = null;
        }
    }

    /// <inheritdoc/>
    public override void Report(TrialRequest trial, double metric) => _current?.Report(trial, metric);
}
