using NetGen;

namespace Samples.ArchitectureSearch;

/// <summary>
/// MLPs for MNIST: 1 to 3 hidden layers of 64 to 512 units, ReLU or tanh, with or without dropout, trained
/// by Adam or SGD with momentum. The 3 x 4 x 2 x 2 x 2 = 96 structural variants are generated at build
/// time, each as its own network; the learning rate is a run-time value drawn log-uniformly per trial.
/// </summary>
[SearchSpace(BatchSize = 64, Seed = 1, MaxVariants = 96)]
[Input(784)]
[RepeatChoice(1, 2, 3, Layers = 2)]                 // depth: the hidden layer and its dropout repeat 1-3 times
[DenseChoice(Units = new[] { 64, 128, 256, 512 }, Activations = new[] { Activation.ReLU, Activation.Tanh })]
[DropoutChoice(0.0, 0.2)]                           // 0: no dropout layer
[Dense(10)]
[SoftmaxCrossEntropy]
[OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
[LearningRateRange(1e-4, 1e-2)]
public partial class MnistSearch;
