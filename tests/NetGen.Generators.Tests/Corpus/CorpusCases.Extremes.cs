namespace NetGen.Generators.Tests.Corpus;

public static partial class CorpusCases
{
    // Templates for the extreme-value family: {v} is the value; ⟦ ⟧ wraps the argument (the span of an argument
    // diagnostic), « » the attribute (a layer diagnostic, NG0016) and ‹ › the word Network (NG0016 for the input batch).
    private enum Target { Argument, Attribute, Network }

    private static readonly string[] IntValues = ["0", "-1", "int.MaxValue", "int.MinValue"];

    // 1e39 stands for every finite double past float's range (double.MaxValue behaves the same), 1e-50 for every
    // positive double float rounds to 0 (double.Epsilon the same); the two extra columns are left out to keep the corpus fast.
    private static readonly string[] DoubleValues =
        ["0", "-1", "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "1e39", "1e-50"];

    /// <summary>Which values an argument accepts; everything else is NG0009 at the argument (NG0003 for an int size).</summary>
    private enum Kind
    {
        /// <summary>A size: 1 or more (0 and negatives are NG0003).</summary>
        Size,
        /// <summary>A whole number 0 or more (negatives are NG0009).</summary>
        Count,
        /// <summary>Any int (seeds).</summary>
        AnyInt,
        /// <summary>A positive float: 0, negatives, NaN, infinities and what float cannot hold are NG0009.</summary>
        Positive,
        /// <summary>0 or a positive float.</summary>
        NonNegative,
        /// <summary>0, a positive float, or NaN written out where NaN is the documented default ("not set").</summary>
        NonNegativeOrNaN,
        /// <summary>Any finite value float can hold.</summary>
        Finite,
    }

    private static string Render(string template, string value, Target? target)
    {
        string s = template.Replace("{v}", value);
        s = target == Target.Argument ? s.Replace("⟦", "[|").Replace("⟧", "|]") : s.Replace("⟦", "").Replace("⟧", "");
        s = target == Target.Attribute ? s.Replace("«", "[|").Replace("»", "|]") : s.Replace("«", "").Replace("»", "");
        s = target == Target.Network ? s.Replace("‹", "[|").Replace("›", "|]") : s.Replace("‹", "").Replace("›", "");
        return s;
    }

    private static (string Id, Target? Target) IntOutcome(Kind kind, string value, (string Id, Target? Target) atMax) => (kind, value) switch
    {
        (Kind.AnyInt, _) => (Clean, null),
        (_, "int.MaxValue") => atMax,
        (Kind.Size, _) => ("NG0003", Target.Argument),
        (Kind.Count, "0") => (Clean, null),
        (Kind.Count, _) => ("NG0009", Target.Argument),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (string Id, Target? Target) DoubleOutcome(Kind kind, string value)
    {
        bool valid = (kind, value) switch
        {
            (Kind.NonNegative or Kind.NonNegativeOrNaN or Kind.Finite, "0") => true,
            (Kind.NonNegativeOrNaN, "double.NaN") => true,
            (Kind.Finite, "-1") => true,
            _ => false,
        };
        return valid ? (Clean, null) : ("NG0009", Target.Argument);
    }

    private static readonly (string Id, Target? Target) ValidAtMax = (Clean, null);

    private static IEnumerable<CorpusCase> ExtremeValues()
    {
        const string Vec = "[Network] [Input(4)]";
        const string Img = "[Network] [Input(1, 8, 8)]";
        const string Seq = "[Network] [Input(5, 3)]";
        const string Opt = "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy]";
        const string Sch = "[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]";
        var tooBig = ("NG0016", (Target?)Target.Attribute);

        var ints = new (string Name, string Template, Kind Kind, (string Id, Target? Target) AtMax)[]
        {
            ("Network.BatchSize", "[«Network(⟦BatchSize = {v}⟧)»] [Input(4)] " + Tail, Kind.Size, tooBig),
            ("Network.Seed", "[Network(⟦Seed = {v}⟧)] [Input(4)] " + Tail, Kind.AnyInt, ValidAtMax),
            ("Input.Vector", "[‹Network›] [Input(⟦{v}⟧)] " + Tail, Kind.Size, ("NG0016", Target.Network)),
            ("Input.Channels", "[‹Network›] [Input(⟦{v}⟧, 4, 4)] [Flatten] " + Tail, Kind.Size, ("NG0016", Target.Network)),
            ("Dense.Units", $"{Vec} [«Dense(⟦{{v}}⟧)»] {Tail}", Kind.Size, tooBig),
            ("Conv2D.Filters", $"{Img} [«Conv2D(⟦{{v}}⟧, 3)»] [Flatten] {Tail}", Kind.Size, tooBig),
            ("Conv2D.Kernel", $"{Img} [«Conv2D(2, ⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0021", Target.Argument)),
            ("Conv2D.Stride", $"{Img} [«Conv2D(2, 2, ⟦Stride = {{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0022", Target.Argument)),
            // PyTorch's Conv2d takes any padding; int.MaxValue makes an output no array holds.
            ("Conv2D.Padding", $"{Img} [«Conv2D(2, 3, ⟦Padding = {{v}}⟧)»] [Flatten] {Tail}", Kind.Count, tooBig),
            ("MaxPool2D.Size", $"{Img} [«MaxPool2D(⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0021", Target.Argument)),
            ("MaxPool2D.Stride", $"{Img} [«MaxPool2D(2, ⟦Stride = {{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0022", Target.Argument)),
            // Pooling padding is at most half the window (PyTorch: "pad should be at most half of effective kernel size").
            ("MaxPool2D.Padding", $"{Img} [«MaxPool2D(2, ⟦Padding = {{v}}⟧)»] [Flatten] {Tail}", Kind.Count, ("NG0009", Target.Argument)),
            ("AvgPool2D.Size", $"{Img} [«AvgPool2D(⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0021", Target.Argument)),
            ("AvgPool2D.Stride", $"{Img} [«AvgPool2D(2, ⟦Stride = {{v}}⟧)»] [Flatten] {Tail}", Kind.Size, ("NG0022", Target.Argument)),
            ("AvgPool2D.Padding", $"{Img} [«AvgPool2D(2, ⟦Padding = {{v}}⟧)»] [Flatten] {Tail}", Kind.Count, ("NG0009", Target.Argument)),
            ("UpSampling2D.Scale", $"{Img} [«UpSampling2D(⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, tooBig),
            ("UpSampling2D.Width", $"{Img} [«UpSampling2D(2, ⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, tooBig),
            ("Embedding.Vocabulary", $"[Network] [Input(6)] [«Embedding(⟦{{v}}⟧, 4)»] [Flatten] {Tail}", Kind.Size, tooBig),
            ("Embedding.Dimensions", $"[Network] [Input(6)] [«Embedding(20, ⟦{{v}}⟧)»] [Flatten] {Tail}", Kind.Size, tooBig),
            ("SimpleRnn.Hidden", $"{Seq} [«SimpleRnn(⟦{{v}}⟧, ReturnSequences = false)»] {Tail}", Kind.Size, tooBig),
            ("Lstm.Hidden", $"{Seq} [«Lstm(⟦{{v}}⟧, ReturnSequences = false)»] {Tail}", Kind.Size, tooBig),
            ("Gru.Hidden", $"{Seq} [«Gru(⟦{{v}}⟧, ReturnSequences = false)»] {Tail}", Kind.Size, tooBig),
            ("StepDecay.StepSize", $"{Sch} [StepDecay(⟦StepSize = {{v}}⟧)]", Kind.Size, ValidAtMax),
            ("CosineAnnealing.TotalSteps", $"{Sch} [CosineAnnealing(⟦TotalSteps = {{v}}⟧)]", Kind.Size, ValidAtMax),
            ("LinearWarmup.Steps", $"{Sch} [LinearWarmup(⟦Steps = {{v}}⟧)]", Kind.Size, ValidAtMax),
            ("ReduceOnPlateau.Patience", $"{Sch} [ReduceOnPlateau(⟦Patience = {{v}}⟧)]", Kind.Count, ValidAtMax),
            ("ReduceOnPlateau.Cooldown", $"{Sch} [ReduceOnPlateau(⟦Cooldown = {{v}}⟧)]", Kind.Count, ValidAtMax),
            // Every copy is generated code: past 10,000 layers is NG0105 at Repeat, before anything is unrolled.
            ("Block.Repeat", "[NetworkBlock] [Dense(4)] public static class B;\n" + $"{Vec} [«Block(typeof(B), ⟦Repeat = {{v}}⟧)»] {Tail}", Kind.Size, ("NG0105", Target.Argument)),
            ("SearchSpace.MaxVariants", "[SearchSpace(⟦MaxVariants = {v}⟧)] [Input(4)] [DenseChoice(Units = new[] { 2, 3 })] " + Tail, Kind.Size, ValidAtMax),
            // A variant past what arrays hold is NG0303 (naming NG0016) at the space.
            ("SearchSpace.BatchSize", "[«SearchSpace(⟦BatchSize = {v}⟧)»] [Input(4)] [DenseChoice(Units = new[] { 2, 3 })] " + Tail, Kind.Size, ("NG0303", Target.Attribute)),
            ("SearchSpace.Seed", "[SearchSpace(⟦Seed = {v}⟧)] [Input(4)] [DenseChoice(Units = new[] { 2, 3 })] " + Tail, Kind.AnyInt, ValidAtMax),
            ("RepeatChoice.Layers", "[SearchSpace] [Input(4)] [RepeatChoice(1, 2, ⟦Layers = {v}⟧)] [DenseChoice(Units = new[] { 4 })] " + Tail, Kind.Size, ("NG0009", Target.Argument)),
            ("DenseChoice.Units", "[‹SearchSpace›] [Input(4)] [DenseChoice(Units = new[] { 3, ⟦{v}⟧ })] " + Tail, Kind.Size, ("NG0303", Target.Network)),
            ("BatchSizeChoice.Size", "[‹SearchSpace›] [Input(4)] [Dense(3)] [SoftmaxCrossEntropy] [BatchSizeChoice(16, ⟦{v}⟧)] [Adam]", Kind.Size, ("NG0303", Target.Network)),
        };
        foreach (var row in ints)
            foreach (string value in IntValues)
            {
                var (id, target) = IntOutcome(row.Kind, value, row.AtMax);
                yield return Case($"Extreme.{row.Name}={value}", id, Render(row.Template, value, target) + (row.Template.Contains("SearchSpace") ? "\npublic partial class Space;" : "\n" + Class));
            }

        var doubles = new (string Name, string Template, Kind Kind)[]
        {
            ("Dense.ActivationAlpha", $"{Vec} [Dense(3, Activation.LeakyReLU, ⟦ActivationAlpha = {{v}}⟧)] {Tail}", Kind.NonNegativeOrNaN),
            ("Dense.L1", $"{Vec} [Dense(3, ⟦L1 = {{v}}⟧)] {Tail}", Kind.NonNegativeOrNaN),
            ("Dense.L2", $"{Vec} [Dense(3, ⟦L2 = {{v}}⟧)] {Tail}", Kind.NonNegativeOrNaN),
            ("Conv2D.ActivationAlpha", $"{Img} [Conv2D(2, 3, Activation = Activation.LeakyReLU, ⟦ActivationAlpha = {{v}}⟧)] [Flatten] {Tail}", Kind.NonNegativeOrNaN),
            ("Conv2D.L1", $"{Img} [Conv2D(2, 3, ⟦L1 = {{v}}⟧)] [Flatten] {Tail}", Kind.NonNegativeOrNaN),
            ("Conv2D.L2", $"{Img} [Conv2D(2, 3, ⟦L2 = {{v}}⟧)] [Flatten] {Tail}", Kind.NonNegativeOrNaN),
            ("Activation.Alpha", $"{Vec} [Dense(3)] [Activation(Activation.LeakyReLU, ⟦Alpha = {{v}}⟧)] {Tail}", Kind.NonNegativeOrNaN),
            ("Lstm.ForgetBias", $"{Seq} [Lstm(4, ⟦ForgetBias = {{v}}⟧, ReturnSequences = false)] {Tail}", Kind.Finite),
            ("BatchNorm.Momentum", $"{Vec} [Dense(4)] [BatchNorm(⟦Momentum = {{v}}⟧)] {Tail}", Kind.NonNegative),
            ("BatchNorm.Epsilon", $"{Vec} [Dense(4)] [BatchNorm(⟦Epsilon = {{v}}⟧)] {Tail}", Kind.Positive),
            ("LayerNorm.Epsilon", $"{Vec} [Dense(4)] [LayerNorm(⟦Epsilon = {{v}}⟧)] {Tail}", Kind.Positive),
            ("Dropout.Rate", $"{Vec} [Dense(4)] [Dropout(⟦{{v}}⟧)] {Tail}", Kind.NonNegative),
            ("Regularization.L1", $"{Vec} [Regularization(⟦L1 = {{v}}⟧)] {Tail}", Kind.NonNegative),
            ("Regularization.L2", $"{Vec} [Regularization(⟦L2 = {{v}}⟧)] {Tail}", Kind.NonNegative),
            ("ClipGradients.MaxNorm", $"{Vec} [ClipGradients(⟦MaxNorm = {{v}}⟧)] {Tail}", Kind.NonNegative),
            ("ClipGradients.MaxValue", $"{Vec} [ClipGradients(⟦MaxValue = {{v}}⟧)] {Tail}", Kind.NonNegative),
            ("Sgd.LearningRate", $"{Opt} [Sgd(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("Sgd.Momentum", $"{Opt} [Sgd(⟦Momentum = {{v}}⟧)]", Kind.NonNegative),
            ("Sgd.WeightDecay", $"{Opt} [Sgd(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("Adam.LearningRate", $"{Opt} [Adam(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("Adam.Beta1", $"{Opt} [Adam(⟦Beta1 = {{v}}⟧)]", Kind.NonNegative),
            ("Adam.Beta2", $"{Opt} [Adam(⟦Beta2 = {{v}}⟧)]", Kind.NonNegative),
            ("Adam.Epsilon", $"{Opt} [Adam(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("Adam.WeightDecay", $"{Opt} [Adam(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("AdamW.LearningRate", $"{Opt} [AdamW(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("AdamW.Beta1", $"{Opt} [AdamW(⟦Beta1 = {{v}}⟧)]", Kind.NonNegative),
            ("AdamW.Beta2", $"{Opt} [AdamW(⟦Beta2 = {{v}}⟧)]", Kind.NonNegative),
            ("AdamW.Epsilon", $"{Opt} [AdamW(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("AdamW.WeightDecay", $"{Opt} [AdamW(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("RmsProp.LearningRate", $"{Opt} [RmsProp(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("RmsProp.Alpha", $"{Opt} [RmsProp(⟦Alpha = {{v}}⟧)]", Kind.NonNegative),
            ("RmsProp.Epsilon", $"{Opt} [RmsProp(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("RmsProp.Momentum", $"{Opt} [RmsProp(⟦Momentum = {{v}}⟧)]", Kind.NonNegative),
            ("RmsProp.WeightDecay", $"{Opt} [RmsProp(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("Adagrad.LearningRate", $"{Opt} [Adagrad(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("Adagrad.LearningRateDecay", $"{Opt} [Adagrad(⟦LearningRateDecay = {{v}}⟧)]", Kind.NonNegative),
            ("Adagrad.Epsilon", $"{Opt} [Adagrad(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("Adagrad.WeightDecay", $"{Opt} [Adagrad(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("Adadelta.LearningRate", $"{Opt} [Adadelta(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("Adadelta.Rho", $"{Opt} [Adadelta(⟦Rho = {{v}}⟧)]", Kind.NonNegative),
            ("Adadelta.Epsilon", $"{Opt} [Adadelta(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("Adadelta.WeightDecay", $"{Opt} [Adadelta(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("NAdam.LearningRate", $"{Opt} [NAdam(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("NAdam.Beta1", $"{Opt} [NAdam(⟦Beta1 = {{v}}⟧)]", Kind.NonNegative),
            ("NAdam.Beta2", $"{Opt} [NAdam(⟦Beta2 = {{v}}⟧)]", Kind.NonNegative),
            ("NAdam.Epsilon", $"{Opt} [NAdam(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("NAdam.WeightDecay", $"{Opt} [NAdam(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("RAdam.LearningRate", $"{Opt} [RAdam(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("RAdam.Beta1", $"{Opt} [RAdam(⟦Beta1 = {{v}}⟧)]", Kind.NonNegative),
            ("RAdam.Beta2", $"{Opt} [RAdam(⟦Beta2 = {{v}}⟧)]", Kind.NonNegative),
            ("RAdam.Epsilon", $"{Opt} [RAdam(⟦Epsilon = {{v}}⟧)]", Kind.Positive),
            ("RAdam.WeightDecay", $"{Opt} [RAdam(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("NAdam.MomentumDecay", $"{Opt} [NAdam(⟦MomentumDecay = {{v}}⟧)]", Kind.NonNegative),
            ("Lion.LearningRate", $"{Opt} [Lion(⟦LearningRate = {{v}}⟧)]", Kind.Positive),
            ("Lion.Beta1", $"{Opt} [Lion(⟦Beta1 = {{v}}⟧)]", Kind.NonNegative),
            ("Lion.Beta2", $"{Opt} [Lion(⟦Beta2 = {{v}}⟧)]", Kind.NonNegative),
            ("Lion.WeightDecay", $"{Opt} [Lion(⟦WeightDecay = {{v}}⟧)]", Kind.NonNegative),
            ("StepDecay.Gamma", $"{Sch} [StepDecay(⟦Gamma = {{v}}⟧)]", Kind.Positive),
            ("ExponentialDecay.Gamma", $"{Sch} [ExponentialDecay(⟦Gamma = {{v}}⟧)]", Kind.Positive),
            ("CosineAnnealing.MinLearningRate", $"{Sch} [CosineAnnealing(⟦MinLearningRate = {{v}}⟧)]", Kind.NonNegative),
            ("LinearWarmup.StartFactor", $"{Sch} [LinearWarmup(⟦StartFactor = {{v}}⟧)]", Kind.Positive),
            ("ReduceOnPlateau.Factor", $"{Sch} [ReduceOnPlateau(⟦Factor = {{v}}⟧)]", Kind.Positive),
            ("ReduceOnPlateau.Threshold", $"{Sch} [ReduceOnPlateau(⟦Threshold = {{v}}⟧)]", Kind.NonNegative),
            ("ReduceOnPlateau.MinLearningRate", $"{Sch} [ReduceOnPlateau(⟦MinLearningRate = {{v}}⟧)]", Kind.NonNegative),
            ("DropoutChoice.Rate", "[SearchSpace] [Input(4)] [Dense(4)] [DropoutChoice(0.25, ⟦{v}⟧)] " + Tail, Kind.NonNegative),
            ("LearningRateRange.Low", "[SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [LearningRateRange(⟦{v}⟧, 1e-2)]", Kind.Positive),
            ("WeightDecayRange.High", "[SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [WeightDecayRange(1e-300, ⟦{v}⟧)]", Kind.Positive),
        };
        foreach (var row in doubles)
            foreach (string value in DoubleValues)
            {
                var (id, target) = DoubleOutcome(row.Kind, value);
                // ForgetBias = NaN is documented: PyTorch's uniform initialization of the forget gate's bias.
                if (row.Name == "Lstm.ForgetBias" && value == "double.NaN") (id, target) = (Clean, null);
                yield return Case($"Extreme.{row.Name}={value}", id, Render(row.Template, value, target) + (row.Template.Contains("SearchSpace") ? "\npublic partial class Space;" : "\n" + Class));
            }

        // InitScale: NaN is "not set" (NG0045 at Init for Uniform/Normal), 0 is a constant (NG0041 at InitScale).
        foreach (string value in DoubleValues)
        {
            (string id, string args) = value switch
            {
                "0" => ("NG0041", "Init = WeightInit.Uniform, [|InitScale = 0|]"),
                "double.NaN" => ("NG0045", "[|Init = WeightInit.Uniform|], InitScale = double.NaN"),
                _ => ("NG0009", $"Init = WeightInit.Uniform, [|InitScale = {value}|]"),
            };
            yield return Net($"Extreme.Dense.InitScale={value}", id, $"{Vec} [Dense(3, {args})] {Tail}");
            yield return Net($"Extreme.Conv2D.InitScale={value}", id, $"{Img} [Conv2D(2, 3, {args.Replace("Uniform", "Normal")})] [Flatten] {Tail}");
        }

        // Reshape: -1 infers a dimension; 0 and other negatives are NG0024; a dimension past the input is NG0023.
        yield return Net("Extreme.Reshape=0", "NG0024", $"{Vec} [Reshape([|0|])] {Tail}");
        yield return Net("Extreme.Reshape=-1", Clean, $"{Vec} [Reshape(-1)] {Tail}");
        yield return Net("Extreme.Reshape=int.MinValue", "NG0024", $"{Vec} [Reshape([|int.MinValue|])] {Tail}");
        yield return Net("Extreme.Reshape=int.MaxValue", "NG0023", $"{Vec} [[|Reshape(int.MaxValue)|]] {Tail}");
        yield return Net("Extreme.Reshape=MaxTimesMax", "NG0023", $"{Vec} [[|Reshape(int.MaxValue, int.MaxValue, 2)|]] [Flatten] {Tail}");
        yield return Net("Extreme.Reshape.WrapsToInput", "NG0023", $"{Vec} [[|Reshape(65536, 65536, 4)|]] [Flatten] {Tail}");
        yield return Net("Extreme.Reshape.Null", "NG0003", $"{Vec} [[|Reshape(null)|]] {Tail}");
        yield return Net("Extreme.Reshape.Empty", "NG0003", $"{Vec} [[|Reshape|]] {Tail}");
        yield return Net("Extreme.Input.Null", "NG0003", $"[Network] [[|Input(null)|]] {Tail}");
        yield return Net("Extreme.Input.Empty", "NG0003", $"[Network] [[|Input|]] {Tail}");
        yield return Net("Extreme.Input.NegativeSecond", "NG0003", $"[Network] [Input(1, [|-28|], 28)] [Flatten] {Tail}");
        yield return Net("Extreme.Dropout.One", "NG0009", $"{Vec} [Dense(4)] [Dropout([|1.0|])] {Tail}");
        yield return Net("Extreme.Adam.Beta1.One", "NG0009", $"{Opt} [Adam([|Beta1 = 1.0|])]");
        yield return Net("Extreme.Sgd.Momentum.One", "NG0009", $"{Opt} [Sgd([|Momentum = 1.0|])]");
        yield return Net("Extreme.ReduceOnPlateau.Factor.One", "NG0009", $"{Sch} [ReduceOnPlateau([|Factor = 1|])]");
        yield return Net("Extreme.StepDecay.Gamma.One", Clean, $"{Sch} [StepDecay(Gamma = 1)]");
        yield return Net("Extreme.LinearWarmup.StartFactor.One", Clean, $"{Sch} [LinearWarmup(StartFactor = 1)]");
        yield return Net("Extreme.LinearWarmup.StartFactor.Two", "NG0009", $"{Sch} [LinearWarmup([|StartFactor = 2|])]");
        yield return Net("Extreme.Float.NearMaxValue", Clean, $"{Opt} [Sgd(LearningRate = 1e-3, WeightDecay = 3.4e38)]");
        yield return Net("Extreme.Adam.LearningRate=double.MaxValue", "NG0009", $"{Opt} [Adam([|LearningRate = double.MaxValue|])]");
        yield return Net("Extreme.Adam.Epsilon=double.Epsilon", "NG0009", $"{Opt} [Adam([|Epsilon = double.Epsilon|])]");
        yield return Net("Extreme.Lstm.ForgetBias=double.MaxValue", "NG0009", $"{Seq} [Lstm(4, [|ForgetBias = double.MaxValue|], ReturnSequences = false)] {Tail}");
        yield return Net("Extreme.Float.SmallestNormal", Clean, $"{Opt} [Adam(Epsilon = 1.2e-38)]");
        yield return Net("Extreme.Dense.Activation.Undefined", "NG0014", $"{Vec} [Dense(2, [|(Activation)42|])] [MeanSquaredError] [Adam]");
        yield return Net("Extreme.Dense.Activation.Negative", "NG0014", $"{Vec} [Dense(2, [|(Activation)(-1)|])] [MeanSquaredError] [Adam]");
        yield return Net("Extreme.Dense.Init.Undefined", "NG0014", $"{Vec} [Dense(3, [|Init = (WeightInit)99|])] {Tail}");
        yield return Net("Extreme.Conv2D.Activation.Undefined", "NG0014", $"{Img} [Conv2D(2, 3, [|Activation = (Activation)int.MaxValue|])] [Flatten] {Tail}");
        yield return Net("Extreme.UpSampling2D.Mode.Undefined", "NG0014", $"{Img} [UpSampling2D(2, [|Mode = (UpSamplingMode)7|])] [Flatten] {Tail}");
        yield return Net("Extreme.Activation.Undefined", "NG0014", $"{Vec} [Dense(3)] [Activation([|(Activation)10|])] {Tail}");
        yield return Net("Extreme.OptimizerChoice.Undefined", "NG0014", "[SearchSpace] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [OptimizerChoice(SearchOptimizer.Adam, [|(SearchOptimizer)9|])]", "public partial class Space;");
    }

    // Sizes whose products wrap int: each a located NG0016 with the true count, never a wrapped network.
    private static IEnumerable<CorpusCase> HugeProducts()
    {
        yield return Net("Huge.DenseWeightsWrap", "NG0016", $"[Network] [Input(65536)] [[|Dense(65537)|]] {Tail}");
        yield return Net("Huge.DenseWeightsExactly2Pow32", "NG0016", $"[Network] [Input(65536)] [[|Dense(65536)|]] {Tail}");
        yield return Net("Huge.FlattenBeforeDense", "NG0016", $"[Network] [Input(3, 512, 512)] [Flatten] [[|Dense(6000)|]] {Tail}");
        yield return Net("Huge.ConvWeights", "NG0016", $"[Network] [Input(70000, 2, 2)] [[|Conv2D(70000, 1)|]] [Flatten] {Tail}");
        yield return Net("Huge.InputBatch", "NG0016", $"[[|Network(BatchSize = 65536)|]] [Input(65536)] {Tail}");
        yield return Net("Huge.InputDimsProduct", "NG0016", $"[[|Network|]] [Input(65536, 65536, 2)] [Flatten] {Tail}");
        yield return Net("Huge.OptimizerState", "NG0016", $"[[|Network(BatchSize = 1)|]] [Input(50000)] [Dense(25000)] [SoftmaxCrossEntropy] [Adam]");
        yield return Net("Huge.LstmGates", "NG0016", $"[Network] [Input(5, 3)] [[|Lstm(30000, ReturnSequences = false)|]] {Tail}");
        yield return Net("Huge.Embedding", "NG0016", $"[Network] [Input(6)] [[|Embedding(1000000000, 4)|]] [Flatten] {Tail}");
        yield return Net("Huge.UpSampling", "NG0016", $"[Network(BatchSize = 1)] [Input(1, 8, 8)] [[|UpSampling2D(50000)|]] [Flatten] {Tail}");
        yield return Net("Huge.Activations", "NG0016", $"[[|Network(BatchSize = 100000)|]] [Input(1, 200, 200)] [Flatten] {Tail}");
        yield return Net("Huge.BlockRepeat", "NG0016", "[NetworkBlock] [Dense(1000)] public static class B;\n" + $"[Network] [Input(1000)] [Dense(1000)] [[|Block(typeof(B), Repeat = 3000)|]] {Tail}");
        yield return Net("Huge.JustUnderTheLimit.Fits", Clean, $"[Network(BatchSize = 1)] [Input(1000)] [Dense(1000)] {Tail}");
    }
}
