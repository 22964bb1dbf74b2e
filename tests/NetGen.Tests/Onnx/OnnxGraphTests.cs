using NetGen.Onnx;
using NetGen.Tests.Data;

namespace NetGen.Tests.Onnx;

/// <summary>The protobuf writer's bytes against the wire format's specification, and the exporter's refusals.</summary>
public sealed class OnnxGraphTests
{
    [Fact]
    public void ProtoWriter_EncodesVarintsFloatsStringsAndPackedInts_AsTheWireFormatSpecifies()
    {
        // https://protobuf.dev/programming-guides/encoding/: 150 in field 1 is 08 96 01; 300 is AC 02;
        // a negative int64 takes ten bytes; a float is wire type 5, four bytes little-endian.
        var writer = new ProtoWriter();
        writer.WriteInt64(1, 150);
        writer.WriteInt64(2, 300);
        writer.WriteInt64(3, -1);
        writer.WriteFloat(2, 1f);
        writer.WriteString(8, "ab");
        writer.WritePackedInt64(1, [3, 270]);
        byte[] expected =
        [
            0x08, 0x96, 0x01,
            0x10, 0xAC, 0x02,
            0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
            0x15, 0x00, 0x00, 0x80, 0x3F,
            0x42, 0x02, (byte)'a', (byte)'b',
            0x0A, 0x03, 0x03, 0x8E, 0x02,
        ];
        Assert.Equal(expected, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void ProtoWriter_WritesFloatsAsLittleEndianRawBytes()
    {
        var writer = new ProtoWriter();
        writer.WriteFloatsAsBytes(9, [1f, -2f]);
        Assert.Equal(new byte[] { 0x4A, 0x08, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void LayerWithoutOnnxMapping_ThrowsNamingTheLayer_AndWritesNoFile()
    {
        var network = new OnnxNetwork("Odd", [4], [4], tokenInput: false, parameterCount: 0, statisticsCount: 0, OnnxOutput.Identity,
            [new OnnxActivationLayer("activation1", Activation.ReLU, 0f), new OnnxUnsupported("mystery2", "a test layer")]);
        using var folder = new TemporaryFolder();
        string path = folder.File("odd.onnx");
        File.WriteAllText(path, "kept");

        var error = Assert.Throws<NotSupportedException>(() => network.Export(path, ReadOnlyMemory<float>.Empty, ReadOnlyMemory<float>.Empty));
        Assert.Contains("mystery2", error.Message);
        Assert.Equal("kept", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.FullPath));
    }

    [Fact]
    public void ParameterBufferOfTheWrongLength_IsRefusedWithBothLengths()
    {
        var network = new OnnxNetwork("Small", [3], [2], tokenInput: false, parameterCount: 8, statisticsCount: 0, OnnxOutput.Softmax,
            [new OnnxDense("dense1", 3, 2, steps: 0, 0, 6, Activation.Identity, 0f)]);
        var error = Assert.Throws<ArgumentException>(() => network.ToBytes(new float[7], ReadOnlyMemory<float>.Empty));
        Assert.Contains("7", error.Message);
        Assert.Contains("8", error.Message);
    }

    [Fact]
    public void Lstm_GateBlocksArePermutedFromPyTorchOrderToOnnxOrder()
    {
        // hidden 1, inputs 1: W_ih rows are the gate blocks i, f, g, o = 1, 2, 3, 4; ONNX wants i, o, f, c = 1, 4, 2, 3.
        float[] parameters = [1, 2, 3, 4, 0, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70, 80];
        var network = new OnnxNetwork("Cell", [2, 1], [1], tokenInput: false, parameterCount: parameters.Length, statisticsCount: 0, OnnxOutput.Identity,
            [new OnnxRecurrent("lstm1", OnnxCell.Lstm, inputs: 1, hidden: 1, weightIhOffset: 0, weightHhOffset: 4, biasOffset: 8, returnSequences: false)]);
        OnnxGraph graph = network.Build(parameters, ReadOnlyMemory<float>.Empty);
        Assert.Equal(new[] { "Transpose", "LSTM", "Squeeze", "Identity" }, graph.OperatorTypes);
        Assert.Equal(new float[] { 1, 4, 2, 3 }, graph.InitializerValues("lstm1.W"));
        Assert.Equal(new float[] { 10, 40, 20, 30, 50, 80, 60, 70 }, graph.InitializerValues("lstm1.B"));
    }

    [Fact]
    public void Gru_GateBlocksArePermutedFromPyTorchOrderToOnnxOrder()
    {
        // PyTorch r, z, n = 1, 2, 3; ONNX z, r, h = 2, 1, 3.
        float[] parameters = [1, 2, 3, 0, 0, 0, 10, 20, 30, 40, 50, 60];
        var network = new OnnxNetwork("Cell", [2, 1], [2, 1], tokenInput: false, parameterCount: parameters.Length, statisticsCount: 0, OnnxOutput.Identity,
            [new OnnxRecurrent("gru1", OnnxCell.Gru, inputs: 1, hidden: 1, weightIhOffset: 0, weightHhOffset: 3, biasOffset: 6, returnSequences: true)]);
        OnnxGraph graph = network.Build(parameters, ReadOnlyMemory<float>.Empty);
        Assert.Equal(new float[] { 2, 1, 3 }, graph.InitializerValues("gru1.W"));
        Assert.Equal(new float[] { 20, 10, 30, 50, 40, 60 }, graph.InitializerValues("gru1.B"));
    }
}
