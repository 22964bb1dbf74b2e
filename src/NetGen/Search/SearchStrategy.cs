namespace NetGen.Search;

/// <summary>One trial a strategy asks for: train <see cref="Configuration"/> for <see cref="Epochs"/> epochs and report its validation metric.</summary>
/// <param name="Configuration">The configuration to train.</param>
/// <param name="Epochs">The training budget in epochs (successive halving raises it rung by rung).</param>
/// <param name="Rung">The successive-halving rung (0 for strategies without rungs).</param>
public sealed record TrialRequest(SearchConfiguration Configuration, int Epochs, int Rung = 0)
{
    /// <summary>The key under which a results file remembers this trial: configuration and budget.</summary>
    public string Key => Configuration.Key + "@" + Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Decides which configurations to train next. The runner asks <see cref="Next"/> for a batch of trials (which it
/// may run two at a time), trains them, then hands every result back through <see cref="Report"/> in the order of
/// the batch; a strategy is therefore deterministic for a given seed and given metrics. Metrics are maximized
/// (validation accuracy); pass a negated loss to minimize.
/// </summary>
public abstract class SearchStrategy
{
    /// <summary>A short name for summaries and results: random, grid, hyperband, evolution.</summary>
    public abstract string Name { get; }

    /// <summary>The next trials to run; empty when the strategy has nothing left to try.</summary>
    public abstract IReadOnlyList<TrialRequest> Next();

    /// <summary>The validation metric (higher is better) of a trial that <see cref="Next"/> returned.</summary>
    public abstract void Report(TrialRequest trial, double metric);
}

/// <summary>Random search: independent configurations, each trained for the same number of epochs, forever (the budget stops it).</summary>
public sealed class RandomSearch : SearchStrategy
{
    private readonly SearchSpace _space;
    private readonly Random _random;
    private readonly int _epochs;
    private readonly int _batch;

    /// <summary>Random search over <paramref name="space"/> with <paramref name="epochs"/> epochs per trial, drawn <paramref name="batch"/> at a time.</summary>
    public RandomSearch(SearchSpace space, int epochs, int seed, int batch = 2)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        _space = space;
        _random = new Random(seed);
        _epochs = epochs;
        _batch = batch;
    }

    /// <inheritdoc/>
    public override string Name => "random";

    /// <inheritdoc/>
    public override IReadOnlyList<TrialRequest> Next()
    {
        var trials = new TrialRequest[_batch];
        for (int i = 0; i < trials.Length; i++) trials[i] = new TrialRequest(_space.Sample(_random), _epochs);
        return trials;
    }

    /// <inheritdoc/>
    public override void Report(TrialRequest trial, double metric)
    {
    }
}

/// <summary>
/// Grid search: the product of every choice and <c>points</c> evenly (log-)spaced values per numeric dimension,
/// in a seeded shuffled order so a budget cut short still covers the grid evenly.
/// </summary>
public sealed class GridSearch : SearchStrategy
{
    private readonly List<SearchConfiguration> _grid = [];
    private readonly int _epochs;
    private int _next;

    /// <summary>Grid search over <paramref name="space"/> with <paramref name="points"/> values per numeric dimension.</summary>
    public GridSearch(SearchSpace space, int epochs, int seed, int points = 3, bool shuffle = true)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        _epochs = epochs;
        double[][] axes = [.. space.Dimensions.Select(d => d.GridValues(points))];
        var index = new int[axes.Length];
        while (true)
        {
            var values = new double[axes.Length];
            for (int d = 0; d < axes.Length; d++) values[d] = axes[d][index[d]];
            _grid.Add(new SearchConfiguration(space, values));
            int carry = axes.Length - 1;
            while (carry >= 0 && ++index[carry] == axes[carry].Length) index[carry--] = 0;
            if (carry < 0) break;
        }

        if (shuffle)
        {
            var random = new Random(seed);
            for (int i = _grid.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (_grid[i], _grid[j]) = (_grid[j], _grid[i]);
            }
        }
    }

    /// <summary>Points in the grid.</summary>
    public int Count => _grid.Count;

    /// <inheritdoc/>
    public override string Name => "grid";

    /// <inheritdoc/>
    public override IReadOnlyList<TrialRequest> Next()
    {
        if (_next >= _grid.Count) return [];
        var trials = new List<TrialRequest>();
        for (int i = 0; i < 2 && _next < _grid.Count; i++) trials.Add(new TrialRequest(_grid[_next++], _epochs));
        return trials;
    }

    /// <inheritdoc/>
    public override void Report(TrialRequest trial, double metric)
    {
    }
}
