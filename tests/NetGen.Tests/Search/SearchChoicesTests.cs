using NetGen.Data;
using NetGen.Search;
using NetGen.Threading;

namespace NetGen.Tests.Search;

/// <summary>
/// 2 normalizations x 2 batch sizes x 2 initializers x 2 optimizers = 16 generated variants of a 64-64-3 network;
/// learning rate and weight decay are run-time ranges.
/// </summary>
[SearchSpace(Seed = 4, MaxVariants = 16)]
[Input(64)]
[DenseChoice(Units = new[] { 64 })]
[NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm)]
[Dense(3)]
[SoftmaxCrossEntropy]
[BatchSizeChoice(8, 16)]
[InitializerChoice(WeightInit.HeNormal, WeightInit.GlorotUniform)]
[OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.AdamW)]
[LearningRateRange(1e-3, 1e-1)]
[WeightDecayRange(1e-5, 1e-1)]
public partial class ChoicesArchitectureSearch;

/// <summary>
/// Search runners with two trials at once set the process-wide kernel thread count, which replaces the worker pool:
/// their tests run one at a time and apart from every other test class (xUnit runs a collection that disables
/// parallelization after the parallel ones), so that no kernel on another test's thread sees its pool replaced.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WorkerPoolThreadsCollection
{
    public const string Name = "Worker pool thread count";
}

/// <summary>The build-time choices (normalization, batch size, initializer) and the run-time weight decay, at run time.</summary>
[Collection(WorkerPoolThreadsCollection.Name)]
public sealed class SearchChoicesTests
{
    private static NetworkVariant<int> Variant(string description) => ChoicesArchitectureSearch.Variants.Single(v => v.Description == description);

    [Fact]
    public void Each_variant_has_its_chosen_batch_size_and_normalization()
    {
        Assert.Equal(16, ChoicesArchitectureSearch.VariantCount);
        foreach (NetworkVariant<int> variant in ChoicesArchitectureSearch.Variants)
        {
            INetwork<int> network = variant.Create();
            bool batchNorm = variant.Description.Contains("batch norm", StringComparison.Ordinal);
            Assert.Equal(variant.Description.Contains("batch 16", StringComparison.Ordinal) ? 16 : 8, network.BatchSize);
            // 64*64+64 + 64*3+3 = 4355 parameters; batch norm adds 64 scales and 64 shifts, and 2 x 64 running statistics.
            Assert.Equal(batchNorm ? 4483 : 4355, network.ParameterCount);
            Assert.Equal(batchNorm ? 128 : 0, network.Statistics.Length);
            Assert.True(variant.HasRuntimeWeightDecay);
            Assert.IsAssignableFrom<IRuntimeWeightDecay>(network);
        }
    }

    [Fact]
    public void The_initializer_choice_draws_weights_with_its_published_spread()
    {
        // Dense1 is 64 -> 64: He normal has std sqrt(2 / fan_in) = 0.177; Glorot uniform U(-a, a), a = sqrt(6 / (fan_in + fan_out)),
        // has std a / sqrt(3) = sqrt(2 / 128) = 0.125 (He et al. 2015; Glorot and Bengio 2010). 4096 draws: std within 5%.
        static double WeightStd(string description)
        {
            INetwork<int> network = Variant(description).Create();
            ReadOnlySpan<float> weights = network.Parameters[..(64 * 64)];
            double sum = 0, squares = 0;
            foreach (float w in weights)
            {
                sum += w;
                squares += (double)w * w;
            }

            double mean = sum / weights.Length;
            return Math.Sqrt(squares / weights.Length - mean * mean);
        }

        Assert.InRange(WeightStd("64-64-3 ReLU, init HeNormal, batch 8, Adam"), 0.177 * 0.95, 0.177 * 1.05);
        Assert.InRange(WeightStd("64-64-3 ReLU, init GlorotUniform, batch 8, Adam"), 0.125 * 0.95, 0.125 * 1.05);
    }

    [Theory]
    [InlineData("64-64-3 ReLU, init HeNormal, batch 8, Adam")]
    [InlineData("64-64-3 ReLU, batch norm, init GlorotUniform, batch 16, AdamW")]
    public void The_run_time_weight_decay_enters_the_optimizer_step_by_its_formula(string description)
    {
        // With zero gradients only the decay moves the parameters. On the first step Adam's bias corrections make
        // m_hat = g and v_hat = g^2, so coupled decay (g = wd*p) gives p - lr * g / (|g| + eps); AdamW's decoupled
        // decay gives p * (1 - lr*wd) and then no Adam move at all (m = 0).
        NetworkVariant<int> variant = Variant(description);
        bool decoupled = description.EndsWith("AdamW", StringComparison.Ordinal);
        const double LearningRate = 0.01, WeightDecay = 0.05;
        INetwork<int> network = variant.Instantiate(seed: 1, LearningRate, WeightDecay);
        Assert.Equal((float)WeightDecay, ((IRuntimeWeightDecay)network).WeightDecay);
        float[] before = network.Parameters.ToArray();

        network.ZeroGradients();
        network.OptimizerStep();

        float[] after = network.Parameters.ToArray();
        double worst = 0;
        for (int i = 0; i < before.Length; i++)
        {
            double p = before[i];
            double g = WeightDecay * p;
            double expected = decoupled ? p * (1 - LearningRate * WeightDecay) : p - LearningRate * g / (Math.Abs(g) + 1e-8);
            worst = Math.Max(worst, Math.Abs(after[i] - expected));
        }

        // float32 arithmetic on values below 1: a few ulps.
        Assert.True(worst < 1e-6, $"largest deviation from the formula {worst}");
        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Weight_decay_zero_leaves_parameters_alone_at_zero_gradient()
    {
        INetwork<int> network = Variant("64-64-3 ReLU, init HeNormal, batch 8, Adam").Instantiate(seed: 1, learningRate: 0.01, weightDecay: 0);
        float[] before = network.Parameters.ToArray();

        network.ZeroGradients();
        network.OptimizerStep();

        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void A_weight_decay_for_a_variant_with_a_constant_one_is_refused_by_name()
    {
        NetworkVariant<int> constant = TinyArchitectureSearch.Variants[0];

        var error = Assert.Throws<ArgumentException>(() => constant.Instantiate(seed: 1, learningRate: 0.01, weightDecay: 1e-4));

        Assert.Contains(constant.Name, error.Message);
        Assert.Throws<ArgumentException>(() => Variant("64-64-3 ReLU, init HeNormal, batch 8, Adam").DeclarationWith(1e-3, weightDecay: null));
    }

    [Fact]
    public void The_winning_declaration_carries_the_found_learning_rate_and_weight_decay()
    {
        string text = Variant("64-64-3 ReLU, batch norm, init GlorotUniform, batch 16, AdamW").DeclarationWith(0.00123456, 3.3333e-4);

        Assert.Equal("""
            [Network(BatchSize = 16, Seed = 4)]
            [Input(64)]
            [Dense(64, Activation.ReLU, Init = WeightInit.GlorotUniform)]
            [BatchNorm]
            [Dense(3, Init = WeightInit.GlorotUniform)]
            [SoftmaxCrossEntropy]
            [AdamW(LearningRate = 0.00123, WeightDecay = 0.000333)]
            public partial class ChoicesArchitectureSearchWinner;
            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public void The_winning_declaration_names_the_seed_the_winner_was_initialized_from()
    {
        string text = Variant("64-64-3 ReLU, init HeNormal, batch 8, Adam").DeclarationWith(1e-3, 1e-4, seed: 17);

        Assert.StartsWith("[Network(BatchSize = 8, Seed = 17)]\n[Input(64)]\n", text);
    }

    [Fact]
    public void Weight_decay_is_sampled_log_uniformly_inside_its_range()
    {
        var space = new SearchSpace(
            SearchDimension.Choice("variant", [.. ChoicesArchitectureSearch.Variants.Select(v => v.Name)], structural: true),
            SearchDimension.LogUniform("weight_decay", ChoicesArchitectureSearch.WeightDecayLow, ChoicesArchitectureSearch.WeightDecayHigh));
        var strategy = new RandomSearch(space, epochs: 1, seed: 3);
        var decays = new List<double>();
        new SearchRunner(strategy, trial =>
        {
            decays.Add(trial.Configuration.Number("weight_decay"));
            return new TrialOutcome(0.5, 1, 0);
        }, new SearchBudget { MaxTrials = 2000 }).Run();

        Assert.Equal(2000, decays.Count);
        Assert.All(decays, d => Assert.InRange(d, 1e-5, 1e-1));
        // Log-uniform over 4 decades: a quarter per decade, half below the geometric mean 1e-3 (binomial sd ~1.1%; allow 4%).
        Assert.InRange(decays.Count(d => d < 1e-3) / 2000.0, 0.46, 0.54);
        Assert.InRange(decays.Count(d => d < 1e-4) / 2000.0, 0.21, 0.29);
    }

    [Fact]
    public void Two_trials_at_once_run_their_kernels_on_their_own_threads_and_leave_the_shared_pool_alone()
    {
        int before = WorkerPool.ThreadCount;
        var seen = new System.Collections.Concurrent.ConcurrentBag<(bool OnCaller, int Threads)>();
        var space = new SearchSpace(SearchDimension.LogUniform("learning_rate", 1e-3, 1e-1));
        new SearchRunner(new RandomSearch(space, epochs: 1, seed: 1), _ =>
        {
            seen.Add((WorkerPool.RunsOnCaller, WorkerPool.ThreadCount));
            return new TrialOutcome(0.5, 1, 0);
        }, new SearchBudget { MaxTrials = 6, Parallelism = 2 }).Run();

        Assert.Equal(6, seen.Count);
        Assert.All(seen, trial => Assert.True(trial.OnCaller));
        Assert.All(seen, trial => Assert.Equal(before, trial.Threads));   // no pool replaced under other threads' feet
        Assert.False(WorkerPool.RunsOnCaller);
    }

    [Fact]
    public void A_search_over_every_choice_learns_three_clusters_and_each_step_allocates_nothing()
    {
        var random = new Random(5);
        (float[] X, int[] Y) Make(int count)
        {
            var x = new float[count * 64];
            var y = new int[count];
            for (int i = 0; i < count; i++)
            {
                y[i] = i % 3;
                for (int j = 0; j < 64; j++) x[i * 64 + j] = (j % 3 == y[i] ? 1.5f : 0f) + (float)(random.NextDouble() - 0.5);
            }

            return (x, y);
        }

        (float[] trainX, int[] trainY) = Make(96);
        (float[] validX, int[] validY) = Make(48);
        var space = new SearchSpace(
            SearchDimension.Choice("variant", [.. ChoicesArchitectureSearch.Variants.Select(v => v.Name)], structural: true),
            SearchDimension.LogUniform("learning_rate", ChoicesArchitectureSearch.LearningRateLow, ChoicesArchitectureSearch.LearningRateHigh),
            SearchDimension.LogUniform("weight_decay", ChoicesArchitectureSearch.WeightDecayLow, ChoicesArchitectureSearch.WeightDecayHigh));
        long allocated = 0;

        TrialOutcome Train(TrialRequest trial)
        {
            SearchConfiguration c = trial.Configuration;
            NetworkVariant<int> variant = ChoicesArchitectureSearch.Variants.Single(v => v.Name == c.Choice("variant"));
            INetwork<int> network = variant.Instantiate(seed: 1, c.Number("learning_rate"), c.Number("weight_decay"));
            var batches = new MiniBatches<int>(trainX, trainY, 64, 1, network.BatchSize, seed: 1);
            for (int epoch = 1; epoch <= trial.Epochs; epoch++)
            {
                batches.StartEpoch(epoch);
                for (int b = 0; b < batches.BatchCount; b++)
                {
                    batches.GetBatch(b, out ReadOnlySpan<float> x, out ReadOnlySpan<int> y);
                    long start = GC.GetAllocatedBytesForCurrentThread();
                    network.TrainStep(x, y);
                    if (epoch > 1) Interlocked.Add(ref allocated, GC.GetAllocatedBytesForCurrentThread() - start);
                }
            }

            return new TrialOutcome(network.Evaluate(validX, validY).Accuracy, network.ParameterCount, 0);
        }

        SearchResult result = new SearchRunner(new RandomSearch(space, epochs: 6, seed: 2), Train, new SearchBudget { MaxTrials = 16 }).Run();

        Assert.Equal(16, result.Records.Count);
        Assert.True(result.Best!.ValidationMetric >= 0.95, $"best validation accuracy {result.Best.ValidationMetric}");
        Assert.Equal(0, allocated);
    }
}
