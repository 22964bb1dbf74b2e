using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>
/// [SearchSpace]: the structural product is enumerated at build time, each variant generated as its own network
/// (pinned by snapshots of the registry and of one variant), and each search diagnostic points at the exact attribute
/// or choice that is wrong.
/// </summary>
public class SearchSpaceTests
{
    private const string Usings = "using NetGen;\n";

    private const string SmallSpace = """
        using NetGen;

        namespace Demo;

        [SearchSpace(BatchSize = 16, Seed = 3, MaxVariants = 8)]
        [Input(12)]
        [RepeatChoice(1, 2, Layers = 2)]
        [DenseChoice(Units = new[] { 8, 16 })]
        [DropoutChoice(0.0, 0.25)]
        [Dense(3)]
        [SoftmaxCrossEntropy]
        [Adam]
        [LearningRateRange(1e-4, 1e-2)]
        public partial class TinySearch;
        """;

    [Fact]
    public void A_small_space_generates_every_variant_and_a_registry_that_compile()
    {
        GeneratorRun run = GeneratorHarness.RunClean(SmallSpace);

        // 2 depths x 2 widths x 2 dropout rates = 8 variants, plus the registry.
        Assert.Equal(9, run.Sources.Length);
        Snapshot.Verify("TinySearch.Variants", run.Source("Demo.TinySearch.Variants.g.cs"));
        // The deepest, widest variant with dropout: 12-16-16-3 with two dropout layers.
        Snapshot.Verify("TinySearchVariant07", run.Source("Demo.TinySearch.TinySearchVariant07.g.cs"));
    }

    [Fact]
    public void The_registry_lists_variants_slowest_choice_first_with_exact_parameter_counts()
    {
        string registry = GeneratorHarness.RunClean(SmallSpace).Source("Demo.TinySearch.Variants.g.cs");

        // Variant 0: one block, width 8, no dropout: 12*8+8 + 8*3+3 = 131 parameters.
        Assert.Contains("""new("TinySearchVariant00", "12-8-3 ReLU, Adam", 131,""", registry);
        // Variant 7: two blocks of width 16 with dropout 0.25: 12*16+16 + 16*16+16 + 16*3+3 = 531.
        Assert.Contains("""new("TinySearchVariant07", "12-16-16-3 ReLU, dropout 0.25, Adam", 531,""", registry);
        Assert.Contains("public const double LearningRateLow = 0.0001;", registry);
    }

    // Every structural choice the space offers beside depth, width, activation and dropout: normalization on/off,
    // batch size, initializer, optimizer; and both run-time ranges.
    private const string ChoicesSpace = """
        using NetGen;

        namespace Demo;

        [SearchSpace(Seed = 3, MaxVariants = 16)]
        [Input(12)]
        [DenseChoice(Units = new[] { 8 })]
        [NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm)]
        [Dense(3)]
        [SoftmaxCrossEntropy]
        [BatchSizeChoice(16, 32)]
        [InitializerChoice(WeightInit.HeNormal, WeightInit.GlorotUniform)]
        [OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
        [LearningRateRange(1e-4, 1e-2)]
        [WeightDecayRange(1e-6, 1e-3)]
        public partial class TinySearchChoices;
        """;

    [Fact]
    public void Normalization_batch_size_initializer_and_optimizer_choices_each_generate_their_own_variants()
    {
        GeneratorRun run = GeneratorHarness.RunClean(ChoicesSpace);

        // 2 normalizations x 2 batch sizes x 2 initializers x 2 optimizers = 16 variants, plus the registry.
        Assert.Equal(17, run.Sources.Length);
        Snapshot.Verify("TinySearchChoices.Variants", run.Source("Demo.TinySearchChoices.Variants.g.cs"));
        // Variant 12: batch norm, batch 32, He normal, Adam, with the run-time weight decay.
        Snapshot.Verify("TinySearchChoicesVariant12", run.Source("Demo.TinySearchChoices.TinySearchChoicesVariant12.g.cs"));
    }

    [Fact]
    public void The_new_choices_show_in_each_variants_description_and_pasteable_declaration()
    {
        GeneratorRun run = GeneratorHarness.RunClean(ChoicesSpace);
        string registry = run.Source("Demo.TinySearchChoices.Variants.g.cs");

        // Slowest first: normalization, then batch size, initializer, optimizer. 12*8+8 + 8*3+3 = 131 parameters; batch norm adds 16.
        Assert.Contains("""new("TinySearchChoicesVariant00", "12-8-3 ReLU, init HeNormal, batch 16, Adam", 131,""", registry);
        Assert.Contains("""new("TinySearchChoicesVariant15", "12-8-3 ReLU, batch norm, init GlorotUniform, batch 32, Sgd", 147,""", registry);
        Assert.Contains("""[Network(BatchSize = 32, Seed = 3)]\n[Input(12)]\n[Dense(8, Activation.ReLU, Init = WeightInit.HeNormal)]\n[BatchNorm]\n"""
            + """[Dense(3, Init = WeightInit.HeNormal)]\n[SoftmaxCrossEntropy]\n[Adam(LearningRate = {LearningRate}, WeightDecay = {WeightDecay})]""", registry);
        Assert.Contains("[Sgd(LearningRate = {LearningRate}, Momentum = 0.9, WeightDecay = {WeightDecay})]", registry);
        Assert.Contains("public const double WeightDecayLow = 1E-06;", registry);
        Assert.Contains("public const double WeightDecayHigh = 0.001;", registry);

        // The batch size is a constant of the variant; the weight decay is a run-time property, not a constant.
        string variant = run.Source("Demo.TinySearchChoices.TinySearchChoicesVariant12.g.cs");
        Assert.Contains("public const int BatchSize = 32;", variant);
        Assert.Contains("public float WeightDecay", variant);
        Assert.Contains("private float _weightDecay = DefaultWeightDecay;", variant);
        Assert.Contains("Hyperparameters.CheckWeightDecay(value, \"TinySearchChoicesVariant12.WeightDecay\")", variant);
        Assert.DoesNotContain("private const double AdamWeightDecay", variant);
    }

    [Fact]
    public void A_space_without_a_weight_decay_range_keeps_the_optimizers_constant()
    {
        string variant = GeneratorHarness.RunClean(SmallSpace).Source("Demo.TinySearch.TinySearchVariant07.g.cs");

        Assert.Contains("private const double AdamWeightDecay = 0.0;", variant);
        Assert.DoesNotContain("IRuntimeWeightDecay", variant);
    }

    private static Diagnostic AssertSingle(string id, string markedSource)
    {
        (string source, var span) = Markup.Parse(Usings + markedSource);
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Empty(run.Sources);
        return diagnostic;
    }

    [Fact]
    public void Every_fixed_layer_kind_and_training_option_works_in_a_search_space()
    {
        // Fixed layers go through the network parser's own reader: convolutions, pooling, flatten, every Dense option;
        // penalties, clipping, schedules and Adagrad reach every variant.
        GeneratorRun run = GeneratorHarness.RunClean(Usings + """
            namespace Demo;

            [SearchSpace(BatchSize = 8, Seed = 1, MaxVariants = 4)]
            [Input(1, 8, 8)]
            [Conv2D(4, 3, Padding = 1, Activation = Activation.ReLU)]
            [MaxPool2D(2)]
            [Flatten]
            [DenseChoice(Units = new[] { 8, 16 })]
            [Dense(6, Activation.Tanh, Init = WeightInit.GlorotUniform, UseBias = false, L2 = 1e-4)]
            [LayerNorm]
            [Dense(3)]
            [SoftmaxCrossEntropy]
            [Regularization(L1 = 1e-5)]
            [ClipGradients(MaxNorm = 1)]
            [CosineAnnealing(TotalSteps = 100)]
            [OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
            public partial class ConvSearch;

            [SearchSpace(BatchSize = 8, Seed = 1)]
            [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [Adagrad(LearningRate = 0.05)]
            public partial class AdagradSearch;
            """);
        string variant = run.Source("Demo.ConvSearch.ConvSearchVariant03.g.cs");
        Assert.Contains("global::NetGen.Kernels.Conv2D", variant);
        Assert.Contains("ClipByGlobalNorm", variant);
        Assert.Contains("global::NetGen.Training.CosineAnnealing", variant);
        Assert.Contains("L2Penalty", variant);
        Assert.Contains("global::NetGen.Optimizers.Adagrad.Step", run.Source("Demo.AdagradSearch.AdagradSearchVariant00.g.cs"));
        string registry = run.Source("Demo.ConvSearch.Variants.g.cs");
        Assert.Contains("[Conv2D(4, 3, Padding = 1, Activation = Activation.ReLU)]", registry);
        Assert.Contains("[Dense(6, Activation.Tanh, Init = WeightInit.GlorotUniform, UseBias = false, L2 = 1e-4)]", registry);
    }

    [Theory]
    [InlineData("[Adadelta(Rho = 0.95)]", "Adadelta.Step", "[Adadelta(LearningRate = {LearningRate}, Rho = 0.95, Epsilon = 1E-06)]")]
    [InlineData("[NAdam(Beta1 = 0.8)]", "NAdam.Step", "[NAdam(LearningRate = {LearningRate}, Beta1 = 0.8, Beta2 = 0.999, Epsilon = 1E-08, MomentumDecay = 0.004)]")]
    [InlineData("[RAdam]", "RAdam.Step", "[RAdam(LearningRate = {LearningRate}, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1E-08)]")]
    [InlineData("[Lion(Beta2 = 0.98)]", "Lion.Step", "[Lion(LearningRate = {LearningRate}, Beta1 = 0.9, Beta2 = 0.98)]")]
    [InlineData("[Lion] [WeightDecayRange(1e-3, 1)]", "Lion.Step", "[Lion(LearningRate = {LearningRate}, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = {WeightDecay})]")]
    [InlineData("[NAdam] [WeightDecayRange(1e-6, 1e-3)]", "NAdam.Step", "MomentumDecay = 0.004, WeightDecay = {WeightDecay})]")]
    public void The_newer_optimizers_reach_every_variant_and_the_winner_declares_their_settings(string optimizer, string step, string declaration)
    {
        GeneratorRun run = GeneratorHarness.RunClean(Usings + $$"""
            namespace Demo;

            [SearchSpace(BatchSize = 8, Seed = 1)]
            [Input(4)] [DenseChoice(Units = new[] { 3, 5 })] [Dense(2)] [SoftmaxCrossEntropy] {{optimizer}}
            public partial class OptimizerSearch;
            """);
        Assert.Contains("global::NetGen.Optimizers." + step, run.Source("Demo.OptimizerSearch.OptimizerSearchVariant01.g.cs"));
        Assert.Contains(declaration, run.Source("Demo.OptimizerSearch.Variants.g.cs"));
    }

    [Fact]
    public void A_residual_connection_in_a_search_space_reports_NG0304_at_it() => AssertSingle("NG0304", """
        [SearchSpace] [Input(4)] [Dense(4)] [[|Residual|]] [Dense(4)] [EndResidual] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_named_layer_in_a_search_space_reports_NG0304_at_the_name() => AssertSingle("NG0304", """
        [SearchSpace] [Input(4)] [Dense(4, [|Name = "hidden"|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_variant_whose_shapes_fail_reports_NG0303_at_the_search_space()
    {
        Diagnostic d = AssertSingle("NG0303", """
            [[|SearchSpace|]] [Input(1, 4, 4)]
            [RepeatChoice(1)]
            [DenseChoice(Units = new[] { 8 })]
            [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("NG0012", d.GetMessage());
    }

    [Fact]
    public void A_product_past_MaxVariants_reports_NG0300_at_the_attribute_that_explodes_it()
    {
        Diagnostic d = AssertSingle("NG0300", """
            [SearchSpace(MaxVariants = 10)] [Input(4)]
            [RepeatChoice(1, 2)]
            [DenseChoice(Units = new[] { 8, 16 })]
            [[|DropoutChoice(0.0, 0.1, 0.2)|]]
            [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("its 3 choices multiply the 4 variants before it, 12 variants in all, but MaxVariants is 10", d.GetMessage());
    }

    [Fact]
    public void An_empty_choice_list_reports_NG0301_at_the_argument() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [DenseChoice([|Units = new int[0]|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_empty_optional_list_reports_NG0301_too() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [DenseChoice(Units = new[] { 8 }, [|Activations = new Activation[0]|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_empty_params_list_reports_NG0301_at_the_attribute() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [[|RepeatChoice|]] [Dense(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_repeated_width_reports_NG0302_at_the_repeat()
    {
        Diagnostic d = AssertSingle("NG0302", """
            [SearchSpace] [Input(4)] [DenseChoice(Units = new[] { 8, 16, [|8|] })] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("lists 8 twice (choices 1 and 3)", d.GetMessage());
    }

    [Fact]
    public void A_repeated_params_value_reports_NG0302_at_that_argument() => AssertSingle("NG0302", """
        [SearchSpace] [Input(4)] [Dense(4)] [DropoutChoice(0.1, 0.2, [|0.1|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_repeated_optimizer_reports_NG0302_by_name()
    {
        Diagnostic d = AssertSingle("NG0302", """
            [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [OptimizerChoice(SearchOptimizer.Adam, [|SearchOptimizer.Adam|])]
            public partial class Net;
            """);
        Assert.Contains("lists Adam twice", d.GetMessage());
    }

    [Fact]
    public void A_batch_size_choice_that_explodes_the_product_reports_NG0300_there()
    {
        Diagnostic d = AssertSingle("NG0300", """
            [SearchSpace(MaxVariants = 8)] [Input(4)]
            [DenseChoice(Units = new[] { 8, 16 })]
            [Dense(2)] [SoftmaxCrossEntropy]
            [[|BatchSizeChoice(16, 32, 64, 128, 256)|]]
            [Adam]
            public partial class Net;
            """);
        Assert.Contains("its 5 choices multiply the 2 variants before it, 10 variants in all, but MaxVariants is 8", d.GetMessage());
    }

    [Fact]
    public void A_normalization_choice_that_explodes_the_product_reports_NG0300_there() => AssertSingle("NG0300", """
        [SearchSpace(MaxVariants = 5)] [Input(4)]
        [RepeatChoice(1, 2, 3)]
        [DenseChoice(Units = new[] { 8 })]
        [[|NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm)|]]
        [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_initializer_choice_that_explodes_the_product_reports_NG0300_there()
    {
        Diagnostic d = AssertSingle("NG0300", """
            [SearchSpace(MaxVariants = 6)] [Input(4)]
            [DenseChoice(Units = new[] { 8, 16 })]
            [Dense(2)] [SoftmaxCrossEntropy]
            [[|InitializerChoice(WeightInit.HeNormal, WeightInit.GlorotUniform, WeightInit.LeCunNormal, WeightInit.Orthogonal)|]]
            [OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
            public partial class Net;
            """);
        Assert.Contains("[InitializerChoice]: its 4 choices multiply the 2 variants before it, 16 variants in all", d.GetMessage());
    }

    [Fact]
    public void An_empty_batch_size_choice_reports_NG0301_at_the_attribute() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [[|BatchSizeChoice|]] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_empty_normalization_choice_reports_NG0301_at_the_attribute() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [Dense(4)] [[|NormalizationChoice|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_empty_initializer_choice_reports_NG0301_at_the_attribute() => AssertSingle("NG0301", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [[|InitializerChoice|]] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_repeated_batch_size_reports_NG0302_at_the_repeat()
    {
        Diagnostic d = AssertSingle("NG0302", """
            [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [BatchSizeChoice(32, 64, [|32|])] [Adam]
            public partial class Net;
            """);
        Assert.Contains("lists 32 twice (choices 1 and 3)", d.GetMessage());
    }

    [Fact]
    public void A_repeated_normalization_reports_NG0302_by_name()
    {
        Diagnostic d = AssertSingle("NG0302", """
            [SearchSpace] [Input(4)] [Dense(4)]
            [NormalizationChoice(SearchNormalization.BatchNorm, SearchNormalization.None, [|SearchNormalization.BatchNorm|])]
            [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.Contains("lists BatchNorm twice", d.GetMessage());
    }

    [Fact]
    public void A_repeated_initializer_reports_NG0302_by_name()
    {
        Diagnostic d = AssertSingle("NG0302", """
            [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]
            [InitializerChoice(WeightInit.HeNormal, [|WeightInit.HeNormal|])] [Adam]
            public partial class Net;
            """);
        Assert.Contains("lists HeNormal twice", d.GetMessage());
    }

    [Fact]
    public void A_non_positive_batch_size_choice_reports_NG0003_at_that_size() => AssertSingle("NG0003", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [BatchSizeChoice(32, [|0|])] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void An_initializer_choice_that_needs_a_scale_reports_NG0045_at_that_initializer() => AssertSingle("NG0045", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice(WeightInit.HeNormal, [|WeightInit.Normal|])] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_zeros_initializer_choice_reports_NG0009_at_that_initializer() => AssertSingle("NG0009", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice([|WeightInit.Zeros|], WeightInit.HeNormal)] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void A_weight_decay_range_starting_at_zero_reports_NG0009_at_the_low_end() => AssertSingle("NG0009", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [WeightDecayRange([|0|], 1e-3)]
        public partial class Net;
        """);

    [Fact]
    public void A_weight_decay_range_upside_down_reports_NG0009_at_the_high_end() => AssertSingle("NG0009", """
        [SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [WeightDecayRange(1e-3, [|1e-5|])]
        public partial class Net;
        """);
}
