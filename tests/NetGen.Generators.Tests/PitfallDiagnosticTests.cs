using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests;

/// <summary>Issue 4's diagnostics: pitfalls warned at build time, invalid values for the cures, and the memory note.</summary>
public partial class DiagnosticTests
{
    [Fact]
    public void FiveSaturatingLayersWithNaiveInit_WarnsNG0040_AtTheFifth()
    {
        Diagnostic d = AssertSingle("NG0040", """
            [Network] [Input(8)]
            [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Tanh)] [Dense(8, Activation.Sigmoid)]
            [[|Dense(8, Activation.Sigmoid)|]]
            [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """, generatesCode: true);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Contains("He initialization", d.GetMessage());
    }

    [Theory]
    [InlineData("[BatchNorm]")]
    [InlineData("[LayerNorm]")]
    public void SaturatingStackWithNormalization_DoesNotWarn(string normalization)
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + $"""
            [Network] [Input(8)]
            [Dense(8, Activation.Sigmoid)] {normalization} [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)]
            [Dense(8, Activation.Sigmoid)] [Dense(8, Activation.Sigmoid)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "NG0040");
        Assert.Empty(run.OutputDiagnostics);
    }

    [Fact]
    public void SaturatingStackWithGlorotInit_DoesNotWarn()
    {
        GeneratorRun run = GeneratorHarness.Run(Usings + """
            [Network] [Input(8)]
            [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)] [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)]
            [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)] [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)]
            [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
            public partial class Net;
            """);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "NG0040");
    }

    [Theory]
    [InlineData("[Dense(4, [|Init = WeightInit.Zeros|])]")]
    [InlineData("[Dense(4, Activation.ReLU, [|Init = WeightInit.Constant|], InitScale = 0.5)]")]
    public void ConstantInit_WarnsNG0041_AtTheInitArgument(string layer)
    {
        Diagnostic d = AssertSingle("NG0041", $"[Network] [Input(4)] {layer} [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;", generatesCode: true);
        Assert.Contains("symmetry", d.GetMessage());
    }

    [Fact]
    public void ValidNetwork_ReportsNG0042_MemoryAtTheNetworkAttribute()
    {
        Diagnostic d = AssertSingle("NG0042", """
            [[|Network(BatchSize = 2)|]] [Input(3)] [Dense(2)] [SoftmaxCrossEntropy] [Sgd]
            public partial class Net;
            """, generatesCode: true);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Contains("8 parameters: 32 bytes of parameters", d.GetMessage());
    }

    [Fact]
    public void BatchNormOnASequenceShape_ReportsNG0043_AtTheBatchNorm() => AssertSingle("NG0043", """
        [Network] [Input(4, 5)] [[|BatchNorm|]] [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Theory]
    [InlineData("[StepDecay] [[|CosineAnnealing|]]")]
    [InlineData("[LinearWarmup] [[|LinearWarmup(Steps = 5)|]]")]
    [InlineData("[ReduceOnPlateau] [ExponentialDecay] [[|ReduceOnPlateau|]]")]
    public void ConflictingSchedules_ReportsNG0044_AtTheSecond(string schedules) =>
        AssertSingle("NG0044", $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] {schedules}\npublic partial class Net;");

    [Theory]
    [InlineData("[Dropout([|1.0|])]")]
    [InlineData("[Dropout([|-0.1|])]")]
    [InlineData("[BatchNorm([|Momentum = 1.5|])]")]
    [InlineData("[BatchNorm([|Epsilon = 0|])]")]
    [InlineData("[LayerNorm([|Epsilon = -1e-5|])]")]
    [InlineData("[Activation(Activation.LeakyReLU, [|Alpha = -0.2|])]")]
    public void InvalidLayerValue_ReportsNG0009_AtTheArgument(string layer) =>
        AssertSingle("NG0009", $"[Network] [Input(4)] [Dense(4)] {layer} [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");

    [Theory]
    [InlineData("[Adam] [Regularization([|L2 = -1e-4|])]")]
    [InlineData("[Adam] [ClipGradients([|MaxNorm = -1|])]")]
    [InlineData("[Adam] [StepDecay([|Gamma = 0|])]")]
    [InlineData("[Adam] [CosineAnnealing([|MinLearningRate = -0.1|])]")]
    [InlineData("[Adam] [LinearWarmup([|StartFactor = 2|])]")]
    [InlineData("[Adam] [ReduceOnPlateau([|Factor = 1|])]")]
    [InlineData("[AdamW([|WeightDecay = -0.01|])]")]
    [InlineData("[RmsProp([|Alpha = 1|])]")]
    [InlineData("[Adagrad([|LearningRateDecay = -1|])]")]
    [InlineData("[Adadelta([|Rho = 1.5|])]")]
    [InlineData("[NAdam([|Beta2 = 1|])]")]
    [InlineData("[NAdam([|MomentumDecay = -4e-3|])]")]
    [InlineData("[RAdam([|Beta1 = 1|])]")]
    [InlineData("[Lion([|Beta2 = 1.01|])]")]
    public void InvalidTrainingValue_ReportsNG0009_AtTheArgument(string attributes) =>
        AssertSingle("NG0009", $"[Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] {attributes}\npublic partial class Net;");

    [Fact]
    public void ZeroScheduleSteps_ReportsNG0003_AtTheArgument() => AssertSingle("NG0003", """
        [Network] [Input(4)] [Dense(2)] [SoftmaxCrossEntropy] [Adam] [StepDecay([|StepSize = 0|])]
        public partial class Net;
        """);

    [Fact]
    public void NegativeLayerPenalty_ReportsNG0009_AtTheArgument() => AssertSingle("NG0009", """
        [Network] [Input(4)] [Dense(2, [|L2 = -0.5|])] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void CuresTogether_CompileCleanly()
    {
        GeneratorHarness.RunClean(Usings + """
            [Network(BatchSize = 8)] [Input(6)]
            [Dense(16, Init = WeightInit.HeUniform, L1 = 1e-4)] [BatchNorm] [Activation(Activation.ReLU)] [Dropout(0.5)]
            [Dense(8, Activation.GELU)] [LayerNorm] [Dense(3)] [Softmax]
            [MeanSquaredError] [Regularization(L2 = 1e-4)] [ClipGradients(MaxNorm = 1, MaxValue = 5)]
            [AdamW(Amsgrad = true)] [LinearWarmup(Steps = 10)] [StepDecay(StepSize = 100)] [ReduceOnPlateau]
            public partial class Net;
            """);
    }
}

public partial class DiagnosticTests
{
    [Theory]
    [InlineData("Uniform")]
    [InlineData("Normal")]
    [InlineData("Constant")]
    public void InitializerWithoutScale_ReportsNG0045_AtTheInitArgument(string init) =>
        AssertSingle("NG0045", $"[Network] [Input(4)] [Dense(3, [|Init = WeightInit.{init}|])] [Dense(2)] [SoftmaxCrossEntropy] [Adam]\npublic partial class Net;");
}

public partial class DiagnosticTests
{
    [Fact]
    public void OnlyParameterlessLayers_ReportsNG0013_AtNetworkAttribute() => AssertSingle("NG0013", """
        [[|Network|]] [Input(1, 4, 4)] [Flatten] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """);

    [Fact]
    public void ConstantConvolutionInit_WarnsNG0041_AtTheInitArgument() => AssertSingle("NG0041", """
        [Network] [Input(1, 8, 8)] [Conv2D(4, 3, [|Init = WeightInit.Zeros|])] [Flatten] [Dense(2)] [SoftmaxCrossEntropy] [Adam]
        public partial class Net;
        """, generatesCode: true);
}
