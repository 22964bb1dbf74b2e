// What the code blocks of README.md and docs/*.md use without declaring it (.ci/docs-blocks.sh compiles each block in
// a namespace under DocsBlocks, so these are in scope, and a block's own declaration of the same name wins). Values
// are empty arrays of the right types: the blocks are compiled, not run.
using NetGen;

namespace DocsBlocks;

/// <summary>README's Quick start network, for fragments that train "the MLP above".</summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class MnistMlp;

/// <summary>The LeNet-5 of the design notes, for the convolutional fragments.</summary>
[Network(BatchSize = 64, Seed = 1)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class LeNet5;

/// <summary>The variables the fragments take as given; each block's statements run in a class derived from this one.</summary>
#pragma warning disable IDE1006, CA1051 // the names are the fragments' own
public abstract class Given
{
    protected float[] images = [], image = [], probabilities = [], scores = [], weights = [];
    protected float[] trainImages = [], testImages = [];
    protected int[] labels = [], trainLabels = [], testLabels = [];
    protected double[] trainLoss = [], testLoss = [], trainAccuracy = [], testAccuracy = [];
    protected int seed = 1;
    protected MnistMlp network = new();
}
