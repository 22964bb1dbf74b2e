namespace NetGen.Search;

/// <summary>
/// Regularized (aging) evolution, Real et al. 2019: a population of <c>P</c> trained configurations; each child
/// is a mutation of the best of <c>S</c> members sampled at random, and joins the population while the
/// <em>oldest</em> member (not the worst) leaves, so good configurations must keep being rediscovered.
/// The first <c>P</c> trials are random.
/// </summary>
public sealed class RegularizedEvolution : SearchStrategy
{
    private readonly SearchSpace _space;
    private readonly Random _random;
    private readonly int _populationSize;
    private readonly int _sampleSize;
    private readonly int _epochs;
    private readonly int _batch;
    private readonly Queue<(SearchConfiguration Configuration, double Metric)> _population = new();
    private int _drawnInitial;

    /// <summary>Aging evolution with population <paramref name="populationSize"/> and tournament <paramref name="sampleSize"/>.</summary>
    public RegularizedEvolution(SearchSpace space, int populationSize, int sampleSize, int epochs, int seed, int batch = 2)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfLessThan(populationSize, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleSize, populationSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        _space = space;
        _random = new Random(seed);
        _populationSize = populationSize;
        _sampleSize = sampleSize;
        _epochs = epochs;
        _batch = batch;
    }

    /// <inheritdoc/>
    public override string Name => "evolution";

    /// <summary>The current population, oldest first.</summary>
    public IReadOnlyList<(SearchConfiguration Configuration, double Metric)> Population => [.. _population];

    /// <inheritdoc/>
    public override IReadOnlyList<TrialRequest> Next()
    {
        var trials = new TrialRequest[_batch];
        for (int i = 0; i < trials.Length; i++)
        {
            SearchConfiguration configuration;
            if (_drawnInitial < _populationSize || _population.Count == 0)
            {
                _drawnInitial++;
                configuration = _space.Sample(_random);
            }
            else
            {
                var members = _population.ToArray();
                (SearchConfiguration Configuration, double Metric) parent = members[_random.Next(members.Length)];
                for (int k = 1; k < _sampleSize; k++)
                {
                    var candidate = members[_random.Next(members.Length)];
                    if (candidate.Metric > parent.Metric) parent = candidate;
                }

                configuration = _space.Mutate(parent.Configuration, _random);
            }

            trials[i] = new TrialRequest(configuration, _epochs);
        }

        return trials;
    }

    /// <inheritdoc/>
    public override void Report(TrialRequest trial, double metric)
    {
        ArgumentNullException.ThrowIfNull(trial);
        _population.Enqueue((trial.Configuration, metric));
        while (_population.Count > _populationSize) _population.Dequeue();
    }
}
