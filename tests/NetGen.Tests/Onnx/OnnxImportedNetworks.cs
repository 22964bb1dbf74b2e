using NetGen;

namespace NetGen.Tests.Onnx;

// Networks compiled from the ONNX files in tests/NetGen.Tests/OnnxModels (written by make_models.py, listed as
// AdditionalFiles in the test project): the layers and weights come from the file, the batch size, loss and optimizer
// from the declaration.

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/mlp.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class ImportedMlp;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/lenet5.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class ImportedLeNet5;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/residual_cnn.onnx")]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public partial class ImportedResidualCnn;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/branches.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
public partial class ImportedBranches;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/lstm_rows.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
public partial class ImportedLstmRows;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/gru_rows.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3)]
public partial class ImportedGruRows;

[Network(BatchSize = 8)]
[OnnxModel("OnnxModels/token_gru.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2)]
public partial class ImportedTokenGru;

[Network(BatchSize = 16)]
[OnnxModel("OnnxModels/layernorm_mlp.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3)]
public partial class ImportedLayerNormMlp;
