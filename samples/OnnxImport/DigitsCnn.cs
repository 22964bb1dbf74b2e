using NetGen;

namespace Samples.OnnxImport;

/// <summary>
/// The PyTorch model of train_and_export.py, compiled at build time from models/digits_cnn.onnx: conv 8@3x3, max-pool,
/// conv 16@3x3, max-pool, dense 64 ReLU, dense 10 (the file's Softmax is Predict's). The batch size, loss and optimizer
/// are the fine-tuning's.
/// </summary>
[Network(BatchSize = 64, Seed = 1)]
[OnnxModel("models/digits_cnn.onnx")]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 5e-4)]
public partial class DigitsCnn;
