using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using NetGen.Generators.Tests.Infrastructure;

namespace NetGen.Generators.Tests.Onnx;

/// <summary>
/// Writes small ONNX ModelProtos in the protobuf wire format (field numbers from onnx.proto3), so each diagnostic test
/// builds exactly the construct it checks without Python. <see cref="Classifier"/> is a valid two-layer model that the
/// tests vary one node or attribute at a time.
/// </summary>
internal static class OnnxBytes
{
    private static void Varint(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
    }

    private static byte[] Key(int field, int wire)
    {
        var bytes = new List<byte>();
        Varint(bytes, (ulong)(field << 3 | wire));
        return bytes.ToArray();
    }

    public static byte[] Int(int field, long value)
    {
        var bytes = new List<byte>(Key(field, 0));
        Varint(bytes, unchecked((ulong)value));
        return bytes.ToArray();
    }

    public static byte[] Bytes(int field, byte[] payload)
    {
        var bytes = new List<byte>(Key(field, 2));
        Varint(bytes, (ulong)payload.Length);
        bytes.AddRange(payload);
        return bytes.ToArray();
    }

    public static byte[] Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public static byte[] Float(int field, float value) => [.. Key(field, 5), .. BitConverter.GetBytes(value)];

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A float TensorProto in raw_data: dims (1), data_type (2) = 1, name (8), raw_data (9).</summary>
    public static byte[] Tensor(string name, long[] dims, float[] values) =>
        Concat([.. dims.Select(d => Int(1, d)), Int(2, 1), Str(8, name), Bytes(9, values.SelectMany(BitConverter.GetBytes).ToArray())]);

    /// <summary>An int64 TensorProto (int64_data, field 7).</summary>
    public static byte[] Int64Tensor(string name, long[] values) =>
        Concat([Int(1, values.Length), Int(2, 7), Str(8, name), .. values.Select(v => Int(7, v))]);

    public static byte[] AttributeInt(string name, long value) => Concat(Str(1, name), Int(3, value), Int(20, 2));

    public static byte[] AttributeFloat(string name, float value) => Concat(Str(1, name), Float(2, value), Int(20, 1));

    public static byte[] AttributeString(string name, string value) => Concat(Str(1, name), Str(4, value), Int(20, 3));

    public static byte[] AttributeInts(string name, params long[] values) => Concat([Str(1, name), .. values.Select(v => Int(8, v)), Int(20, 7)]);

    public static byte[] AttributeTensor(string name, byte[] tensor) => Concat(Str(1, name), Bytes(5, tensor), Int(20, 4));

    /// <summary>A NodeProto: inputs (1), outputs (2), name (3), op_type (4), attributes (5), domain (7).</summary>
    public static byte[] Node(string op, string[] inputs, string[] outputs, byte[][]? attributes = null, string? domain = null) =>
        Concat([.. inputs.Select(i => Str(1, i)), .. outputs.Select(o => Str(2, o)), Str(3, op.ToLowerInvariant() + "_" + outputs[0]), Str(4, op),
            .. (attributes ?? []).Select(a => Bytes(5, a)), .. domain is null ? Array.Empty<byte[]>() : [Str(7, domain)]]);

    /// <summary>A float tensor ValueInfoProto; each dimension a number (dim_value) or a string (dim_param).</summary>
    public static byte[] Value(string name, params object[] dims)
    {
        byte[] shape = Concat(dims.Select(d => Bytes(1, d is string p ? Str(2, p) : Int(1, Convert.ToInt64(d)))).ToArray());
        byte[] tensorType = Concat(Int(1, 1), Bytes(2, shape));
        return Concat(Str(1, name), Bytes(2, Bytes(1, tensorType)));
    }

    /// <summary>A ModelProto: ir_version (1), opset_import (8), graph (7) of nodes (1), initializers (5), inputs (11) and outputs (12).</summary>
    public static byte[] ModelOf(byte[][] nodes, byte[][] initializers, byte[][] inputs, byte[][] outputs, long opset = 13, string? extraDomain = null)
    {
        byte[] graph = Concat([.. nodes.Select(n => Bytes(1, n)), Str(2, "test"), .. initializers.Select(t => Bytes(5, t)),
            .. inputs.Select(i => Bytes(11, i)), .. outputs.Select(o => Bytes(12, o))]);
        return Concat([Int(1, 8), Bytes(8, Concat(Str(1, ""), Int(2, opset))), .. extraDomain is null ? Array.Empty<byte[]>() : [Bytes(8, Concat(Str(1, extraDomain), Int(2, 1)))],
            Bytes(7, graph)]);
    }

    public static float[] Values(int count, float scale = 0.1f) => Enumerable.Range(0, count).Select(i => (i % 7 - 3) * scale).ToArray();

    /// <summary>
    /// input [N, 4] -> Gemm (fc1: 4 -> 8) -> <paramref name="middle"/> (Relu by default) -> Gemm (fc2: 8 -> 3) -> Softmax -> output.
    /// The middle node reads "h" and writes "a".
    /// </summary>
    public static byte[] Classifier(byte[]? middle = null, long opset = 13, byte[][]? extraInitializers = null, byte[]? input = null, byte[][]? firstAttributes = null)
    {
        byte[][] nodes =
        [
            Node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], firstAttributes ?? [AttributeInt("transB", 1)]),
            middle ?? Node("Relu", ["h"], ["a"]),
            Node("Gemm", ["a", "fc2.weight", "fc2.bias"], ["logits"], [AttributeInt("transB", 1)]),
            Node("Softmax", ["logits"], ["output"], [AttributeInt("axis", 1)]),
        ];
        byte[][] initializers =
        [
            Tensor("fc1.weight", [8, 4], Values(32)), Tensor("fc1.bias", [8], Values(8)),
            Tensor("fc2.weight", [3, 8], Values(24)), Tensor("fc2.bias", [3], Values(3)),
            .. extraInitializers ?? [],
        ];
        return ModelOf(nodes, initializers, [input ?? Value("input", "batch", 4)], [Value("output", "batch", 3)], opset);
    }
}

/// <summary>An AdditionalFiles item held in memory, decoded as Latin-1 as a compiler decodes a file that is not UTF-8 (no file behind its path).</summary>
internal sealed class InMemoryAdditionalText(string path, byte[] bytes) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(Encoding.Latin1.GetString(bytes), Encoding.Latin1);
}

/// <summary>Runs the generator with .onnx AdditionalFiles beside the sources.</summary>
internal static class OnnxHarness
{
    public const string ProjectFolder = "/nonexistent-project/";

    public static GeneratorDriver CreateDriver(params (string Path, byte[] Bytes)[] files) =>
        GeneratorHarness.CreateDriver().AddAdditionalTexts(files.Select(f => (AdditionalText)new InMemoryAdditionalText(ProjectFolder + f.Path, f.Bytes)).ToImmutableArray());

    public static GeneratorRun Run(string source, params (string Path, byte[] Bytes)[] files)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        GeneratorDriver driver = CreateDriver(files).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult single = driver.GetRunResult().Results.Single();
        Assert.Null(single.Exception);
        return new GeneratorRun(compilation, output, driver, single.Diagnostics, single.GeneratedSources);
    }
}
