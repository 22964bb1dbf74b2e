namespace NetGen;

/// <summary>
/// Opt-in reduced-precision inference: the generated class also gets <c>PredictBfloat16(inputs, outputs)</c>, which runs
/// every <see cref="DenseAttribute"/> layer on a bfloat16 copy of its weight (half the bytes to stream per sample, what
/// one-sample inference is bound by). Inputs, biases, accumulation and outputs stay float, and so does every other layer
/// kind (convolution, normalization, recurrent, pooling...). Training, <c>Predict</c> and checkpoints keep float weights.
/// </summary>
/// <remarks>
/// <para>
/// The bfloat16 copy is converted from the float weights (round to nearest, ties to even: a relative error of at most
/// 2^-9 per weight) on the first <c>PredictBfloat16</c> after they may have changed: every optimizer step,
/// <c>LoadCheckpoint</c>, <c>ResetParameters</c> and every read of the writable <c>Parameters</c> or <c>DenseNWeight</c>
/// spans marks it stale, so it is never served out of date. A span taken before a <c>PredictBfloat16</c> call and written
/// after it is the one case it cannot see: call <c>RefreshBfloat16Weights()</c> after such a write.
/// </para>
/// <para>The counterpart of PyTorch's <c>model.to(torch.bfloat16)</c> for inference, with float activations.</para>
/// </remarks>
/// <example>
/// <code>
/// [Network(BatchSize = 64)]
/// [Input(784)]
/// [Dense(256, Activation.ReLU)]
/// [Dense(10)]
/// [SoftmaxCrossEntropy]
/// [Adam]
/// [Bfloat16Inference]
/// public partial class Mlp;
///
/// net.PredictBfloat16(image, probabilities);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class Bfloat16InferenceAttribute : Attribute
{
}
