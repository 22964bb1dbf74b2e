using NetGen.Search;

namespace NetGen.Tests.Search;

/// <summary>
/// Each strategy's selection logic on a synthetic objective with a known optimum: width "c" and learning rate
/// 10^-2.5. The metric is 1 at the optimum and falls with the distance from it, so "finds the optimum" and
/// "keeps the best" can be checked exactly, without training anything. In the worker-pool collection: a runner with
/// two trials at once sets the kernels' thread count, which replaces the pool under any test running beside it.
/// </summary>
[Collection(WorkerPoolThreadsCollection.Name)]
public sealed class SearchStrategyTests
{
    private static readonly SearchSpace Space = new(
        SearchDimension.Choice("width", ["a", "b", "c", "d"], structural: true),
        SearchDimension.LogUniform("learning_rate", 1e-4, 1e-1));

    /// <summary>1 at (c, 10^-2.5); each other width costs 0.5, each decade of learning rate away costs its square.</summary>
    private static double Objective(SearchConfiguration c)
    {
        double decades = Math.Log10(c.Number("learning_rate")) + 2.5;
        return 1 - (c.Choice("width") == "c" ? 0 : 0.5) - decades * decades;
    }

    private static TrialOutcome Train(TrialRequest trial) =>
        // More epochs help a little, the same for every configuration, so rankings within a rung are the objective's.
        new(Objective(trial.Configuration) - 0.1 / trial.Epochs, 1000, 0.001);

    [Fact]
    public void Random_search_finds_the_optimum_with_enough_trials()
    {
        SearchResult result = new SearchRunner(new RandomSearch(Space, epochs: 1, seed: 7), Train, new SearchBudget { MaxTrials = 200 }).Run();

        Assert.Equal(200, result.Records.Count);
        Assert.Equal("c", result.Best!.Configuration.Choice("width"));
        // 200 draws of 3 decades, a quarter of them on width c: the nearest lands within 0.1 decade almost surely.
        Assert.InRange(Math.Log10(result.Best.Configuration.Number("learning_rate")), -2.6, -2.4);
    }

    [Fact]
    public void Every_strategy_is_reproducible_for_a_seed()
    {
        foreach (Func<int, SearchStrategy> make in new Func<int, SearchStrategy>[]
                 {
                     seed => new RandomSearch(Space, 1, seed),
                     seed => new GridSearch(Space, 1, seed, points: 4),
                     seed => new Hyperband(Space, maxEpochs: 9, eta: 3, seed),
                     seed => new RegularizedEvolution(Space, populationSize: 10, sampleSize: 3, epochs: 1, seed),
                 })
        {
            string[] Keys(int seed) => [.. new SearchRunner(make(seed), Train, new SearchBudget { MaxTrials = 30 }).Run().Records.Select(r => r.Key)];
            Assert.Equal(Keys(3), Keys(3));
            Assert.NotEqual(Keys(3), Keys(4));
        }
    }

    [Fact]
    public void Grid_search_covers_the_product_and_finds_the_best_grid_point()
    {
        var grid = new GridSearch(Space, epochs: 1, seed: 1, points: 4); // 4 widths x 4 rates: 1e-4, 1e-3, 1e-2, 1e-1
        SearchResult result = new SearchRunner(grid, Train, new SearchBudget()).Run();

        Assert.Equal(16, grid.Count);
        Assert.Equal(16, result.Records.Select(r => r.Key).Distinct().Count());
        Assert.Equal("c", result.Best!.Configuration.Choice("width"));
        // 1e-3 and 1e-2 are both half a decade from the optimum; the tie goes to the earlier trial, either is right.
        Assert.Contains(Math.Round(Math.Log10(result.Best.Configuration.Number("learning_rate"))), new[] { -3.0, -2.0 });
    }

    [Fact]
    public void Successive_halving_keeps_the_top_third_each_rung_and_triples_the_epochs()
    {
        var halving = new SuccessiveHalving(Space, configurations: 27, minEpochs: 1, maxEpochs: 9, eta: 3, seed: 5);
        SearchResult result = new SearchRunner(halving, Train, new SearchBudget()).Run();

        // Rungs of 27 x 1 epoch, 9 x 3 and 3 x 9 epochs.
        Assert.Equal(27 + 9 + 3, result.Records.Count);
        Assert.Equal([27, 9, 3], result.Records.GroupBy(r => r.Epochs).OrderBy(g => g.Key).Select(g => g.Count()));
        Assert.Equal(2, halving.Promotions.Count);
        foreach ((int epochs, int keep, int promotion) in new[] { (1, 9, 0), (3, 3, 1) })
        {
            string[] expected = [.. result.Records.Where(r => r.Epochs == epochs).OrderByDescending(r => r.ValidationMetric).Take(keep).Select(r => r.Configuration.Key)];
            Assert.Equal(expected, halving.Promotions[promotion].Select(t => t.Configuration.Key));
        }

        // The winner of the last rung is the best of all 27 starting configurations.
        Assert.Equal(result.Records.Where(r => r.Epochs == 1).MaxBy(r => r.ValidationMetric)!.Configuration, halving.Best);
    }

    [Fact]
    public void Hyperband_runs_its_brackets_from_many_short_trials_to_few_long_ones()
    {
        var hyperband = new Hyperband(Space, maxEpochs: 9, eta: 3, seed: 2);
        SearchResult result = new SearchRunner(hyperband, Train, new SearchBudget()).Run();

        // R = 9, eta = 3: s = 2: 9 x 1, 3 x 3, 1 x 9; s = 1: 5 x 3, 1 x 9; s = 0: 3 x 9 (Li et al. 2018, table 1 pattern).
        Assert.Equal(3, hyperband.BracketCount);
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 9, 3, 3, 3, 3, 3, 9, 9, 9, 9], result.Records.Select(r => r.Epochs));
    }

    [Fact]
    public void Regularized_evolution_improves_over_generations_and_ages_out_the_oldest()
    {
        var evolution = new RegularizedEvolution(Space, populationSize: 20, sampleSize: 5, epochs: 1, seed: 11);
        SearchResult result = new SearchRunner(evolution, Train, new SearchBudget { MaxTrials = 200 }).Run();

        double firstGeneration = result.Records.Take(20).Average(r => r.ValidationMetric); // The random population.
        double lastGeneration = result.Records.TakeLast(20).Average(r => r.ValidationMetric);
        Assert.True(lastGeneration > firstGeneration + 0.3, $"mean metric {firstGeneration:F3} -> {lastGeneration:F3}");
        Assert.Equal(20, evolution.Population.Count);
        // Aging: the population is exactly the last 20 children, whatever their metric.
        Assert.Equal(result.Records.TakeLast(20).Select(r => r.Configuration.Key), evolution.Population.Select(p => p.Configuration.Key));
    }

    [Fact]
    public void Two_trials_at_once_give_the_same_search_as_one_at_a_time()
    {
        string[] Run(int parallelism) =>
        [
            .. new SearchRunner(new Hyperband(Space, 9, 3, seed: 4), Train, new SearchBudget { Parallelism = parallelism }).Run()
                .Records.Select(r => r.Key).Order(StringComparer.Ordinal),
        ];

        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void Dimensions_reject_empty_or_repeated_choices_and_bad_ranges()
    {
        Assert.Contains("at least one choice", Assert.Throws<ArgumentException>(() => SearchDimension.Choice("width", [])).Message);
        Assert.Contains("repeats the choice '64' at index 2", Assert.Throws<ArgumentException>(() => SearchDimension.Choice("width", ["64", "128", "64"])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchDimension.LogUniform("learning_rate", 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SearchDimension.Uniform("dropout", 0.5, 0.1));
    }

    [Fact]
    public void Hyperband_with_two_sweeps_runs_every_bracket_twice_with_fresh_configurations()
    {
        var hyperband = new Hyperband(Space, maxEpochs: 9, eta: 3, seed: 2) { Sweeps = 2 };

        SearchResult result = new SearchRunner(hyperband, Train, new SearchBudget()).Run();

        // One sweep at R = 9, eta = 3: 9 -> 3 -> 1, 5 -> 1, 3 = 22 trials.
        Assert.Equal(22, hyperband.TrialsPerSweep);
        Assert.Equal(44, result.Records.Count);
        var first = result.Records.Take(22).Select(r => r.Configuration.Key).ToHashSet();
        Assert.DoesNotContain(result.Records.Skip(22).First().Configuration.Key, first);
        Assert.Equal(result.Records.Take(22).Select(r => r.Epochs), result.Records.Skip(22).Select(r => r.Epochs));
    }
}
