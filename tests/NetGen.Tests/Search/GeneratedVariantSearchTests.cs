using NetGen.Data;
using NetGen.Search;

namespace NetGen.Tests.Search;

/// <summary>Two depths x two widths = 4 generated variants; the learning rate is a run-time range.</summary>
[SearchSpace(BatchSize = 8, Seed = 2, MaxVariants = 4)]
[Input(6)]
[RepeatChoice(1, 2)]
[DenseChoice(Units = new[] { 4, 8 })]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam]
[LearningRateRange(1e-3, 1e-1)]
public partial class TinyArchitectureSearch;

/// <summary>The generated registry works at run time: factories, parameter counts, and a whole search over real variants.</summary>
[Collection(WorkerPoolThreadsCollection.Name)]
public sealed class GeneratedVariantSearchTests
{
    [Fact]
    public void The_registry_creates_each_variant_with_its_stated_parameter_count()
    {
        Assert.Equal(4, TinyArchitectureSearch.VariantCount);
        // 6-4-3, 6-8-3, 6-4-4-3, 6-8-8-3 with biases.
        Assert.Equal([43, 83, 63, 155], TinyArchitectureSearch.Variants.Select(v => v.ParameterCount));
        foreach (NetworkVariant<int> variant in TinyArchitectureSearch.Variants)
        {
            INetwork<int> network = variant.Create();
            Assert.Equal(variant.ParameterCount, network.ParameterCount);
            Assert.Equal(6, network.InputSize);
            Assert.Contains("[Adam(LearningRate = 0.05)]", variant.DeclarationWithLearningRate(0.05));
        }
    }

    [Fact]
    public void A_random_search_over_generated_variants_separates_three_clusters()
    {
        // Three well-separated clusters in 6 dimensions: any variant with a sane learning rate gets them right.
        var random = new Random(5);
        (float[] X, int[] Y) Make(int count)
        {
            var x = new float[count * 6];
            var y = new int[count];
            for (int i = 0; i < count; i++)
            {
                y[i] = i % 3;
                for (int j = 0; j < 6; j++) x[i * 6 + j] = (j % 3 == y[i] ? 2f : 0f) + (float)(random.NextDouble() - 0.5);
            }

            return (x, y);
        }

        (float[] trainX, int[] trainY) = Make(96);
        (float[] validX, int[] validY) = Make(48);
        var space = new SearchSpace(
            SearchDimension.Choice("variant", [.. TinyArchitectureSearch.Variants.Select(v => v.Name)], structural: true),
            SearchDimension.LogUniform("learning_rate", TinyArchitectureSearch.LearningRateLow, TinyArchitectureSearch.LearningRateHigh));

        TrialOutcome Train(TrialRequest trial)
        {
            NetworkVariant<int> variant = TinyArchitectureSearch.Variants.Single(v => v.Name == trial.Configuration.Choice("variant"));
            INetwork<int> network = variant.Create();
            network.ResetParameters(1);
            network.LearningRate = (float)trial.Configuration.Number("learning_rate");
            var batches = new MiniBatches<int>(trainX, trainY, 6, 1, network.BatchSize, seed: 1);
            for (int epoch = 1; epoch <= trial.Epochs; epoch++)
            {
                batches.StartEpoch(epoch);
                for (int b = 0; b < batches.BatchCount; b++)
                {
                    batches.GetBatch(b, out ReadOnlySpan<float> x, out ReadOnlySpan<int> y);
                    network.TrainStep(x, y);
                }
            }

            return new TrialOutcome(network.Evaluate(validX, validY).Accuracy, network.ParameterCount, 0);
        }

        SearchResult result = new SearchRunner(new Hyperband(space, maxEpochs: 9, eta: 3, seed: 1), Train, new SearchBudget { Parallelism = 2 }).Run();

        Assert.Equal(22, result.Records.Count);
        Assert.True(result.Best!.ValidationMetric >= 0.95, $"best validation accuracy {result.Best.ValidationMetric}");
    }
}
