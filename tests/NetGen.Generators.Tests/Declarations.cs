namespace NetGen.Generators.Tests;

/// <summary>Representative declarations shared by snapshot, compile and caching tests.</summary>
public static class Declarations
{
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
}
