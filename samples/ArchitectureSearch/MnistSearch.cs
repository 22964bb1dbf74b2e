using NetGen;

namespace Samples.ArchitectureSearch;

/// <summary>
/// MLPs for MNIST: 1 to 4 hidden blocks of 32, 128 or 512 units, ReLU or tanh, batch normalization on or off, dropout
/// 0 or 0.3, batch 128, trained by Adam or SGD with momentum. The 4 x 6 x 2 x 2 x 2 = 192 structural variants are
/// generated at build time, each as its own network; the learning rate and the weight decay are run-time values drawn
/// log-uniformly per trial.
/// </summary>
[SearchSpace(BatchSize = 128, Seed = 1, MaxVariants = 192)]
[Input(784)]
[RepeatChoice(1, 2, 3, 4, Layers = 3)]              // depth: the hidden layer, its normalization and its dropout repeat 1-4 times
[DenseChoice(Units = new[] { 32, 128, 512 }, Activations = new[] { Activation.ReLU, Activation.Tanh })]
[NormalizationChoice(SearchNormalization.None, SearchNormalization.BatchNorm)]
[DropoutChoice(0.0, 0.3)]                           // 0: no dropout layer
[Dense(10)]
[SoftmaxCrossEntropy]
[OptimizerChoice(SearchOptimizer.Adam, SearchOptimizer.Sgd)]
[LearningRateRange(2e-4, 5e-3)]
[WeightDecayRange(1e-6, 1e-3)]
public partial class MnistSearch;
