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
        Snapshot.Verify("TinySearchVariant07", run.Source("Demo.TinySearchVariant07.g.cs"));
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
}
