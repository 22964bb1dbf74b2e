using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace NetGen.Checkpoints;

/// <summary>Where one tensor sits in a safetensors file, as its header describes it.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Dtype">The element type as the format names it: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>...</param>
/// <param name="Shape">The shape, row-major.</param>
/// <param name="Begin">The first byte of its data, counted from the start of the data part (after the header).</param>
/// <param name="End">One past its last byte, counted the same way.</param>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, int[] Shape, long Begin, long End)
{
    /// <summary>The number of elements the shape holds.</summary>
    public int ElementCount => Safetensors.ElementCount(Shape);
}

/// <summary>
/// An open safetensors file whose header has been read and checked against the file's length: every
/// tensor's dtype, shape and offsets are consistent and the tensors tile the data part exactly. Reads
/// one tensor at a time into a caller's span, so a checkpoint loads straight into a network's flat buffers.
/// </summary>
public sealed class SafetensorsReader : IDisposable
{
    private readonly FileStream _file;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsReader(FileStream file, string path, long dataStart, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        _file = file;
        Path = path;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach (SafetensorsTensorInfo tensor in tensors) _byName[tensor.Name] = tensor;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file, in the order of their data.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> pairs (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and checks its header.</summary>
    /// <exception cref="InvalidDataException">The file is too short, truncated, or its header is not a valid safetensors header; the message names the file.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        var file = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            long length = file.Length;
            if (length < 8)
            {
                throw new InvalidDataException($"file {fullPath} is {length} bytes: too short for a safetensors file, which starts with an 8-byte header length.");
            }

            Span<byte> lengthBytes = stackalloc byte[8];
            file.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > Safetensors.MaxHeaderLength)
            {
                throw new InvalidDataException(
                    $"file {fullPath} is not a safetensors file or is corrupt: its first 8 bytes give a header length of {headerLength} bytes (at most {Safetensors.MaxHeaderLength} is valid).");
            }

            if (8 + (long)headerLength > length)
            {
                throw new InvalidDataException(
                    $"file {fullPath} is truncated: its header should be {headerLength} bytes, but only {length - 8} bytes follow the length field.");
            }

            byte[] header = new byte[headerLength];
            file.ReadExactly(header);
            long dataLength = length - 8 - (long)headerLength;
            (List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata) = ParseHeader(fullPath, header, dataLength);
            return new SafetensorsReader(file, fullPath, 8 + (long)headerLength, tensors, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>True when the file has a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of the tensor <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The file has no such tensor; the message lists the names it has.</exception>
    public SafetensorsTensorInfo this[string name] =>
        _byName.TryGetValue(name, out SafetensorsTensorInfo? info)
            ? info
            : throw new InvalidDataException($"file {Path}: no tensor '{name}'; it has {Names()}.");

    /// <summary>
    /// Checks that the tensor <paramref name="name"/> is F32 with shape <paramref name="expectedShape"/>,
    /// then reads it into <paramref name="destination"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">No such tensor, another dtype, or another shape (both shapes are named).</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/>'s length is not the element count of <paramref name="expectedShape"/>.</exception>
    public void Read(string name, Span<float> destination, ReadOnlySpan<int> expectedShape)
    {
        SafetensorsTensorInfo info = Check(name, expectedShape);
        int count = info.ElementCount;
        if (destination.Length != count)
        {
            throw new ArgumentException(
                $"destination holds {destination.Length} floats, but tensor '{name}' of shape {Safetensors.FormatShape(expectedShape)} has {count}.", nameof(destination));
        }

        _file.Position = _dataStart + info.Begin;
        _file.ReadExactly(MemoryMarshal.AsBytes(destination));
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(destination);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }

    /// <summary>
    /// Checks, without reading data, that the tensor <paramref name="name"/> exists, is F32 and has
    /// shape <paramref name="expectedShape"/>; returns its header entry. Lets a loader check every
    /// tensor before it changes any of its buffers.
    /// </summary>
    /// <exception cref="InvalidDataException">No such tensor, another dtype, or another shape (both shapes are named).</exception>
    public SafetensorsTensorInfo Check(string name, ReadOnlySpan<int> expectedShape)
    {
        SafetensorsTensorInfo info = this[name];
        if (info.Dtype != "F32")
        {
            throw new InvalidDataException(
                $"file {Path}: tensor '{name}' is {info.Dtype}, but NetGen reads F32 only (in PyTorch, save tensor.float()).");
        }

        if (!expectedShape.SequenceEqual(info.Shape))
        {
            throw new InvalidDataException(
                $"file {Path}: tensor '{name}' has shape {Safetensors.FormatShape(info.Shape)}, but {Safetensors.FormatShape(expectedShape)} is expected.");
        }

        return info;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private string Names() =>
        Tensors.Count == 0 ? "no tensors" : string.Join(", ", Tensors.Select(t => "'" + t.Name + "'"));

    private static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(string path, byte[] header, long dataLength)
    {
        // JsonDocument checks the structure but leaves strings as bytes: a name that is not UTF-8 would only fail
        // later, in GetString, with an InvalidOperationException that names nothing.
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            int valid = ValidUtf8Prefix(header);
            throw new InvalidDataException($"file {path} is corrupt: its header is not valid UTF-8 (byte {8 + valid} of the file).");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"file {path} is corrupt: its header is not valid JSON ({exception.Message}).", exception);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"file {path} is corrupt: its header is a JSON {document.RootElement.ValueKind}, not an object.");
            }

            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                // JSON allows a key twice and the later would win silently; Save never writes one twice.
                if (!names.Add(property.Name))
                {
                    throw new InvalidDataException(property.Name == Safetensors.MetadataKey
                        ? $"file {path} is corrupt: its header has '{Safetensors.MetadataKey}' twice."
                        : $"file {path} is corrupt: tensor '{property.Name}' appears twice in its header.");
                }

                if (property.Name == Safetensors.MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadTensor(path, property.Name, property.Value));
                }
            }

            // The tensors must tile the data part: sorted by offset, each starts where the previous ends,
            // the first at 0 and the last at the end of the file.
            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expectedBegin = 0;
            foreach (SafetensorsTensorInfo tensor in tensors)
            {
                if (tensor.Begin != expectedBegin)
                {
                    throw new InvalidDataException(
                        $"file {path} is corrupt: tensor '{tensor.Name}' starts at byte {tensor.Begin} of the data, but the tensors before it end at byte {expectedBegin} (tensors must not overlap or leave gaps).");
                }

                expectedBegin = tensor.End;
            }

            if (expectedBegin > dataLength)
            {
                throw new InvalidDataException(
                    $"file {path} is truncated: its header describes {expectedBegin} bytes of tensor data, but only {dataLength} bytes follow the header.");
            }

            if (expectedBegin < dataLength)
            {
                throw new InvalidDataException(
                    $"file {path} is corrupt: its header describes {expectedBegin} bytes of tensor data, but {dataLength} bytes follow the header.");
            }

            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"file {path} is corrupt: '{Safetensors.MetadataKey}' is a JSON {value.ValueKind}, not an object of strings.");
        }

        foreach (JsonProperty pair in value.EnumerateObject())
        {
            if (pair.Value.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"file {path} is corrupt: metadata '{pair.Name}' is a JSON {pair.Value.ValueKind}, not a string.");
            }

            metadata[pair.Name] = pair.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement value)
    {
        string Corrupt(string what) => $"file {path} is corrupt: tensor '{name}' {what}.";

        if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException(Corrupt($"is a JSON {value.ValueKind}, not an object"));
        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException(Corrupt("has no \"dtype\" string"));
        }

        string dtype = dtypeElement.GetString()!;
        int elementSize = ElementSize(dtype);
        if (elementSize == 0) throw new InvalidDataException(Corrupt($"has the unknown dtype \"{dtype}\""));

        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException(Corrupt("has no \"shape\" array"));
        }

        int[] shape = new int[shapeElement.GetArrayLength()];
        int index = 0;
        foreach (JsonElement dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int size) || size < 0)
            {
                throw new InvalidDataException(Corrupt($"has an invalid shape dimension {dimension.GetRawText()} at index {index}"));
            }

            shape[index++] = size;
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw new InvalidDataException(Corrupt("has no valid \"data_offsets\" [begin, end] with 0 <= begin <= end"));
        }

        long elements = 1;
        foreach (int size in shape)
        {
            elements *= size;
            if (elements > Array.MaxLength) throw new InvalidDataException(Corrupt($"has shape {Safetensors.FormatShape(shape)}, too large to load"));
        }

        if (end - begin != elements * elementSize)
        {
            throw new InvalidDataException(Corrupt(
                $"has shape {Safetensors.FormatShape(shape)} of {dtype} ({elements * elementSize} bytes), but its data_offsets [{begin}, {end}] span {end - begin} bytes"));
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    // Where the first invalid UTF-8 sequence starts (only called once the header is known to hold one).
    private static int ValidUtf8Prefix(ReadOnlySpan<byte> bytes)
    {
        char[] characters = new char[bytes.Length];
        System.Text.Unicode.Utf8.ToUtf16(bytes, characters, out int read, out _, replaceInvalidSequences: false);
        return read;
    }

    // Bytes per element of the format's dtypes; 0 for an unknown one.
    private static int ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "F64" or "I64" or "U64" => 8,
        _ => 0,
    };
}
