using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NetGen.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors), so NetGen's
/// weights open in Python's <c>safetensors.torch.load_file</c> and PyTorch, and PyTorch's load here.
/// </summary>
/// <remarks>
/// The layout, byte for byte:
/// <code>
/// [8 bytes]  N, the header length, unsigned 64-bit little-endian
/// [N bytes]  UTF-8 JSON: {"__metadata__": {"key": "value", ...},
///                         "dense1.weight": {"dtype": "F32", "shape": [256, 784], "data_offsets": [begin, end]}, ...}
///            padded with spaces so that 8 + N is a multiple of 8 (the data then starts aligned)
/// [rest]     the tensors' raw little-endian bytes; data_offsets count from the start of this part,
///            and the tensors tile it exactly, with no gap and no overlap
/// </code>
/// NetGen writes <c>__metadata__</c> first and the tensors in the order given, back to back; it writes
/// only F32 and reads only F32 (any other dtype is named in the error). Writes go to a temporary file in
/// the same folder that is then renamed over the target, so a crash or a full disk never leaves a half file.
/// Reads check the whole header against the file's length before any data is copied, so a truncated
/// or corrupt file fails with an <see cref="InvalidDataException"/> that names the file and what is wrong,
/// and a failed load leaves the destination untouched.
/// </remarks>
public static class Safetensors
{
    /// <summary>The header key that holds the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header the reference implementation accepts (100 MB); a larger length means a corrupt file.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string Float32 = "F32";

    // Python's json and serde_json both read these; the default encoder would also escape '+', '<', '&'...
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <paramref name="tensors"/> (F32, in the order given) and <paramref name="metadata"/> to
    /// <paramref name="path"/>, through a temporary file in the same folder that replaces the target
    /// only once it is completely written and flushed.
    /// </summary>
    /// <param name="path">The file to write; an existing file is replaced.</param>
    /// <param name="tensors">Each tensor's unique name, shape (row-major, every dimension zero or more) and data (as many floats as the shape holds).</param>
    /// <param name="metadata">Optional string pairs stored under <c>__metadata__</c>, for example <c>{"format": "pt"}</c>.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>, or a shape does not match its data's length.</exception>
    public static void Save(string path, IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, tensors, metadata, wrapStream: null);

    // wrapStream lets a test put a failing stream between the writer and the temporary file.
    internal static void Save(string path, IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors,
        IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream>? wrapStream)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);

        AtomicFile.Write(path, file =>
        {
            Stream stream = wrapStream?.Invoke(file) ?? file;
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            for (int i = 0; i < tensors.Count; i++)
            {
                WriteLittleEndian(stream, tensors[i].Data.Span);
            }

            stream.Flush();
        });
    }

    /// <summary>Reads every tensor and the metadata of a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt, or holds a dtype other than F32; the message names the file and the tensor.</exception>
    public static SafetensorsFile Load(string path)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        var tensors = new List<SafetensorsTensor>(reader.Tensors.Count);
        foreach (SafetensorsTensorInfo info in reader.Tensors)
        {
            float[] data = new float[info.ElementCount];
            reader.Read(info.Name, data, info.Shape);
            tensors.Add(new SafetensorsTensor(info.Name, info.Shape, data));
        }

        return new SafetensorsFile(reader.Path, tensors, reader.Metadata);
    }

    /// <summary>
    /// Reads the tensor <paramref name="name"/> into <paramref name="destination"/> after checking that
    /// its dtype is F32 and its shape is <paramref name="expectedShape"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is missing, has another shape (both shapes are named) or dtype, or the file is truncated or corrupt.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold exactly the elements of <paramref name="expectedShape"/>.</exception>
    public static void LoadInto(string path, string name, Span<float> destination, int[] expectedShape)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        reader.Read(name, destination, expectedShape);
    }

    /// <summary>A shape as the error messages and PyTorch write it: <c>[256, 784]</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }

    /// <summary>The number of elements a shape holds (1 for a scalar, shape []).</summary>
    /// <exception cref="ArgumentException">A dimension is negative, or the product does not fit in an <see cref="int"/>.</exception>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0) throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension at index {i}.", nameof(shape));
            count *= shape[i];
            if (count > Array.MaxLength) throw new ArgumentException($"shape {FormatShape(shape)} holds more elements than an array can ({Array.MaxLength}).", nameof(shape));
        }

        return (int)count;
    }

    private static byte[] BuildHeader(IReadOnlyList<(string Name, int[] Shape, ReadOnlyMemory<float> Data)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata)
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            for (int i = 0; i < tensors.Count; i++)
            {
                (string name, int[] shape, ReadOnlyMemory<float> data) = tensors[i];
                if (string.IsNullOrEmpty(name)) throw new ArgumentException($"tensors[{i}] has no name.", nameof(tensors));
                if (name == MetadataKey) throw new ArgumentException($"tensors[{i}] is named '{MetadataKey}', which the format reserves for metadata.", nameof(tensors));
                if (!names.Add(name)) throw new ArgumentException($"tensors[{i}]: the name '{name}' is used twice.", nameof(tensors));
                ArgumentNullException.ThrowIfNull(shape, $"tensors[{i}].Shape");
                int count = ElementCount(shape);
                if (count != data.Length)
                {
                    throw new ArgumentException(
                        $"tensor '{name}': shape {FormatShape(shape)} holds {count} floats, but its data has {data.Length}.", nameof(tensors));
                }

                json.WriteStartObject(name);
                json.WriteString("dtype", Float32);
                json.WriteStartArray("shape");
                foreach (int dimension in shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += (long)count * sizeof(float);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the data that follows the 8-byte length and the header starts 8-byte aligned.
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void WriteLittleEndian(Stream stream, ReadOnlySpan<float> data)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(data));
            return;
        }

        Span<byte> chunk = stackalloc byte[4096];
        while (!data.IsEmpty)
        {
            int count = Math.Min(data.Length, chunk.Length / sizeof(float));
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(chunk.Slice(i * sizeof(float)), data[i]);
            }

            stream.Write(chunk.Slice(0, count * sizeof(float)));
            data = data.Slice(count);
        }
    }
}

/// <summary>One tensor read from a safetensors file.</summary>
/// <param name="Name">Its name, for example <c>dense1.weight</c>.</param>
/// <param name="Shape">Its shape, row-major.</param>
/// <param name="Data">Its values, row-major.</param>
public sealed record SafetensorsTensor(string Name, int[] Shape, float[] Data);

/// <summary>What <see cref="Safetensors.Load"/> read.</summary>
/// <param name="Path">The full path of the file.</param>
/// <param name="Tensors">The tensors, in the order of their data in the file.</param>
/// <param name="Metadata">The <c>__metadata__</c> pairs (empty when the file has none).</param>
public sealed record SafetensorsFile(string Path, IReadOnlyList<SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor; the message lists the names it has.</exception>
    public SafetensorsTensor this[string name] =>
        Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"file {Path}: no tensor '{name}'; it has {string.Join(", ", Tensors.Select(t => "'" + t.Name + "'"))}.");
}
