namespace NetGen.Generators.Tests.Corpus;

public static partial class CorpusCases
{
    private const string Head = "[Network] [Input(8)]";

    // Graph declarations: Name/From, Add, Concat, Residual, Blocks.
    private static IEnumerable<CorpusCase> Graphs()
    {
        var clean = new (string Name, string Source)[]
        {
            ("NameAndFrom", $"{Head} [Dense(16, Name = \"a\")] [Dense(16)] [Dense(16, From = \"a\", Name = \"b\")] [Add(\"dense2\")] {Tail}"),
            ("AddTwo", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Add(\"a\")] {Tail}"),
            ("AddThree", $"{Head} [Dense(8, Name = \"a\")] [Dense(8, Name = \"b\", From = \"input\")] [Dense(8, Name = \"c\", From = \"input\")] [Add(\"a\", \"b\", \"c\")] {Tail}"),
            ("AddInput", $"{Head} [Dense(8)] [Add(\"input\")] {Tail}"),
            ("AddNamed", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Add(\"a\", Name = \"sum\")] [Dense(2, From = \"sum\")] [SoftmaxCrossEntropy] [Adam]"),
            ("ConcatVectors", $"{Head} [Dense(8, Name = \"a\")] [Dense(4)] [Concat(\"a\")] {Tail}"),
            // Axis = -1 is the last axis, as in torch.cat(dim=-1) and Keras's Concatenate(axis=-1).
            ("ConcatAxisMinus1", $"{Head} [Dense(8, Name = \"a\")] [Dense(4)] [Concat(\"a\", Axis = -1)] {Tail}"),
            ("ConcatAxis0", $"{Head} [Dense(8, Name = \"a\")] [Dense(4)] [Concat(\"a\", Axis = 0)] {Tail}"),
            ("ConcatChannels", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(2, 3, Padding = 1, From = \"input\")] [Concat(\"a\", Axis = 0)] [Flatten] {Tail}"),
            ("ConcatHeight", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(4, 3, Padding = 1, From = \"input\")] [Concat(\"a\", Axis = 1)] [Flatten] {Tail}"),
            ("ConcatSequenceFeatures", $"[Network] [Input(5, 3)] [Lstm(4, Name = \"a\")] [Gru(2, From = \"input\")] [Concat(\"a\", Axis = 1)] [Flatten] {Tail}"),
            ("Residual", $"{Head} [Dense(8)] [Residual] [Dense(8, Activation.ReLU)] [Dense(8)] [EndResidual] {Tail}"),
            ("ResidualOnInput", $"{Head} [Residual] [Dense(8)] [EndResidual] {Tail}"),
            ("ResidualNamed", $"{Head} [Residual(Name = \"skip\")] [Dense(8)] [EndResidual] {Tail}"),
            ("ResidualProjection", $"{Head} [Residual(Projection = true)] [Dense(16)] [EndResidual] {Tail}"),
            ("ResidualProjectionImage", $"[Network] [Input(2, 8, 8)] [Residual(Projection = true)] [Conv2D(4, 2, Stride = 2)] [EndResidual] [Flatten] {Tail}"),
            ("ResidualProjectionSequence", $"[Network] [Input(5, 3)] [Residual(Projection = true)] [Lstm(6)] [EndResidual] [Flatten] {Tail}"),
            ("ResidualProjectionFalse", $"{Head} [Residual(Projection = false)] [Dense(8)] [EndResidual] {Tail}"),
            ("NestedResiduals", $"{Head} [Residual] [Dense(8)] [Residual] [Dense(8)] [EndResidual] [Dense(8)] [EndResidual] {Tail}"),
            ("ThreeDeepResiduals", $"{Head} [Residual] [Residual] [Residual] [Dense(8)] [EndResidual] [EndResidual] [EndResidual] {Tail}"),
            ("ResidualsInSequence", $"{Head} [Residual] [Dense(8)] [EndResidual] [Residual] [Dense(8)] [EndResidual] {Tail}"),
            ("ResidualWithBatchNorm", $"{Head} [Residual] [Dense(8)] [BatchNorm] [Activation(Activation.ReLU)] [EndResidual] {Tail}"),
            ("FromInsideResidual", $"{Head} [Dense(8, Name = \"a\")] [Residual] [Dense(8)] [Add(\"a\")] [EndResidual] {Tail}"),
        };
        foreach (var (name, source) in clean) yield return Net("Graph." + name, Clean, source);

        const string Block = "[NetworkBlock] [Dense(8, Activation.ReLU)] [Dense(8)] public static class Pair;\n";
        var blocks = new (string Name, string Source)[]
        {
            ("Block", Block + $"{Head} [Block(typeof(Pair))] {Tail}"),
            ("BlockRepeat1", Block + $"{Head} [Block(typeof(Pair), Repeat = 1)] {Tail}"),
            ("BlockRepeat3", Block + $"{Head} [Block(typeof(Pair), Repeat = 3)] {Tail}"),
            ("BlockRepeat20", Block + $"{Head} [Block(typeof(Pair), Repeat = 20, Name = \"pairs\")] {Tail}"),
            ("BlockNamed", Block + $"{Head} [Block(typeof(Pair), Name = \"p\")] {Tail}"),
            ("BlockTwice", Block + $"{Head} [Block(typeof(Pair))] [Block(typeof(Pair))] {Tail}"),
            ("BlockTwiceNamed", Block + $"{Head} [Block(typeof(Pair), Name = \"p\")] [Block(typeof(Pair), Name = \"q\")] {Tail}"),
            ("BlockWithResidual", "[NetworkBlock] [Residual] [Dense(8, Activation.ReLU)] [Dense(8)] [EndResidual] public static class Res;\n" + $"{Head} [Block(typeof(Res), Repeat = 4)] {Tail}"),
            ("BlockWithProjection", "[NetworkBlock] [Residual(Projection = true)] [Dense(16, Activation.ReLU)] [Dense(12)] [EndResidual] public static class Widen;\n" + $"{Head} [Block(typeof(Widen), Repeat = 2, Name = \"blocks\")] {Tail}"),
            ("BlockUsingBlock", Block + "[NetworkBlock] [Block(typeof(Pair), Repeat = 2)] [Dense(8)] public static class Quad;\n" + $"{Head} [Block(typeof(Quad), Repeat = 2)] {Tail}"),
            ("BlockThreeLevels", Block + "[NetworkBlock] [Block(typeof(Pair))] public static class L2;\n[NetworkBlock] [Block(typeof(L2), Repeat = 2)] public static class L3;\n" + $"{Head} [Block(typeof(L3))] {Tail}"),
            ("BlockWithNamesInside", "[NetworkBlock] [Dense(8, Name = \"a\")] [Dense(8)] [Add(\"a\")] public static class Inner;\n" + $"{Head} [Block(typeof(Inner), Repeat = 2)] {Tail}"),
            ("BlockReadsItsInput", "[NetworkBlock] [Dense(8)] [Add(\"input\")] public static class Skip;\n" + $"{Head} [Block(typeof(Skip), Repeat = 2)] {Tail}"),
            ("BlockInNamespace", "namespace Lib { [NetworkBlock] [Dense(8)] public static class B; }\n" + $"{Head} [Block(typeof(Lib.B))] {Tail}"),
            ("BlockNonStaticClass", "[NetworkBlock] [Dense(8)] public class B;\n" + $"{Head} [Block(typeof(B))] {Tail}"),
            ("BlockWithConv", "[NetworkBlock] [Conv2D(2, 3, Padding = 1)] [BatchNorm] public static class C;\n" + $"[Network] [Input(2, 8, 8)] [Block(typeof(C), Repeat = 2)] [Flatten] {Tail}"),
            ("BlockWithSequence", "[NetworkBlock] [Lstm(3)] public static class S;\n" + $"[Network] [Input(5, 3)] [Block(typeof(S), Repeat = 2)] [Flatten] {Tail}"),
        };
        foreach (var (name, source) in blocks) yield return Case("Graph." + name, Clean, source + "\npublic partial class Net;");

        var rejected = new (string Name, string Id, string Source)[]
        {
            ("AddShapesDiffer", "NG0100", $"{Head} [Dense(8, Name = \"a\")] [Dense(4)] [[|Add(\"a\")|]] {Tail}"),
            ("ResidualShapesDiffer", "NG0100", $"{Head} [Dense(16)] [[|Residual|]] [Dense(32)] [EndResidual] {Tail}"),
            ("ConcatOtherAxisDiffers", "NG0100", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1, Name = \"a\")] [Conv2D(4, 3, From = \"input\")] [[|Concat(\"a\")|]] [Flatten] {Tail}"),
            ("UnknownName", "NG0101", $"{Head} [Dense(16, Name = \"skip\")] [Dense(16)] [Add([|\"skp\"|])] {Tail}"),
            ("UnknownFrom", "NG0101", $"{Head} [Dense(16)] [Dense(16, [|From = \"nowhere\"|])] {Tail}"),
            ("ForwardReference", "NG0101", $"{Head} [Dense(8, [|From = \"later\"|])] [Dense(8, Name = \"later\")] {Tail}"),
            ("SelfReference", "NG0101", $"{Head} [Dense(8, Name = \"me\", [|From = \"me\"|])] {Tail}"),
            ("CaseDifferentName", "NG0101", $"{Head} [Dense(8, Name = \"skip\")] [Dense(8)] [Add([|\"Skip\"|])] {Tail}"),
            ("NameInsideBlockFromOutside", "NG0101", "[NetworkBlock] [Dense(8, Name = \"hidden\")] public static class B;\n" + $"{Head} [Block(typeof(B))] [Dense(8)] [Add([|\"hidden\"|])] {Tail}"),
            ("NameUsedTwice", "NG0102", $"{Head} [Dense(16, Name = \"h\")] [Dense(16, [|Name = \"h\"|])] {Tail}"),
            ("BlockNameClashesLayer", "NG0102", "[NetworkBlock] [Dense(8)] public static class B;\n" + $"{Head} [Dense(8, Name = \"p\")] [Block(typeof(B), [|Name = \"p\"|])] {Tail}"),
            ("NameWithDot", "NG0103", $"{Head} [Dense(16, [|Name = \"2nd.layer\"|])] {Tail}"),
            ("NameEmpty", "NG0103", $"{Head} [Dense(16, [|Name = \"\"|])] {Tail}"),
            ("NameInput", "NG0103", $"{Head} [Dense(16, [|Name = \"input\"|])] {Tail}"),
            ("NameStartsWithDigit", "NG0103", $"{Head} [Dense(16, [|Name = \"1a\"|])] {Tail}"),
            ("NameWithSpace", "NG0103", $"{Head} [Dense(16, [|Name = \"a b\"|])] {Tail}"),
            ("ResidualNameInvalid", "NG0103", $"{Head} [Residual([|Name = \"x-y\"|])] [Dense(8)] [EndResidual] {Tail}"),
            ("EndResidualAlone", "NG0104", $"{Head} [Dense(8)] [[|EndResidual|]] {Tail}"),
            ("ResidualNotClosed", "NG0104", $"{Head} [[|Residual|]] [Dense(8)] {Tail}"),
            ("ResidualEmpty", "NG0104", $"{Head} [Dense(8)] [[|Residual|]] [EndResidual] {Tail}"),
            ("ResidualOpenedInBlockClosedOutside", "NG0104", "[NetworkBlock] [[|Residual|]] [Dense(8)] public static class B;\n" + $"{Head} [Block(typeof(B))] [EndResidual] {Tail}"),
            ("BlockNotMarked", "NG0105", "[Dense(8)] public static class NotABlock;\n" + $"{Head} [Block([|typeof(NotABlock)|])] {Tail}"),
            ("BlockOfInt", "NG0105", $"{Head} [Block([|typeof(int)|])] {Tail}"),
            ("BlockNull", "NG0105", $"#nullable disable\n{Head} [Block([|null|])] {Tail}"),
            ("BlockUsesItself", "NG0105", "[NetworkBlock] [Dense(8)] [Block([|typeof(Loop)|])] public static class Loop;\n" + $"{Head} [Block(typeof(Loop))] {Tail}"),
            ("BlocksInACycle", "NG0105", "[NetworkBlock] [Block(typeof(Pong))] public static class Ping;\n[NetworkBlock] [Dense(8)] [Block([|typeof(Ping)|])] public static class Pong;\n" + $"{Head} [Block(typeof(Ping))] {Tail}"),
            ("BlockIsTheNetwork", "NG0105", $"{Head} [Block([|typeof(Net)|])] {Tail}"),
            ("LossInBlock", "NG0105", "[NetworkBlock] [Dense(8)] [[|MeanSquaredError|]] public static class Bad;\n" + $"{Head} [Block(typeof(Bad))] {Tail}"),
            ("InputInBlock", "NG0105", "[NetworkBlock] [[|Input(8)|]] [Dense(8)] public static class Bad;\n" + $"{Head} [Block(typeof(Bad))] {Tail}"),
            ("OptimizerInBlock", "NG0105", "[NetworkBlock] [Dense(8)] [[|Sgd|]] public static class Bad;\n" + $"{Head} [Block(typeof(Bad))] {Tail}"),
            ("ScheduleInBlock", "NG0105", "[NetworkBlock] [Dense(8)] [[|StepDecay|]] public static class Bad;\n" + $"{Head} [Block(typeof(Bad))] {Tail}"),
            ("EmptyBlock", "NG0105", "[NetworkBlock] public static class Empty;\n" + $"{Head} [Block([|typeof(Empty)|])] {Tail}"),
            ("BlockRepeatZero", "NG0003", "[NetworkBlock] [Dense(8)] public static class B;\n" + $"{Head} [Block(typeof(B), [|Repeat = 0|])] {Tail}"),
            ("UnreadBranch", "NG0106", $"{Head} [[|Dense(16)|]] [Dense(2, From = \"input\")] [SoftmaxCrossEntropy] [Adam]"),
            ("ProjectionBetweenRanks", "NG0107", $"[Network] [Input(1, 8, 8)] [Conv2D(4, 3, Padding = 1)] [[|Residual(Projection = true)|]] [Flatten] [Dense(8)] [EndResidual] {Tail}"),
            ("AddWithoutNames", "NG0108", $"{Head} [Dense(8)] [[|Add|]] {Tail}"),
            ("ConcatWithoutNames", "NG0108", $"{Head} [Dense(8)] [[|Concat|]] {Tail}"),
            ("AddNull", "NG0108", $"{Head} [Dense(8)] [[|Add(null)|]] {Tail}"),
            ("AddNullName", "NG0101", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Add(\"a\", [|null|])] {Tail}"),
            ("ConcatAxisOutside", "NG0108", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Concat(\"a\", [|Axis = 3|])] {Tail}"),
            
            ("ConcatAxisMax", "NG0108", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Concat(\"a\", [|Axis = int.MaxValue|])] {Tail}"),
            ("ConcatAxisMin", "NG0108", $"{Head} [Dense(8, Name = \"a\")] [Dense(8)] [Concat(\"a\", [|Axis = int.MinValue|])] {Tail}"),
            ("DenseReadsTokenInput", "NG0108", $"[Network] [Input(6)] [Embedding(10, 4)] [Flatten] [[|Dense(8, From = \"input\")|]] {Tail}"),
        };
        foreach (var (name, id, source) in rejected) yield return Net("Graph." + name, id, source);
    }

    // Search spaces: every choice, and every way a choice list goes wrong.
    private static IEnumerable<CorpusCase> SearchSpaces()
    {
        const string S = "[SearchSpace] [Input(4)]";
        const string End = "public partial class Space;";
        var clean = new (string Name, string Body)[]
        {
            ("Minimal", $"{S} [DenseChoice(Units = new[] {{ 2, 3 }})] {Tail}"),
            ("SingleVariant", $"{S} {Tail}"),
            ("AllArguments", "[SearchSpace(BatchSize = 8, Seed = 1, MaxVariants = 64)] [Input(4)] [DenseChoice(Units = new[] { 4, 8 })] " + Tail),
            ("RepeatChoice", $"{S} [RepeatChoice(1, 2)] [DenseChoice(Units = new[] {{ 4 }})] {Tail}"),
            ("RepeatChoiceLayers", $"{S} [RepeatChoice(1, 2, Layers = 2)] [Dense(4)] [Dense(4)] {Tail}"),
            ("DenseChoiceActivations", $"{S} [DenseChoice(Units = new[] {{ 4 }}, Activations = new[] {{ Activation.ReLU, Activation.Tanh }})] {Tail}"),
            ("DropoutChoice", $"{S} [Dense(4)] [DropoutChoice(0.0, 0.25)] {Tail}"),
            ("NormalizationChoice", $"{S} [Dense(4)] [NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm, SearchNormalization.LayerNorm)] {Tail}"),
            ("OptimizerChoice", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [OptimizerChoice(SearchOptimizer.Sgd, SearchOptimizer.Adam, SearchOptimizer.AdamW, SearchOptimizer.RmsProp)]"),
            ("LearningRateRange", $"{S} {Tail} [LearningRateRange(1e-4, 1e-2)]"),
            ("WeightDecayRange", $"{S} {Tail} [WeightDecayRange(1e-5, 1e-3)]"),
            ("BatchSizeChoice", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [BatchSizeChoice(16, 32)] [Adam]"),
            ("InitializerChoice", $"{S} [Dense(4)] [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice(WeightInit.HeNormal, WeightInit.GlorotUniform)] [Adam]"),
            ("EveryLayerKind", "[SearchSpace] [Input(1, 8, 8)] [Conv2D(2, 3)] [MaxPool2D(2)] [Flatten] [DenseChoice(Units = new[] { 4, 8 })] [Dropout(0.1)] [BatchNorm] " + Tail + " [StepDecay] [ClipGradients(MaxNorm = 1)]"),
            ("Sequence", "[SearchSpace] [Input(5, 3)] [Lstm(4, ReturnSequences = false)] [DenseChoice(Units = new[] { 4, 8 })] " + Tail),
            ("ExactlyMaxVariants", "[SearchSpace(MaxVariants = 4)] [Input(4)] [DenseChoice(Units = new[] { 2, 3, 4, 5 })] " + Tail),
            ("InNamespace", $"namespace Tuning;\n{S} [DenseChoice(Units = new[] {{ 2, 3 }})] {Tail}"),
            ("KeywordName", $"{S} [DenseChoice(Units = new[] {{ 2, 3 }})] {Tail}\npublic partial class @class;\n//"),
            ("BesideANetwork", $"{S} [DenseChoice(Units = new[] {{ 2, 3 }})] {Tail}\n{End}\n{Attrs} public partial class Net;\n//"),
        };
        foreach (var (name, body) in clean) yield return Net("Search." + name, Clean, body, End);

        var rejected = new (string Name, string Id, string Body)[]
        {
            ("TooManyVariants", "NG0300", "[SearchSpace(MaxVariants = 5)] [Input(4)] [DenseChoice(Units = new[] { 2, 3 })] [[|DenseChoice(Units = new[] { 2, 3, 4 })|]] " + Tail),
            ("ProductOverflowsInt", "NG0300", $"{S} [DenseChoice(Units = new[] {{ 2, 3, 4, 5, 6, 7, 8, 9 }})] [[|RepeatChoice(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70)|]] [Dense(4)] {Tail}"),
            ("EmptyUnits", "NG0301", $"{S} [DenseChoice([|Units = new int[0]|])] {Tail}"),
            ("UnitsLeftOut", "NG0301", $"{S} [[|DenseChoice|]] {Tail}"),
            ("EmptyActivations", "NG0301", $"{S} [DenseChoice(Units = new[] {{ 4 }}, [|Activations = new Activation[0]|])] {Tail}"),
            ("EmptyRepeat", "NG0301", $"{S} [[|RepeatChoice|]] [Dense(4)] {Tail}"),
            ("EmptyDropout", "NG0301", $"{S} [Dense(4)] [[|DropoutChoice|]] {Tail}"),
            ("EmptyBatchSize", "NG0301", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [[|BatchSizeChoice|]] [Adam]"),
            ("EmptyOptimizer", "NG0301", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [[|OptimizerChoice|]]"),
            ("EmptyNormalization", "NG0301", $"{S} [Dense(4)] [[|NormalizationChoice|]] {Tail}"),
            ("EmptyInitializer", "NG0301", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [[|InitializerChoice|]] [Adam]"),
            ("RepeatedUnits", "NG0302", $"{S} [DenseChoice(Units = new[] {{ 8, 16, [|8|] }})] {Tail}"),
            ("RepeatedActivation", "NG0302", $"{S} [DenseChoice(Units = new[] {{ 8 }}, Activations = new[] {{ Activation.ReLU, [|Activation.ReLU|] }})] {Tail}"),
            ("RepeatedRepeat", "NG0302", $"{S} [RepeatChoice(1, [|1|])] [Dense(4)] {Tail}"),
            ("RepeatedDropout", "NG0302", $"{S} [Dense(4)] [DropoutChoice(0.1, [|0.1|])] {Tail}"),
            ("RepeatedBatchSize", "NG0302", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [BatchSizeChoice(32, 64, [|32|])] [Adam]"),
            ("RepeatedOptimizer", "NG0302", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [OptimizerChoice(SearchOptimizer.Adam, [|SearchOptimizer.Adam|])]"),
            ("RepeatedNormalization", "NG0302", $"{S} [Dense(4)] [NormalizationChoice(SearchNormalization.BatchNorm, SearchNormalization.None, [|SearchNormalization.BatchNorm|])] {Tail}"),
            ("RepeatedInitializer", "NG0302", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice(WeightInit.HeNormal, [|WeightInit.HeNormal|])] [Adam]"),
            ("ImpossibleVariant", "NG0303", "[[|SearchSpace|]] [Input(1, 4, 4)] [Conv2D(2, 3)] [RepeatChoice(1, 3)] [Conv2D(2, 2)] [Flatten] " + Tail),
            ("ResidualInSpace", "NG0304", $"{S} [[|Residual|]] [Dense(4)] [EndResidual] {Tail}"),
            ("AddInSpace", "NG0304", $"{S} [Dense(4, Name = \"a\")] [Dense(4)] [[|Add(\"a\")|]] {Tail}"),
            ("BlockInSpace", "NG0304", $"{S} [[|Block(typeof(int))|]] {Tail}"),
            ("FromInSpace", "NG0304", $"{S} [Dense(4, [|From = \"input\"|])] {Tail}"),
            ("NoLoss", "NG0005", $"[[|SearchSpace|]] [Input(4)] [Dense(2)] [Adam]"),
            ("NoOptimizer", "NG0006", $"[[|SearchSpace|]] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]"),
            ("NoInput", "NG0002", $"[[|SearchSpace|]] [Dense(2)] [SoftmaxCrossEntropy] [Adam]"),
            ("LearningRateRangeReversed", "NG0009", $"{S} {Tail} [LearningRateRange(1e-2, [|1e-4|])]"),
            ("WeightDecayRangeZeroLow", "NG0009", $"{S} {Tail} [WeightDecayRange([|0|], 1e-3)]"),
            ("DropoutChoiceOne", "NG0009", $"{S} [Dense(4)] [DropoutChoice(0.1, [|1.0|])] {Tail}"),
            ("InitializerNeedsScale", "NG0045", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice(WeightInit.HeNormal, [|WeightInit.Normal|])] [Adam]"),
            // Zeros in a choice list is rejected outright (every variant must train), not merely warned about.
            ("InitializerConstant", "NG0009", $"{S} [Dense(2)] [SoftmaxCrossEntropy] [InitializerChoice([|WeightInit.Zeros|], WeightInit.HeNormal)] [Adam]"),
            ("NotPartial", "NG0001", $"{S} {Tail}\npublic class [|Space2|];\n//"),
            ("Generic", "NG0011", $"{S} {Tail}\npublic partial class [|Space2|]<T>;\n//"),
            ("Record", "NG0011", $"{S} {Tail}\npublic partial record [|Space2|];\n//"),
        };
        foreach (var (name, id, body) in rejected) yield return Net("Search." + name, id, body, End);
    }
}
