namespace NetGen.Generators.Tests;

/// <summary>Representative declarations shared by snapshot, compile and caching tests.</summary>
public static class Declarations
{
    /// <summary>A graph: a residual block used twice, a branch from the stem joined by concatenation, a projected shortcut.</summary>
    public const string ResidualGraph = """
        using NetGen;

        namespace Samples.Graphs;

        [NetworkBlock]
        [Residual]
        [Dense(32, Activation.ReLU)]
        [Dense(32)]
        [EndResidual]
        public static class MlpBlock;

        [Network(BatchSize = 16, Seed = 1)]
        [Input(20)]
        [Dense(32, Activation.ReLU, Name = "stem")]
        [Block(typeof(MlpBlock), Repeat = 2, Name = "blocks")]
        [Dense(8, Activation.ReLU, From = "stem", Name = "side")]
        [Concat("blocks")]
        [Residual(Projection = true)]
        [Dense(16, Activation.ReLU)]
        [EndResidual]
        [Dense(4)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class ResidualGraph;
        """;

    /// <summary>The block of <see cref="ResidualGraph"/>, edited: three layers instead of two.</summary>
    public const string DeeperMlpBlock = """
        using NetGen;

        namespace Samples.Graphs;

        [NetworkBlock]
        [Residual]
        [Dense(32, Activation.ReLU)]
        [Dense(32, Activation.ReLU)]
        [Dense(32)]
        [EndResidual]
        public static class MlpBlock;
        """;

    public const string MnistMlp = """
        using NetGen;

        namespace Samples.Mnist;

        [Network(BatchSize = 64, Seed = 1)]
        [Input(784)]
        [Dense(256, Activation.ReLU, Init = WeightInit.HeUniform)]
        [Dense(128, Activation.ReLU, Init = WeightInit.HeUniform)]
        [Dense(10)]
        [SoftmaxCrossEntropy]
        [Adam(LearningRate = 1e-3)]
        public partial class MnistMlp;
        """;

    public const string Regression = """
        using NetGen;

        [Network(BatchSize = 16, Seed = 7)]
        [Input(3)]
        [Dense(8, Activation.Tanh, Init = WeightInit.GlorotUniform)]
        [Dense(1)]
        [MeanSquaredError]
        [Sgd(LearningRate = 0.05, Momentum = 0.9, Nesterov = true)]
        internal partial class Regressor;
        """;

    /// <summary>NAdam: two state buffers, and its mu product beside the step count (reset with it, recomputed on load).</summary>
    public const string NAdam = """
        using NetGen;

        [Network(BatchSize = 8, Seed = 5)]
        [Input(4)]
        [Dense(6, Activation.ReLU)]
        [Dense(3)]
        [SoftmaxCrossEntropy]
        [NAdam(WeightDecay = 1e-4)]
        public partial class NAdamMlp;
        """;

    public const string ImageFlatten = """
        using NetGen;

        namespace Demo.Vision;

        [Network(BatchSize = 8)]
        [Input(1, 28, 28)]
        [Flatten]
        [Dense(32, Activation.Sigmoid, Init = WeightInit.GlorotNormal, UseBias = false)]
        [Dense(10)]
        [SoftmaxCrossEntropy]
        [Sgd(LearningRate = 0.1)]
        partial class TinyImageNet;
        """;

    public const string Cures = """
        using NetGen;

        namespace Demo.Cures;

        [Network(BatchSize = 32, Seed = 4)]
        [Input(784)]
        [Dense(128, Init = WeightInit.HeNormal, L1 = 1e-5)]
        [BatchNorm]
        [Activation(Activation.LeakyReLU, Alpha = 0.1)]
        [Dropout(0.25)]
        [Dense(64, Activation.GELU)]
        [LayerNorm]
        [Dense(10)]
        [SoftmaxCrossEntropy]
        [Regularization(L2 = 1e-4)]
        [ClipGradients(MaxNorm = 1.0)]
        [AdamW(LearningRate = 3e-3, WeightDecay = 0.01)]
        [LinearWarmup(Steps = 100)]
        [CosineAnnealing(TotalSteps = 2000, MinLearningRate = 1e-5)]
        [ReduceOnPlateau(Patience = 3)]
        public partial class RegularizedMlp;
        """;
}
