using Microsoft.CodeAnalysis;
using NetGen.Generators.Tests.Infrastructure;
using static NetGen.Generators.Tests.Onnx.OnnxBytes;

namespace NetGen.Generators.Tests.Onnx;

/// <summary>
/// What [OnnxModel] cannot map is an error at the path argument naming the node, the operator and the nearest supported
/// form; the file being missing, not ONNX, or of an unsupported opset each has its own diagnostic.
/// </summary>
public sealed class OnnxDiagnosticTests
{
    private const string Network = """
        using NetGen;

        [Network(BatchSize = 4)]
        [OnnxModel([|"models/net.onnx"|])]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Net;
        """;

    /// <summary>The single diagnostic besides the NG0042 memory note: its id, at the marked span, and no code generated.</summary>
    private static Diagnostic AssertSingle(string id, byte[]? file, string markedSource = Network)
    {
        (string source, var span) = Markup.Parse(markedSource);
        GeneratorRun run = file is null ? OnnxHarness.Run(source) : OnnxHarness.Run(source, ("models/net.onnx", file));
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id != DiagnosticIds.MemoryFootprint);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Empty(run.Sources);
        return diagnostic;
    }

    [Fact]
    public void ValidClassifier_GeneratesTheNetworkAndItsWeights_WithNoDiagnosticButTheMemoryNote()
    {
        (string source, _) = Markup.Parse(Network);
        GeneratorRun run = OnnxHarness.Run(source, ("models/net.onnx", Classifier()));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticIds.MemoryFootprint, d.Id));
        Assert.Empty(run.OutputDiagnostics);
        string network = run.Source("Net.g.cs");
        Assert.Contains("| Fc1 ReLU ", network);                         // Gemm + Relu fused, named after fc1.weight
        Assert.Contains("new(\"fc2.weight\", new[] { 3, 8 }", network);  // the checkpoint names are PyTorch's
        Assert.Contains("ImportedWeights.Copy(OnnxImport.Parameters, parameters);", network);
        Assert.Contains("public const string Parameters = \"", run.Source("Net.OnnxWeights.g.cs"));
    }

    [Fact]
    public void FileNotInAdditionalFiles_ReportsNG0400_AtThePath()
    {
        Diagnostic d = AssertSingle("NG0400", file: null);
        Assert.Contains("<AdditionalFiles Include=\"models/net.onnx\" />", d.GetMessage());
    }

    [Fact]
    public void RandomBytes_ReportsNG0401_AtThePath()
    {
        var random = new Random(1);
        byte[] bytes = new byte[300];
        random.NextBytes(bytes);
        Diagnostic d = AssertSingle("NG0401", bytes);
        Assert.Contains("net.onnx' is not an ONNX model", d.GetMessage());
    }

    [Fact]
    public void TruncatedFile_ReportsNG0401_AtThePath()
    {
        byte[] model = Classifier();
        Diagnostic d = AssertSingle("NG0401", model.AsSpan(0, model.Length - 7).ToArray());
        Assert.Contains("not a well-formed ModelProto", d.GetMessage());
    }

    [Fact]
    public void EmptyFile_ReportsNG0401_AtThePath() => Assert.Contains("empty", AssertSingle("NG0401", []).GetMessage());

    [Fact]
    public void OpsetTooNew_ReportsNG0402_AtThePath()
    {
        Diagnostic d = AssertSingle("NG0402", Classifier(opset: 99));
        Assert.Contains("opset 99", d.GetMessage());
        Assert.Contains("opset_version=13", d.GetMessage());
    }

    [Fact]
    public void DecomposedLayerNorm_ReportsNG0403_WithNodeOperatorAndNearestForm()
    {
        Diagnostic d = AssertSingle("NG0403", Classifier(middle: Node("ReduceMean", ["h"], ["a"], [AttributeInts("axes", -1)])));
        Assert.Contains("node 'reducemean_a'", d.GetMessage());
        Assert.Contains("(ReduceMean)", d.GetMessage());
        Assert.Contains("opset_version=17", d.GetMessage());
    }

    [Fact]
    public void LayerNormalizationOverPartOfAnImage_ReportsNG0404()
    {
        byte[] model = ModelOf(
            [Node("LayerNormalization", ["input", "scale"], ["n"], [AttributeInt("axis", -1)]), Node("Flatten", ["n"], ["f"]),
                Node("Gemm", ["f", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
            [Tensor("scale", [3], Values(3)), Tensor("fc.weight", [3, 18], Values(54))], [Value("input", "batch", 2, 3, 3)], [Value("output", "batch", 3)], opset: 17);
        Assert.Contains("all of a sample's values", AssertSingle("NG0404", model).GetMessage());
    }

    [Fact]
    public void ErfOutsideTheGeluPattern_ReportsNG0403_NamingNnGelu()
    {
        Diagnostic d = AssertSingle("NG0403", Classifier(middle: Node("Erf", ["h"], ["a"])));
        Assert.Contains("nn.GELU()", d.GetMessage());
    }

    [Fact]
    public void GeluPattern_FusesIntoTheDense()
    {
        byte[] model = ModelOf(
        [
            Node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], [AttributeInt("transB", 1)]),
            Node("Div", ["h", "sqrt2"], ["d"]), Node("Erf", ["d"], ["e"]), Node("Add", ["e", "one"], ["p"]),
            Node("Mul", ["h", "p"], ["m"]), Node("Mul", ["m", "half"], ["a"]),
            Node("Gemm", ["a", "fc2.weight"], ["output"], [AttributeInt("transB", 1)]),
        ],
        [Tensor("fc1.weight", [8, 4], Values(32)), Tensor("fc1.bias", [8], Values(8)), Tensor("fc2.weight", [3, 8], Values(24)),
            Tensor("sqrt2", [], [1.4142135f]), Tensor("one", [], [1f]), Tensor("half", [], [0.5f])],
        [Value("input", "batch", 4)], [Value("output", "batch", 3)]);
        (string source, _) = Markup.Parse(Network);
        GeneratorRun run = OnnxHarness.Run(source, ("models/net.onnx", model));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticIds.MemoryFootprint, d.Id));
        Assert.Empty(run.OutputDiagnostics);
        Assert.Contains("| Fc1 GELU ", run.Source("Net.g.cs"));
    }

    [Fact]
    public void LstmOverAVector_ReportsNG0403_AskingForABatchFirstSequence()
    {
        Diagnostic d = AssertSingle("NG0403", Classifier(middle: Node("LSTM", ["h", "fc1.weight", "fc1.weight"], ["a"])));
        Assert.Contains("batch_first=True", d.GetMessage());
    }

    private static byte[] SequenceModel(byte[] recurrent, int gates) => ModelOf(
        [Node("Transpose", ["input"], ["x"], [AttributeInts("perm", 1, 0, 2)]), recurrent,
            Node("Squeeze", ["h"], ["last"], [AttributeInts("axes", 0)]), Node("Gemm", ["last", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
        [Tensor("W", [1, gates * 2, 3], Values(gates * 6)), Tensor("R", [1, gates * 2, 2], Values(gates * 4)), Tensor("fc.weight", [3, 2], Values(6))],
        [Value("input", "batch", 5, 3)], [Value("output", "batch", 3)], opset: 12);

    [Fact]
    public void ValidLstmSequenceModel_Compiles()
    {
        (string source, _) = Markup.Parse(Network);
        GeneratorRun run = OnnxHarness.Run(source, ("models/net.onnx", SequenceModel(Node("LSTM", ["x", "W", "R"], ["", "h"], [AttributeInt("hidden_size", 2)]), 4)));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticIds.MemoryFootprint, d.Id));
        Assert.Empty(run.OutputDiagnostics);
    }

    [Fact]
    public void BidirectionalLstm_ReportsNG0404_AskingForOneDirection()
    {
        byte[] model = SequenceModel(Node("LSTM", ["x", "W", "R"], ["", "h"], [AttributeInt("hidden_size", 2), AttributeString("direction", "bidirectional")]), 4);
        Assert.Contains("bidirectional=False", AssertSingle("NG0404", model).GetMessage());
    }

    [Fact]
    public void GruWithoutLinearBeforeReset_ReportsNG0404_NamingPyTorchsForm()
    {
        byte[] model = SequenceModel(Node("GRU", ["x", "W", "R"], ["", "h"], [AttributeInt("hidden_size", 2)]), 3);
        Assert.Contains("linear_before_reset = 1", AssertSingle("NG0404", model).GetMessage());
    }

    [Fact]
    public void CustomDomainOperator_ReportsNG0403()
    {
        Diagnostic d = AssertSingle("NG0403", Classifier(middle: Node("FusedGelu", ["h"], ["a"], domain: "com.microsoft")));
        Assert.Contains("com.microsoft", d.GetMessage());
    }

    [Fact]
    public void MulOfTwoTensors_ReportsNG0403_NamingWhatIsMapped()
    {
        Diagnostic d = AssertSingle("NG0403", Classifier(middle: Node("Mul", ["h", "h"], ["a"])));
        Assert.Contains("(Mul)", d.GetMessage());
        Assert.Contains("Add (residual joins) and Concat", d.GetMessage());
    }

    [Fact]
    public void GemmWithAlpha_ReportsNG0404_WithTheValueAndTheSupportedOne()
    {
        Diagnostic d = AssertSingle("NG0404", Classifier(firstAttributes: [AttributeInt("transB", 1), AttributeFloat("alpha", 2)]));
        Assert.Contains("alpha = 2", d.GetMessage());
        Assert.Contains("alpha = 1 and beta = 1", d.GetMessage());
    }

    [Fact]
    public void SoftmaxOverTheBatch_ReportsNG0404()
    {
        byte[] model = ModelOf(
            [Node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["logits"], [AttributeInt("transB", 1)]), Node("Softmax", ["logits"], ["output"], [AttributeInt("axis", 0)])],
            [Tensor("fc1.weight", [3, 4], Values(12)), Tensor("fc1.bias", [3], Values(3))], [Value("input", "batch", 4)], [Value("output", "batch", 3)]);
        Assert.Contains("axis = 0", AssertSingle("NG0404", model).GetMessage());
    }

    private static byte[] ConvModel(params byte[][] convAttributes) => ModelOf(
        [Node("Conv", ["input", "conv.weight"], ["c"], convAttributes), Node("Flatten", ["c"], ["f"], [AttributeInt("axis", 1)]),
            Node("Gemm", ["f", "fc.weight", "fc.bias"], ["output"], [AttributeInt("transB", 1)])],
        [Tensor("conv.weight", [2, 2, 3, 3], Values(36)), Tensor("fc.weight", [3, 72], Values(216)), Tensor("fc.bias", [3], Values(3))],
        [Value("input", "batch", 2, 6, 6)], [Value("output", "batch", 3)]);

    [Fact]
    public void GroupedConv_ReportsNG0404_NamingGroupOne()
    {
        Diagnostic d = AssertSingle("NG0404", ConvModel(AttributeInt("group", 2)));
        Assert.Contains("group = 2", d.GetMessage());
        Assert.Contains("group = 1", d.GetMessage());
    }

    [Fact]
    public void AsymmetricConvPadding_ReportsNG0404()
    {
        Diagnostic d = AssertSingle("NG0404", ConvModel(AttributeInts("pads", 0, 0, 1, 1)));
        Assert.Contains("pads = [0, 0, 1, 1]", d.GetMessage());
    }

    [Fact]
    public void ValidConvModel_Compiles()
    {
        (string source, _) = Markup.Parse(Network);
        GeneratorRun run = OnnxHarness.Run(source, ("models/net.onnx", ConvModel(AttributeInts("pads", 1, 1, 1, 1))));
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal(DiagnosticIds.MemoryFootprint, d.Id));
        Assert.Empty(run.OutputDiagnostics);
    }

    [Fact]
    public void MaxPoolCeilMode_ReportsNG0404()
    {
        byte[] model = ModelOf(
            [Node("MaxPool", ["input"], ["p"], [AttributeInts("kernel_shape", 2, 2), AttributeInts("strides", 2, 2), AttributeInt("ceil_mode", 1)]),
                Node("Flatten", ["p"], ["f"]), Node("Gemm", ["f", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
            [Tensor("fc.weight", [3, 18], Values(54))], [Value("input", "batch", 2, 6, 6)], [Value("output", "batch", 3)]);
        Assert.Contains("ceil_mode = 1", AssertSingle("NG0404", model).GetMessage());
    }

    [Fact]
    public void SymbolicFeatureDimension_ReportsNG0405()
    {
        Diagnostic d = AssertSingle("NG0405", Classifier(input: Value("input", "batch", "features")));
        Assert.Contains("'features'", d.GetMessage());
        Assert.Contains("dynamic_axes only on dimension 0", d.GetMessage());
    }

    [Fact]
    public void ReshapeToAComputedShape_ReportsNG0405_SuggestingFlatten()
    {
        Diagnostic d = AssertSingle("NG0405", Classifier(middle: Node("Reshape", ["h", "computed_shape"], ["a"])));
        Assert.Contains("torch.flatten(x, 1)", d.GetMessage());
    }

    [Fact]
    public void TwoGraphInputs_ReportsNG0406()
    {
        byte[] model = ModelOf([Node("Add", ["x", "y"], ["s"]), Node("Gemm", ["s", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
            [Tensor("fc.weight", [3, 4], Values(12))], [Value("x", "batch", 4), Value("y", "batch", 4)], [Value("output", "batch", 3)]);
        Assert.Contains("2 inputs", AssertSingle("NG0406", model).GetMessage());
    }

    [Fact]
    public void WeightThatDoesNotFitItsInput_ReportsNG0406_WithBothSizes()
    {
        byte[] model = ModelOf([Node("Gemm", ["input", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
            [Tensor("fc.weight", [3, 5], Values(15))], [Value("input", "batch", 4)], [Value("output", "batch", 3)]);
        Diagnostic d = AssertSingle("NG0406", model);
        Assert.Contains("holds 15 values", d.GetMessage());
        Assert.Contains("needs 12", d.GetMessage());
    }

    [Fact]
    public void InitializerInAnExternalFile_ReportsNG0406()
    {
        byte[] external = Concat(Int(1, 8), Int(1, 4), Int(2, 1), Str(8, "fc1.weight"), Int(14, 1));
        byte[] model = ModelOf(
            [Node("Gemm", ["input", "fc1.weight"], ["output"], [AttributeInt("transB", 1)])],
            [external], [Value("input", "batch", 4)], [Value("output", "batch", 8)]);
        Assert.Contains("external data file", AssertSingle("NG0406", model).GetMessage());
    }

    [Fact]
    public void OnnxModelWithLayerAttributes_ReportsNG0407_AtTheLayer() => AssertSingle("NG0407", Classifier(), """
        using NetGen;

        [Network(BatchSize = 4)]
        [OnnxModel("models/net.onnx")]
        [[|Dense(3)|]]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Net;
        """);

    [Fact]
    public void OnnxModelWithoutNetwork_ReportsNG0408_AtTheAttribute() => AssertSingle("NG0408", Classifier(), """
        using NetGen;

        [[|OnnxModel("models/net.onnx")|]]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Net;
        """);

    [Fact]
    public void WeightsTooLargeToEmbed_ReportsNG0409()
    {
        const int Inputs = 1600, Units = 1000;
        byte[] model = ModelOf([Node("Gemm", ["input", "fc.weight"], ["output"], [AttributeInt("transB", 1)])],
            [Tensor("fc.weight", [Units, Inputs], new float[Units * Inputs])], [Value("input", "batch", Inputs)], [Value("output", "batch", Units)]);
        Assert.Contains("1,600,000 parameters", AssertSingle("NG0409", model).GetMessage());
    }

    [Theory]
    [InlineData("models/net.onnx", "/repo/src/App/models/net.onnx")]
    [InlineData("models\\net.onnx", "/repo/src/App/models/net.onnx")]
    [InlineData("./models/net.onnx", "C:\\repo\\App\\models\\net.onnx")]
    [InlineData("net.onnx", "/repo/src/App/models/net.onnx")]
    [InlineData("/repo/src/App/models/net.onnx", "/repo/src/App/models/net.onnx")]
    public void PathInTheAttribute_MatchesTheEndOfAnAdditionalFilesPath(string declared, string listed) =>
        Assert.Equal(listed, NetGen.Generators.Onnx.OnnxPipeline.Find(declared, [new(listed, null, "unused")])?.Path);

    [Theory]
    [InlineData("models/net.onnx", "/repo/src/App/othermodels/net.onnx")]
    [InlineData("net.onnx", "/repo/src/App/models/subnet.onnx")]
    public void PathInTheAttribute_DoesNotMatchAnotherFileEndingTheSameWay(string declared, string listed) =>
        Assert.Null(NetGen.Generators.Onnx.OnnxPipeline.Find(declared, [new(listed, null, "unused")]));
}
