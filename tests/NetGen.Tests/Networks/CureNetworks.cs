namespace NetGen.Tests.Networks;

// Networks that use the cures for the classic training pitfalls.

[Network(BatchSize = 6, Seed = 21)]
[Input(5)]
[Dense(7, Init = WeightInit.HeNormal, L1 = 0.01)]
[BatchNorm]
[Activation(Activation.LeakyReLU, Alpha = 0.1)]
[Dropout(0.3)]
[Dense(6, Activation.GELU)]
[LayerNorm]
[Dense(5, Activation.ELU)]
[Dense(4, Activation.SiLU, UseBias = false)]
[Dense(4, Activation.Softplus)]
[Dense(3, Activation.GELUTanh)]
[Dense(3)]
[SoftmaxCrossEntropy]
[Regularization(L2 = 0.02)]
[Adam(LearningRate = 0.01)]
public partial class CureGradientNet;

[Network(BatchSize = 4, Seed = 2)]
[Input(3)]
[Dense(5, Activation.Tanh)]
[Dense(3)]
[Softmax]
[MeanSquaredError]
[Sgd(LearningRate = 0.1)]
public partial class SoftmaxOutputNet;

[Network(BatchSize = 4, Seed = 1)]
[Input(3)]
[Dense(4, Activation.ReLU)]
[Dense(2)]
[SoftmaxCrossEntropy]
[AdamW(LearningRate = 0.01, WeightDecay = 0.1, Amsgrad = true)]
[ClipGradients(MaxNorm = 0.5)]
[LinearWarmup(Steps = 4, StartFactor = 0.25)]
[CosineAnnealing(TotalSteps = 10, MinLearningRate = 0.001)]
public partial class AdamWClippedNet;

[Network(BatchSize = 4, Seed = 1)]
[Input(3)]
[Dense(4, Activation.ReLU)]
[Dense(2)]
[SoftmaxCrossEntropy]
[RmsProp(LearningRate = 0.01, Momentum = 0.9, Centered = true)]
[StepDecay(StepSize = 3, Gamma = 0.5)]
[ReduceOnPlateau(Factor = 0.5, Patience = 1)]
public partial class RmsPropNet;

[Network(BatchSize = 4, Seed = 1)]
[Input(3)]
[Dense(4, Activation.ReLU)]
[Dense(2)]
[SoftmaxCrossEntropy]
[Adagrad(LearningRate = 0.1, LearningRateDecay = 0.01)]
[ExponentialDecay(Gamma = 0.9)]
[ClipGradients(MaxValue = 0.01)]
public partial class AdagradNet;
