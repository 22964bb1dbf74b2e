namespace NetGen.Generators.Tests.Corpus;

/// <summary>
/// The generator corpus of issue 21: several hundred declarations, each with its expected outcome. Families are
/// built from tables where that reads better (every numeric argument x every extreme value). Expectations follow
/// docs/diagnostics.md; where the docs say nothing, a comment says what a PyTorch/Keras user would expect.
/// </summary>
public static partial class CorpusCases
{
    private const string Clean = CorpusCase.Clean;
    private const string Tail = "[Dense(2)] [SoftmaxCrossEntropy] [Adam]";
    private const string Class = "public partial class Net;";

    private static CorpusCase Case(string name, string expected, params string[] sources) => new(name, expected, sources);

    /// <summary>A one-class network: <paramref name="body"/> is every attribute in order.</summary>
    private static CorpusCase Net(string name, string expected, string body, string declaration = Class) =>
        new(name, expected, [body.EndsWith("//", StringComparison.Ordinal) ? body + " " + declaration : body + "\n" + declaration]);

    // Lazy: the tables live in static fields of the other partial files, whose initialization order is not defined.
    private static readonly Lazy<IReadOnlyList<CorpusCase>> Corpus = new(Build);

    public static IReadOnlyList<CorpusCase> All => Corpus.Value;

    private static IReadOnlyList<CorpusCase> Build()
    {
        var all = new List<CorpusCase>();
        all.AddRange(ValidArguments());
        all.AddRange(ExtremeValues());
        all.AddRange(HugeProducts());
        all.AddRange(DeclarationForms());
        all.AddRange(Layouts());
        all.AddRange(Graphs());
        all.AddRange(SearchSpaces());
        var duplicates = all.GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0) throw new InvalidOperationException("Duplicate corpus case names: " + string.Join(", ", duplicates));
        return all;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Every attribute, every named argument, with a valid value: clean, compiling code.
    // ---------------------------------------------------------------------------------------------------------
    private static IEnumerable<CorpusCase> ValidArguments()
    {
        string V(string layers) => $"[Network] [Input(4)] {layers} {Tail}";
        string Img(string layers) => $"[Network] [Input(2, 8, 8)] {layers} [Flatten] {Tail}";
        string Seq(string layers) => $"[Network] [Input(5, 3)] {layers} {Tail}";
        string Opt(string optimizer) => $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] {optimizer}";
        string Sched(string schedules) => $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] {schedules}";

        var rows = new (string Name, string Body)[]
        {
            ("Network.Default", V("")),
            ("Network.BatchSize1", $"[Network(BatchSize = 1)] [Input(4)] {Tail}"),
            ("Network.BatchSize4096", $"[Network(BatchSize = 4096)] [Input(4)] {Tail}"),
            ("Network.Seed", $"[Network(Seed = 42)] [Input(4)] {Tail}"),
            ("Network.SeedAndBatch", $"[Network(BatchSize = 7, Seed = -5)] [Input(4)] {Tail}"),
            ("Input.Vector", V("")),
            ("Input.Image", Img("[Conv2D(2, 3)]")),
            ("Input.Sequence", Seq("[Lstm(4, ReturnSequences = false)]")),
            ("Input.NamedArray", $"[Network] [Input(new[] {{ 4 }})] {Tail}"),
            ("Input.FourDims", $"[Network] [Input(2, 2, 2, 2)] [Flatten] {Tail}"),
            ("Dense.UnitsOnly", V("[Dense(3)]")),
            ("Dense.UseBiasFalse", V("[Dense(3, UseBias = false)]")),
            ("Dense.L1", V("[Dense(3, L1 = 1e-4)]")),
            ("Dense.L2", V("[Dense(3, L2 = 1e-4)]")),
            ("Dense.L1L2", V("[Dense(3, L1 = 1e-5, L2 = 1e-4)]")),
            ("Dense.InitScaleWithUniform", V("[Dense(3, Init = WeightInit.Uniform, InitScale = 0.05)]")),
            ("Dense.InitScaleWithNormal", V("[Dense(3, Init = WeightInit.Normal, InitScale = 0.02)]")),
            ("Dense.InitScaleWithHe", V("[Dense(3, Activation.ReLU, Init = WeightInit.HeNormal, InitScale = 2)]")),
            ("Dense.LeakyAlpha", V("[Dense(3, Activation.LeakyReLU, ActivationAlpha = 0.2)]")),
            ("Dense.EluAlpha", V("[Dense(3, Activation.ELU, ActivationAlpha = 1.5)]")),
            ("Dense.NamedArguments", V("[Dense(units: 3, activation: Activation.Tanh)]")),
            ("Dense.Name", V("[Dense(3, Name = \"hidden\")]")),
            ("Dense.FromPrevious", V("[Dense(3, Name = \"a\")] [Dense(3, From = \"a\")]")),
            ("Dense.FromInput", V("[Dense(3, From = \"input\")]")),
            ("Dense.NaNDefaultsWritten", V("[Dense(3, Activation.LeakyReLU, ActivationAlpha = double.NaN, L1 = double.NaN, L2 = double.NaN, InitScale = double.NaN)]")),
            ("Activation.Layer", V("[Dense(3)] [Activation(Activation.ReLU)]")),
            ("Activation.LeakyAlpha", V("[Dense(3)] [Activation(Activation.LeakyReLU, Alpha = 0.1)]")),
            ("Activation.EluAlpha", V("[Dense(3)] [Activation(Activation.ELU, Alpha = 0.5)]")),
            ("Activation.Named", V("[Dense(3)] [Activation(Activation.Tanh, Name = \"act\")]")),
            ("Softmax.BeforeMse", "[Network] [Input(4)] [Dense(3)] [Softmax] [MeanSquaredError] [Adam]"),
            ("Loss.Mse", "[Network] [Input(4)] [Dense(1)] [MeanSquaredError] [Adam]"),
            ("Loss.MseManyOutputs", "[Network] [Input(4)] [Dense(7)] [MeanSquaredError] [Sgd]"),
            ("Conv2D.Plain", Img("[Conv2D(3, 3)]")),
            ("Conv2D.Stride", Img("[Conv2D(3, 2, Stride = 2)]")),
            ("Conv2D.Padding", Img("[Conv2D(3, 3, Padding = 1)]")),
            ("Conv2D.SamePadding", Img("[Conv2D(3, 3, SamePadding = true)]")),
            ("Conv2D.SamePaddingStride2", Img("[Conv2D(3, 3, SamePadding = true, Stride = 2)]")),
            ("Conv2D.SamePaddingEvenKernel", Img("[Conv2D(3, 4, SamePadding = true)]")),
            ("Conv2D.SamePaddingEvenKernelStride2", Img("[Conv2D(3, 2, SamePadding = true, Stride = 2, Activation = Activation.ReLU)] [MaxPool2D(2)]")),
            ("Conv2D.Dilation", Img("[Conv2D(3, 3, Dilation = 2)]")),
            ("Conv2D.Activation", Img("[Conv2D(3, 3, Activation = Activation.ReLU)]")),
            ("Conv2D.ActivationAlpha", Img("[Conv2D(3, 3, Activation = Activation.LeakyReLU, ActivationAlpha = 0.01)]")),
            ("Conv2D.Init", Img("[Conv2D(3, 3, Init = WeightInit.HeUniform)]")),
            ("Conv2D.InitScale", Img("[Conv2D(3, 3, Init = WeightInit.Normal, InitScale = 0.1)]")),
            ("Conv2D.UseBiasFalse", Img("[Conv2D(3, 3, UseBias = false)]")),
            ("Conv2D.L1", Img("[Conv2D(3, 3, L1 = 1e-4)]")),
            ("Conv2D.L2", Img("[Conv2D(3, 3, L2 = 1e-4)]")),
            ("Conv2D.Named", Img("[Conv2D(3, 3, Name = \"stem\")]")),
            ("Conv2D.KernelEqualsInput", Img("[Conv2D(3, 8)]")),
            ("MaxPool2D.Size", Img("[MaxPool2D(2)]")),
            ("MaxPool2D.Stride", Img("[MaxPool2D(2, Stride = 2)]")),
            ("MaxPool2D.OverlappingStride", Img("[MaxPool2D(3, Stride = 1)]")),
            ("MaxPool2D.Padding", Img("[MaxPool2D(3, Stride = 1, Padding = 1)]")),
            ("AvgPool2D.Size", Img("[AvgPool2D(2)]")),
            ("AvgPool2D.Stride", Img("[AvgPool2D(2, Stride = 2)]")),
            ("AvgPool2D.Padding", Img("[AvgPool2D(3, Stride = 1, Padding = 1)]")),
            ("GlobalAvgPool2D", $"[Network] [Input(2, 8, 8)] [Conv2D(4, 3)] [GlobalAvgPool2D] {Tail}"),
            ("Reshape.ToImage", $"[Network] [Input(64)] [Reshape(1, 8, 8)] [Conv2D(2, 3)] [Flatten] {Tail}"),
            ("Reshape.Infer", $"[Network] [Input(64)] [Reshape(-1, 8, 8)] [Conv2D(2, 3)] [Flatten] {Tail}"),
            ("Reshape.ToSequence", $"[Network] [Input(12)] [Reshape(4, 3)] [Gru(3, ReturnSequences = false)] {Tail}"),
            ("Flatten.Vector", V("[Flatten]")),
            ("Dropout.Rate", V("[Dense(8)] [Dropout(0.5)]")),
            ("Dropout.Zero", V("[Dense(8)] [Dropout(0)]")),
            ("BatchNorm.Default", V("[Dense(8)] [BatchNorm]")),
            ("BatchNorm.Momentum", V("[Dense(8)] [BatchNorm(Momentum = 0.01)]")),
            ("BatchNorm.Epsilon", V("[Dense(8)] [BatchNorm(Epsilon = 1e-3)]")),
            ("BatchNorm.Image", Img("[Conv2D(3, 3)] [BatchNorm]")),
            ("LayerNorm.Default", V("[Dense(8)] [LayerNorm]")),
            ("LayerNorm.Epsilon", V("[Dense(8)] [LayerNorm(Epsilon = 1e-6)]")),
            ("LayerNorm.Sequence", Seq("[Lstm(4)] [LayerNorm] [Flatten]")),
            ("Regularization.L1", V("[Dense(8)] [Regularization(L1 = 1e-5)]")),
            ("Regularization.L2", V("[Dense(8)] [Regularization(L2 = 1e-4)]")),
            ("ClipGradients.MaxNorm", V("[ClipGradients(MaxNorm = 1)]")),
            ("ClipGradients.MaxValue", V("[ClipGradients(MaxValue = 0.5)]")),
            ("ClipGradients.Both", V("[ClipGradients(MaxNorm = 5, MaxValue = 0.5)]")),
            ("Embedding", $"[Network] [Input(6)] [Embedding(20, 4)] [Lstm(5, ReturnSequences = false)] {Tail}"),
            ("Embedding.Flatten", $"[Network] [Input(6)] [Embedding(20, 4)] [Flatten] {Tail}"),
            ("SimpleRnn", Seq("[SimpleRnn(4, ReturnSequences = false)]")),
            ("SimpleRnn.Sequences", Seq("[SimpleRnn(4)] [Flatten]")),
            ("SimpleRnn.Stateful", Seq("[SimpleRnn(4, ReturnSequences = false, Stateful = true)]")),
            ("Lstm", Seq("[Lstm(4, ReturnSequences = false)]")),
            ("Lstm.ForgetBias", Seq("[Lstm(4, ForgetBias = 0, ReturnSequences = false)]")),
            ("Lstm.Stateful", Seq("[Lstm(4, ReturnSequences = false, Stateful = true)]")),
            ("Lstm.Stacked", Seq("[Lstm(4)] [Lstm(4, ReturnSequences = false)]")),
            ("Gru", Seq("[Gru(4, ReturnSequences = false)]")),
            ("Gru.Stateful", Seq("[Gru(4, ReturnSequences = false, Stateful = true)]")),
            ("UpSampling2D.Scale", Img("[UpSampling2D(2)]")),
            ("UpSampling2D.HeightWidth", Img("[UpSampling2D(2, 3)]")),
            ("UpSampling2D.Bilinear", Img("[UpSampling2D(2, Mode = UpSamplingMode.Bilinear)]")),
            ("UpSampling2D.Nearest", Img("[UpSampling2D(2, Mode = UpSamplingMode.Nearest, Name = \"up\")]")),
            ("Bfloat16Inference", "[Network] [Bfloat16Inference] [Input(4)] [Dense(8)] " + Tail),
            ("Sgd.Default", Opt("[Sgd]")),
            ("Sgd.LearningRate", Opt("[Sgd(LearningRate = 0.1)]")),
            ("Sgd.Momentum", Opt("[Sgd(Momentum = 0.9)]")),
            ("Sgd.Nesterov", Opt("[Sgd(Momentum = 0.9, Nesterov = true)]")),
            ("Sgd.WeightDecay", Opt("[Sgd(WeightDecay = 5e-4)]")),
            ("Adam.LearningRate", Opt("[Adam(LearningRate = 3e-4)]")),
            ("Adam.Beta1", Opt("[Adam(Beta1 = 0.5)]")),
            ("Adam.Beta2", Opt("[Adam(Beta2 = 0.99)]")),
            ("Adam.Epsilon", Opt("[Adam(Epsilon = 1e-7)]")),
            ("Adam.WeightDecay", Opt("[Adam(WeightDecay = 1e-4)]")),
            ("Adam.Amsgrad", Opt("[Adam(Amsgrad = true)]")),
            ("AdamW.Default", Opt("[AdamW]")),
            ("AdamW.All", Opt("[AdamW(LearningRate = 1e-3, Beta1 = 0.8, Beta2 = 0.98, Epsilon = 1e-6, WeightDecay = 0.05, Amsgrad = true)]")),
            ("RmsProp.Default", Opt("[RmsProp]")),
            ("RmsProp.All", Opt("[RmsProp(LearningRate = 1e-3, Alpha = 0.9, Epsilon = 1e-6, Momentum = 0.5, Centered = true, WeightDecay = 1e-4)]")),
            ("Adagrad.Default", Opt("[Adagrad]")),
            ("Adagrad.All", Opt("[Adagrad(LearningRate = 0.1, LearningRateDecay = 1e-3, Epsilon = 1e-8, WeightDecay = 1e-4)]")),
            ("Adadelta.Default", Opt("[Adadelta]")),
            ("Adadelta.All", Opt("[Adadelta(LearningRate = 0.5, Rho = 0.95, Epsilon = 1e-5, WeightDecay = 1e-4)]")),
            ("Adadelta.RhoBounds", Opt("[Adadelta(Rho = 1)]")),
            ("NAdam.Default", Opt("[NAdam]")),
            ("NAdam.All", Opt("[NAdam(LearningRate = 1e-3, Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-6, WeightDecay = 1e-4, MomentumDecay = 0)]")),
            ("RAdam.Default", Opt("[RAdam]")),
            ("RAdam.All", Opt("[RAdam(LearningRate = 1e-2, Beta1 = 0, Beta2 = 0.99, Epsilon = 1e-6, WeightDecay = 1e-4)]")),
            ("Lion.Default", Opt("[Lion]")),
            ("Lion.All", Opt("[Lion(LearningRate = 3e-4, Beta1 = 0.95, Beta2 = 0.98, WeightDecay = 0.1)]")),
            ("Lion.BetaBounds", Opt("[Lion(Beta1 = 1, Beta2 = 1)]")),
            ("StepDecay.Default", Sched("[StepDecay]")),
            ("StepDecay.All", Sched("[StepDecay(StepSize = 10, Gamma = 0.5)]")),
            ("ExponentialDecay", Sched("[ExponentialDecay(Gamma = 0.9)]")),
            ("CosineAnnealing", Sched("[CosineAnnealing(TotalSteps = 500, MinLearningRate = 1e-5)]")),
            ("LinearWarmup", Sched("[LinearWarmup(Steps = 10, StartFactor = 0.1)]")),
            ("LinearWarmup.WithCosine", Sched("[LinearWarmup] [CosineAnnealing]")),
            ("ReduceOnPlateau", Sched("[ReduceOnPlateau(Factor = 0.5, Patience = 2, Threshold = 1e-3, Cooldown = 1, MinLearningRate = 1e-6)]")),
            ("ReduceOnPlateau.WithStepDecay", Sched("[StepDecay] [ReduceOnPlateau]")),
            ("Schedules.AllThatCompose", Sched("[LinearWarmup] [ExponentialDecay] [ReduceOnPlateau]")),
        };
        foreach (var (name, body) in rows) yield return Net("Valid." + name, Clean, body);

        // One network per activation, with it on a convolution, a dense layer and an activation layer: a clean case
        // costs a compilation of the generated code (most of the corpus's time), so each carries several arguments.
        foreach (Activation a in Enum.GetValues<Activation>())
            yield return Net($"Valid.Activation.{a}", Clean,
                $"[Network] [Input(2, 8, 8)] [Conv2D(2, 3, Activation = Activation.{a})] [Flatten] [Dense(3, Activation.{a})] [Dense(3)] [Activation(Activation.{a})] {Tail}");
        foreach (WeightInit w in Enum.GetValues<WeightInit>())
        {
            // Zeros and Constant warn NG0041; Constant, Uniform and Normal need InitScale (NG0045).
            string scale = w is WeightInit.Constant or WeightInit.Uniform or WeightInit.Normal ? ", InitScale = 0.05" : "";
            string expected = w is WeightInit.Zeros or WeightInit.Constant ? "NG0041" : Clean;
            string init = expected == Clean ? $"Init = WeightInit.{w}" : $"[|Init = WeightInit.{w}|]";
            yield return Net($"Valid.DenseInit.{w}", expected, V($"[Dense(3, {init}{scale})]"));
            yield return Net($"Valid.Conv2DInit.{w}", expected, Img($"[Conv2D(2, 3, {init}{scale})]"));
        }
    }
}
