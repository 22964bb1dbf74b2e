using NetGen;

namespace Samples.ResNet;

/// <summary>
/// ResNet's basic block (He et al., 2016) at 16 channels: two 3x3 convolutions, the block's input added back, then
/// ReLU. The shortcut lets the gradient reach early layers undiminished.
/// </summary>
[NetworkBlock]
[Residual]
[Conv2D(16, 3, Padding = 1, Activation = Activation.ReLU)]
[Conv2D(16, 3, Padding = 1)]
[EndResidual]
[Activation(Activation.ReLU)]
public static class BasicBlock16;

/// <summary>The basic block widening 16 to 32 channels: the shortcut is a learned 1x1 convolution (a projection).</summary>
[NetworkBlock]
[Residual(Projection = true)]
[Conv2D(32, 3, Padding = 1, Activation = Activation.ReLU)]
[Conv2D(32, 3, Padding = 1)]
[EndResidual]
[Activation(Activation.ReLU)]
public static class WideningBlock32;

/// <summary>
/// A small residual network for 28x28 digits: a 3x3 stem, two basic blocks at 14x14, a widening block at 7x7, and a
/// classifier on the flattened features. Checkpoint names follow PyTorch's: layer1.0.conv2d1.weight, layer2.projection1.weight.
/// </summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(1, 28, 28)]
[Conv2D(16, 3, Padding = 1, Activation = Activation.ReLU, Name = "stem")]   // 16x28x28
[MaxPool2D(2)]                                                             // 16x14x14
[Block(typeof(BasicBlock16), Repeat = 2, Name = "layer1")]                 // 16x14x14
[MaxPool2D(2)]                                                             // 16x7x7
[Block(typeof(WideningBlock32), Name = "layer2")]                          // 32x7x7
[Flatten]                                                                  // 1568
[Dense(10, Name = "fc")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3)]
public partial class SmallResNet;
