using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Generators.Model;

namespace NetGen.Generators.Onnx;

// The parts of an ONNX ModelProto the importer reads, as equatable records (onnx.proto3 field numbers in comments), so
// the incremental pipeline compares a re-read file by value and re-runs nothing when it has not changed.

/// <summary>A TensorProto: dims, element type, and its values as floats (float, double) or integers (int32, int64).</summary>
public sealed record OnnxTensor(string Name, int DataType, EquatableArray<long> Dims, EquatableArray<float> Floats, EquatableArray<long> Integers, bool External)
{
    public const int Float = 1, Int32 = 6, Int64 = 7, Double = 11;

    public long ElementCount => Dims.Aggregate(1L, (product, d) => product * d);
}

/// <summary>An AttributeProto: the one value its type holds.</summary>
public sealed record OnnxAttribute(string Name, int Type, double F, long I, string S, EquatableArray<double> Floats, EquatableArray<long> Ints, OnnxTensor? Tensor)
{
    public const int FloatType = 1, IntType = 2, StringType = 3, TensorType = 4, GraphType = 5, FloatsType = 6, IntsType = 7;
}

/// <summary>A NodeProto.</summary>
public sealed record OnnxNode(string Name, string OpType, string Domain, EquatableArray<string> Inputs, EquatableArray<string> Outputs,
    EquatableArray<OnnxAttribute> Attributes)
{
    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <summary>How messages name it: its name, or its first output when the exporter gave none.</summary>
    public string DisplayName => Name.Length > 0 ? Name : Outputs.Count > 0 ? Outputs[0] : OpType;
}

/// <summary>One dimension of a ValueInfoProto's shape: a number, or a symbolic name (dim_param), or unknown.</summary>
public sealed record OnnxDimension(long Value, string? Parameter)
{
    public bool IsFixed => Value > 0 && Parameter is null;
}

/// <summary>A ValueInfoProto of a tensor type: name, element type and shape (no shape: <c>Shape</c> is null).</summary>
public sealed record OnnxValue(string Name, int ElementType, EquatableArray<OnnxDimension>? Shape);

/// <summary>What the importer reads of a ModelProto: the default-domain opset, the graph's nodes, initializers, inputs and outputs.</summary>
public sealed record OnnxModel(long IrVersion, long Opset, EquatableArray<string> OtherDomains, EquatableArray<OnnxNode> Nodes,
    EquatableArray<OnnxTensor> Initializers, EquatableArray<OnnxValue> Inputs, EquatableArray<OnnxValue> Outputs);

/// <summary>Reads ModelProto bytes (hand-written, so the generator takes no protobuf dependency).</summary>
public static class OnnxFileReader
{
    /// <summary>The model, or the reason the bytes are not one (truncated, malformed, or no graph): never throws on any bytes.</summary>
    public static (OnnxModel? Model, string? Error) Read(byte[] bytes)
    {
        try
        {
            return ReadModel(bytes);
        }
        catch (OnnxFormatException exception)
        {
            return (null, exception.Message);
        }
        catch (Exception exception) when (exception is OverflowException or ArgumentException or IndexOutOfRangeException or OutOfMemoryException)
        {
            return (null, exception.GetType().Name);
        }
    }

    private static (OnnxModel? Model, string? Error) ReadModel(byte[] bytes)
    {
        var reader = new ProtoReader(bytes, 0, bytes.Length);
        long irVersion = 0;
        long opset = -1;
        var otherDomains = new List<string>();
        OnnxModel? graph = null;
        bool sawGraph = false;
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 0: irVersion = reader.ReadInt64(); break; // ir_version
                case 8 when wire == 2: // opset_import
                {
                    ProtoReader inner = reader.ReadMessage();
                    string domain = "";
                    long version = 0;
                    while (!inner.AtEnd)
                    {
                        (int f, int w) = inner.ReadKey();
                        if (f == 1 && w == 2) domain = inner.ReadString();
                        else if (f == 2 && w == 0) version = inner.ReadInt64();
                        else inner.Skip(w);
                    }

                    if (domain is "" or "ai.onnx") opset = version;
                    else otherDomains.Add(domain);
                    break;
                }
                case 7 when wire == 2: // graph
                    graph = ReadGraph(reader.ReadMessage());
                    sawGraph = true;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (!sawGraph || graph is null) return (null, "no graph (field 7 of ModelProto)");
        if (irVersion <= 0) return (null, "no IR version (field 1 of ModelProto)");
        return (graph with { IrVersion = irVersion, Opset = opset, OtherDomains = otherDomains.ToEquatableArray() }, null);
    }

    private static OnnxModel ReadGraph(ProtoReader reader)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        var inputs = new List<OnnxValue>();
        var outputs = new List<OnnxValue>();
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 2: nodes.Add(ReadNode(reader.ReadMessage())); break;
                case 5 when wire == 2: initializers.Add(ReadTensor(reader.ReadMessage())); break;
                case 11 when wire == 2: inputs.Add(ReadValue(reader.ReadMessage())); break;
                case 12 when wire == 2: outputs.Add(ReadValue(reader.ReadMessage())); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxModel(0, 0, EquatableArray<string>.Empty, nodes.ToEquatableArray(), initializers.ToEquatableArray(),
            inputs.ToEquatableArray(), outputs.ToEquatableArray());
    }

    private static OnnxNode ReadNode(ProtoReader reader)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<OnnxAttribute>();
        string name = "", opType = "", domain = "";
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 2: inputs.Add(reader.ReadString()); break;
                case 2 when wire == 2: outputs.Add(reader.ReadString()); break;
                case 3 when wire == 2: name = reader.ReadString(); break;
                case 4 when wire == 2: opType = reader.ReadString(); break;
                case 5 when wire == 2: attributes.Add(ReadAttribute(reader.ReadMessage())); break;
                case 7 when wire == 2: domain = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxNode(name, opType, domain, inputs.ToEquatableArray(), outputs.ToEquatableArray(), attributes.ToEquatableArray());
    }

    private static OnnxAttribute ReadAttribute(ProtoReader reader)
    {
        string name = "", s = "";
        int type = 0;
        double f = 0;
        long i = 0;
        var floats = new List<double>();
        var ints = new List<long>();
        OnnxTensor? tensor = null;
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 2: name = reader.ReadString(); break;
                case 2 when wire == 5: f = reader.ReadFixed32AsFloat(); break;
                case 3 when wire == 0: i = reader.ReadInt64(); break;
                case 4 when wire == 2: s = reader.ReadString(); break;
                case 5 when wire == 2: tensor = ReadTensor(reader.ReadMessage()); break;
                case 7 when wire == 5: floats.Add(reader.ReadFixed32AsFloat()); break;
                case 7 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) floats.Add(packed.ReadFixed32AsFloat());
                    break;
                }
                case 8 when wire == 0: ints.Add(reader.ReadInt64()); break;
                case 8 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) ints.Add(packed.ReadInt64());
                    break;
                }
                case 20 when wire == 0: type = (int)reader.ReadInt64(); break;
                default: reader.Skip(wire); break;
            }
        }

        return new OnnxAttribute(name, type, f, i, s, floats.ToEquatableArray(), ints.ToEquatableArray(), tensor);
    }

    private static OnnxTensor ReadTensor(ProtoReader reader)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var integers = new List<long>();
        string name = "";
        int dataType = 0;
        bool external = false;
        (int Start, int Length)? raw = null;
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            switch (field)
            {
                case 1 when wire == 0: dims.Add(reader.ReadInt64()); break;
                case 1 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) dims.Add(packed.ReadInt64());
                    break;
                }
                case 2 when wire == 0: dataType = (int)reader.ReadInt64(); break;
                case 4 when wire == 5: floats.Add(reader.ReadFixed32AsFloat()); break;
                case 4 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) floats.Add(packed.ReadFixed32AsFloat());
                    break;
                }
                case 5 or 7 when wire == 0: integers.Add(reader.ReadInt64()); break;
                case 5 or 7 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) integers.Add(packed.ReadInt64());
                    break;
                }
                case 8 when wire == 2: name = reader.ReadString(); break;
                case 9 when wire == 2: raw = reader.ReadBytes(); break;
                case 10 when wire == 1: floats.Add((float)reader.ReadFixed64AsDouble()); break;
                case 10 when wire == 2:
                {
                    ProtoReader packed = reader.ReadMessage();
                    while (!packed.AtEnd) floats.Add((float)packed.ReadFixed64AsDouble());
                    break;
                }
                case 13 when wire == 2: external = true; reader.Skip(wire); break; // external_data
                case 14 when wire == 0: external |= reader.ReadInt64() == 1; break; // data_location = EXTERNAL
                default: reader.Skip(wire); break;
            }
        }

        if (raw is { } r)
        {
            byte[] bytes = reader.Bytes;
            switch (dataType)
            {
                case OnnxTensor.Float:
                    if (r.Length % 4 != 0) throw new OnnxFormatException($"the float tensor '{name}' holds {r.Length} bytes, not a multiple of 4");
                    for (int k = 0; k < r.Length; k += 4) floats.Add(ProtoReader.ReadSingle(bytes, r.Start + k));
                    break;
                case OnnxTensor.Int64:
                    if (r.Length % 8 != 0) throw new OnnxFormatException($"the int64 tensor '{name}' holds {r.Length} bytes, not a multiple of 8");
                    for (int k = 0; k < r.Length; k += 8) integers.Add(BitConverter.ToInt64(bytes, r.Start + k));
                    break;
                case OnnxTensor.Int32:
                    if (r.Length % 4 != 0) throw new OnnxFormatException($"the int32 tensor '{name}' holds {r.Length} bytes, not a multiple of 4");
                    for (int k = 0; k < r.Length; k += 4) integers.Add(BitConverter.ToInt32(bytes, r.Start + k));
                    break;
                case OnnxTensor.Double:
                    if (r.Length % 8 != 0) throw new OnnxFormatException($"the double tensor '{name}' holds {r.Length} bytes, not a multiple of 8");
                    for (int k = 0; k < r.Length; k += 8) floats.Add((float)BitConverter.ToDouble(bytes, r.Start + k));
                    break;
            }
        }

        return new OnnxTensor(name, dataType, dims.ToEquatableArray(), floats.ToEquatableArray(), integers.ToEquatableArray(), external);
    }

    private static OnnxValue ReadValue(ProtoReader reader)
    {
        string name = "";
        int elementType = 0;
        List<OnnxDimension>? shape = null;
        while (!reader.AtEnd)
        {
            (int field, int wire) = reader.ReadKey();
            if (field == 1 && wire == 2) name = reader.ReadString();
            else if (field == 2 && wire == 2)
            {
                ProtoReader type = reader.ReadMessage(); // TypeProto
                while (!type.AtEnd)
                {
                    (int f, int w) = type.ReadKey();
                    if (f != 1 || w != 2) { type.Skip(w); continue; }
                    ProtoReader tensor = type.ReadMessage(); // TypeProto.Tensor
                    while (!tensor.AtEnd)
                    {
                        (int tf, int tw) = tensor.ReadKey();
                        if (tf == 1 && tw == 0) elementType = (int)tensor.ReadInt64();
                        else if (tf == 2 && tw == 2)
                        {
                            shape = new List<OnnxDimension>();
                            ProtoReader dims = tensor.ReadMessage(); // TensorShapeProto
                            while (!dims.AtEnd)
                            {
                                (int df, int dw) = dims.ReadKey();
                                if (df != 1 || dw != 2) { dims.Skip(dw); continue; }
                                ProtoReader dim = dims.ReadMessage();
                                long value = 0;
                                string? parameter = null;
                                while (!dim.AtEnd)
                                {
                                    (int xf, int xw) = dim.ReadKey();
                                    if (xf == 1 && xw == 0) value = dim.ReadInt64();
                                    else if (xf == 2 && xw == 2) parameter = dim.ReadString();
                                    else dim.Skip(xw);
                                }

                                shape.Add(new OnnxDimension(value, parameter));
                            }
                        }
                        else tensor.Skip(tw);
                    }
                }
            }
            else reader.Skip(wire);
        }

        return new OnnxValue(name, elementType, shape?.ToEquatableArray());
    }
}
