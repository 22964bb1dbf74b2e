using System.Buffers.Binary;
using System.Text;
using NetGen.Checkpoints;
using NetGen.Tests.Data;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// The safetensors writer produces the specification's bytes exactly, the reader reads what the
/// reference implementation may write (any key order, padding), and every way a file can be wrong
/// gives an error that names the file and the problem, without touching the destination.
/// </summary>
public sealed class SafetensorsTests
{
    private static readonly Dictionary<string, string> Format = new() { ["format"] = "pt" };

    /// <summary>8-byte little-endian length, the header text, then the data bytes: the specification, by hand.</summary>
    private static byte[] FileBytes(string header, params byte[] data)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        byte[] bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        return bytes;
    }

    [Fact]
    public void Save_WritesExactlyTheSpecificationsBytes()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("small.safetensors");
        Safetensors.Save(path, [("w", [2, 1], new float[] { 1f, -2f }), ("b", [1], new float[] { 0.5f })], Format);

        // The header JSON is 141 bytes; 3 spaces pad it to 144, a multiple of 8, so the data starts at byte 8 + 144 = 152.
        const string Json = """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        Assert.Equal(141, Json.Length);
        byte[] expected = FileBytes(Json + "   ",
            0x00, 0x00, 0x80, 0x3F,   // 1.0f   = 0x3F800000, little-endian
            0x00, 0x00, 0x00, 0xC0,   // -2.0f  = 0xC0000000
            0x00, 0x00, 0x00, 0x3F);  // 0.5f   = 0x3F000000
        Assert.Equal(144UL, BinaryPrimitives.ReadUInt64LittleEndian(expected));
        Assert.Equal(expected, File.ReadAllBytes(path));
    }

    [Fact]
    public void Save_WithoutMetadata_WritesNoMetadataKey_AndPadsTheHeader()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("x.safetensors");
        Safetensors.Save(path, [("x", [], new float[] { 3f })]);

        const string Json = """{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""";   // 53 bytes, padded to 56
        Assert.Equal(FileBytes(Json + "   ", 0x00, 0x00, 0x40, 0x40), File.ReadAllBytes(path));
    }

    [Fact]
    public void SaveThenLoad_RoundTripsAwkwardShapesAndMetadata()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("round.safetensors");
        var rng = new Random(7);
        float[] big = Enumerable.Range(0, 17 * 3).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\" + <tags>" };
        Safetensors.Save(path,
        [
            ("layer.weight", [17, 3], big),
            ("scalar", [], new float[] { float.MaxValue }),
            ("empty", [0, 3], ReadOnlyMemory<float>.Empty),
            ("special", [4], new float[] { float.NaN, float.NegativeInfinity, -0f, float.Epsilon }),
        ], metadata);

        SafetensorsFile file = Safetensors.Load(path);
        Assert.Equal(["layer.weight", "scalar", "empty", "special"], file.Tensors.Select(t => t.Name));
        Assert.Equal(big, file["layer.weight"].Data);
        Assert.Equal([17, 3], file["layer.weight"].Shape);
        Assert.Equal(float.MaxValue, Assert.Single(file["scalar"].Data));
        Assert.Empty(file["empty"].Data);
        Assert.Equal([0, 3], file["empty"].Shape);
        // Bit-exact, NaN and negative zero included.
        Assert.Equal(new float[] { float.NaN, float.NegativeInfinity, -0f, float.Epsilon }.Select(BitConverter.SingleToInt32Bits),
            file["special"].Data.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(0, (8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path))) % 8);
    }

    [Fact]
    public void Save_FailingMidWrite_LeavesTheExistingFileUntouched_AndNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("model.safetensors");
        Safetensors.Save(path, [("w", [3], new float[] { 1, 2, 3 })]);
        byte[] before = File.ReadAllBytes(path);

        float[] large = new float[10_000];
        var failure = Assert.Throws<IOException>(() =>
            Safetensors.Save(path, [("w", [10_000], large)], metadata: null, wrapStream: file => new FailingStream(file, failAfterBytes: 1000)));

        Assert.Equal("disk full (simulated)", failure.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(folder.FullPath).Select(Path.GetFileName));
    }

    [Fact]
    public void LoadInto_WrongShape_NamesTheTensorBothShapesAndTheFile_AndLeavesDestinationUntouched()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("model.safetensors");
        Safetensors.Save(path, [("dense1.weight", [10, 128], new float[1280])]);
        float[] destination = Enumerable.Repeat(7f, 256 * 784).ToArray();

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.LoadInto(path, "dense1.weight", destination, [256, 784]));

        Assert.Equal($"file {path}: tensor 'dense1.weight' has shape [10, 128], but [256, 784] is expected.", error.Message);
        Assert.All(destination, v => Assert.Equal(7f, v));
    }

    [Fact]
    public void LoadInto_MissingTensor_ListsTheNamesTheFileHas()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("model.safetensors");
        Safetensors.Save(path, [("a", [1], new float[1]), ("b", [1], new float[1])]);

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.LoadInto(path, "dense1.bias", new float[4], [4]));

        Assert.Equal($"file {path}: no tensor 'dense1.bias'; it has 'a', 'b'.", error.Message);
    }

    [Fact]
    public void LoadInto_DestinationOfWrongLength_IsAnArgumentErrorGivingBothCounts()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("model.safetensors");
        Safetensors.Save(path, [("a", [2, 3], new float[6])]);

        var error = Assert.Throws<ArgumentException>(() => Safetensors.LoadInto(path, "a", new float[5], [2, 3]));

        Assert.StartsWith("destination holds 5 floats, but tensor 'a' of shape [2, 3] has 6.", error.Message, StringComparison.Ordinal);
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void Load_HeaderInAnotherKeyOrderWithPadding_ReadsTensorsByTheirOffsets()
    {
        // As other writers may lay it out: the header lists "b" first, but "a"'s data comes first.
        using var folder = new TemporaryFolder();
        string path = folder.File("other.safetensors");
        File.WriteAllBytes(path, FileBytes(
            """{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"format":"pt"}}      """,
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40));

        SafetensorsFile file = Safetensors.Load(path);

        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name));
        Assert.Equal([1f], file["a"].Data);
        Assert.Equal([2f], file["b"].Data);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Load_Float16Tensor_NamesTheTensorAndItsDtype()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("half.safetensors");
        File.WriteAllBytes(path, FileBytes("""{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 0, 0x3C, 0, 0x40));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Equal($"file {path}: tensor 'h' is F16, but NetGen reads F32 only (in PyTorch, save tensor.float()).", error.Message);
    }

    public static TheoryData<int> TruncationPoints => [0, 5, 8, 20, 60, 153, 155];

    [Theory]
    [MemberData(nameof(TruncationPoints))]
    public void Load_TruncatedFile_SaysTruncatedOrTooShort_AndNamesTheFile(int keptBytes)
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("cut.safetensors");
        Safetensors.Save(path, [("w", [2, 1], new float[] { 1f, -2f }), ("b", [1], new float[] { 0.5f })], Format);
        byte[] whole = File.ReadAllBytes(path);
        Assert.Equal(164, whole.Length);
        File.WriteAllBytes(path, whole[..keptBytes]);

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.StartsWith($"file {path} ", error.Message, StringComparison.Ordinal);
        Assert.Matches(keptBytes < 8 ? "too short" : "is truncated", error.Message);
    }

    [Fact]
    public void Load_TruncatedData_GivesTheByteCounts()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("cut.safetensors");
        Safetensors.Save(path, [("w", [2, 1], new float[] { 1f, -2f }), ("b", [1], new float[] { 0.5f })], Format);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Equal($"file {path} is truncated: its header describes 12 bytes of tensor data, but only 9 bytes follow the header.", error.Message);
    }

    public static TheoryData<string, string> CorruptHeaders => new()
    {
        { """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", "its header is not valid JSON" },
        { """[1, 2]""", "its header is a JSON Array, not an object" },
        { """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", "tensor 'w' has shape [2] of F32 (8 bytes), but its data_offsets [0, 4] span 4 bytes" },
        { """{"w":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", "tensor 'w' has the unknown dtype \"Q4\"" },
        { """{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "tensor 'w' has an invalid shape dimension -1 at index 0" },
        { """{"w":{"dtype":"F32","shape":[1]}}""", "tensor 'w' has no valid \"data_offsets\"" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "tensor 'b' starts at byte 0 of the data, but the tensors before it end at byte 4" },
        { """{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensor 'w' starts at byte 4 of the data, but the tensors before it end at byte 0" },
        { """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"step":3}}""", "metadata 'step' is a JSON Number, not a string" },
    };

    [Theory]
    [MemberData(nameof(CorruptHeaders))]
    public void Load_CorruptHeader_SaysCorruptAndWhy(string header, string reason)
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("bad.safetensors");
        File.WriteAllBytes(path, FileBytes(header, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.StartsWith($"file {path} is corrupt: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TrailingBytesAfterTheLastTensor_IsCorrupt()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("long.safetensors");
        File.WriteAllBytes(path, FileBytes("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 0, 0, 0x80, 0x3F, 1, 2));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Equal($"file {path} is corrupt: its header describes 4 bytes of tensor data, but 6 bytes follow the header.", error.Message);
    }

    [Fact]
    public void Load_NotASafetensorsFile_SaysSoFromTheHeaderLength()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("image.png");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]);

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.StartsWith($"file {path} is not a safetensors file or is corrupt: its first 8 bytes give a header length of ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_ShapeNotMatchingData_NamesTheTensor()
    {
        using var folder = new TemporaryFolder();
        var error = Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(folder.File("x.safetensors"), [("conv1.weight", [6, 1, 5, 5], new float[149])]));

        Assert.StartsWith("tensor 'conv1.weight': shape [6, 1, 5, 5] holds 150 floats, but its data has 149.", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.FullPath));
    }

    [Fact]
    public void Save_RepeatedOrReservedName_IsRejected()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("x.safetensors");
        Assert.Contains("the name 'a' is used twice",
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [("a", [1], new float[1]), ("a", [1], new float[1])])).Message, StringComparison.Ordinal);
        Assert.Contains("reserves for metadata",
            Assert.Throws<ArgumentException>(() => Safetensors.Save(path, [("__metadata__", [1], new float[1])])).Message, StringComparison.Ordinal);
    }

    /// <summary>Passes writes through until <c>failAfterBytes</c>, then throws as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfterBytes)
            {
                inner.Write(buffer[..(int)(failAfterBytes - _written)]);
                throw new IOException("disk full (simulated)");
            }

            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
