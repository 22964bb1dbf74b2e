namespace NetGen;

/// <summary>
/// Builds the network's layers from an ONNX model at compile time, in place of <c>[Input]</c> and the layer attributes:
/// the generator reads the file (listed in the project as an <c>AdditionalFiles</c> item), maps its graph onto NetGen's
/// layers and joins, and starts the parameters and running statistics from the file's initializers (embedded in the
/// assembly, so a Native AOT executable needs no file beside it). The input shape comes from the file; the batch size,
/// loss and optimizer are declared as for any network, so the imported model can be fine-tuned.
/// </summary>
/// <example>
/// <code>
/// // In the .csproj: &lt;AdditionalFiles Include="models/classifier.onnx" /&gt;
/// [Network(BatchSize = 64)]
/// [OnnxModel("models/classifier.onnx")]
/// [SoftmaxCrossEntropy]
/// [Adam(LearningRate = 1e-4)]
/// public partial class Classifier;
/// </code>
/// </example>
/// <remarks>
/// A graph that ends in Softmax keeps it as <c>Predict</c>'s output (the layers before it give the logits that
/// <c>[SoftmaxCrossEntropy]</c> trains). Operators NetGen cannot map are build errors (NG0400-NG0419) naming the node,
/// the operator and the nearest supported form; see docs/diagnostics.md.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class OnnxModelAttribute : Attribute
{
    /// <summary>Names the model file: its path as listed in AdditionalFiles, or its end ("models/classifier.onnx").</summary>
    public OnnxModelAttribute(string path) => Path = path;

    /// <summary>The model file's path, matched against the ends of the AdditionalFiles paths.</summary>
    public string Path { get; }
}
