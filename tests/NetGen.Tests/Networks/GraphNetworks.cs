namespace NetGen.Tests.Networks;

// Networks that are graphs, not stacks: residual connections, a repeated block, branches joined by concatenation.

/// <summary>A residual block of two tanh-free dense layers: x + Dense(Dense(x, tanh)).</summary>
[NetworkBlock]
[Residual]
[Dense(6, Activation.Tanh)]
[Dense(6)]
[EndResidual]
public static class TanhResidualBlock;

/// <summary>
/// Every join of the graph declarations on vectors: a stem, the residual block used twice (blocks.0, blocks.1), a side
/// branch from the stem joined by concatenation, and a residual connection whose shortcut is projected (9 -> 4).
/// </summary>
[Network(BatchSize = 4, Seed = 3)]
[Input(5)]
[Dense(6, Activation.Tanh, Name = "stem")]
[Block(typeof(TanhResidualBlock), Repeat = 2, Name = "blocks")]
[Dense(3, Activation.Tanh, From = "stem", Name = "side")]
[Concat("blocks")]
[Residual(Projection = true)]
[Dense(4, Activation.Tanh)]
[EndResidual]
[Dense(3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1)]
public partial class GraphGradientNet;

/// <summary>
/// A residual convolutional network: a downsampling residual branch with a projected shortcut (1x1, stride 2), a
/// second branch from the stem, the two joined along channels, then global pooling and a classifier.
/// </summary>
[Network(BatchSize = 3, Seed = 5)]
[Input(2, 7, 7)]
[Conv2D(3, 3, Padding = 1, Activation = Activation.Tanh, Name = "stem")]
[Residual(Projection = true)]
[Conv2D(4, 3, Stride = 2, Padding = 1, Activation = Activation.Tanh)]
[Conv2D(4, 3, Padding = 1)]
[EndResidual]
[Conv2D(2, 1, Stride = 2, From = "stem")]
[Concat("residual1")]
[GlobalAvgPool2D]
[Dense(3)]
[SoftmaxCrossEntropy]
[Adam]
public partial class ResidualConvGradientNet;

/// <summary>A residual MLP on digits-sized inputs: what the depth cure looks like at small scale.</summary>
[NetworkBlock]
[Residual]
[Dense(32, Activation.ReLU, Init = WeightInit.HeUniform)]
[Dense(32)]
[EndResidual]
public static class ResidualMlpBlock;

[Network(BatchSize = 32, Seed = 2)]
[Input(16)]
[Dense(32, Activation.ReLU)]
[Block(typeof(ResidualMlpBlock), Repeat = 3, Name = "blocks")]
[Dense(4)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
public partial class ResidualMlpNet;
