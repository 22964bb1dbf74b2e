using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Tests.Data;

namespace NetGen.Tests.Checkpoints;

/// <summary>
/// Damaged and hostile files (issue 21): duplicate safetensors names, headers that are not UTF-8, IDX headers that
/// claim more than the file holds, corrupt deflate streams, and every single-byte flip and truncation of valid files.
/// The promise under test: a bad file gives an <see cref="InvalidDataException"/> whose message names the file, before
/// anything the size of the file's claims is allocated, and nothing else escapes.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] SafetensorsBytes(byte[] header, params byte[] data)
    {
        byte[] bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void Load_DuplicateTensorName_ThrowsNamingTheTensor()
    {
        // Both entries tile the data, so only the duplicate is wrong; before, the later 'w' won silently.
        string path = _folder.File("twice.safetensors");
        const string Header = """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""";
        File.WriteAllBytes(path, SafetensorsBytes(Encoding.UTF8.GetBytes(Header), new byte[8]));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("'w' appears twice", error.Message);
    }

    [Fact]
    public void Load_DuplicateMetadataKey_IsCorrupt()
    {
        string path = _folder.File("metadata-twice.safetensors");
        const string Header = """{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""";
        File.WriteAllBytes(path, SafetensorsBytes(Encoding.UTF8.GetBytes(Header), new byte[4]));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("__metadata__", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]              // never valid in UTF-8
    [InlineData(new byte[] { 0xC3 })]              // a lead byte without its continuation
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]  // an encoded surrogate
    public void Load_HeaderNotUtf8_ThrowsInvalidDataNamingTheFile(byte[] invalid)
    {
        // The invalid bytes sit inside the tensor's name, where JsonDocument.Parse accepts them and GetString used to
        // throw InvalidOperationException.
        string path = _folder.File("not-utf8.safetensors");
        byte[] before = Encoding.UTF8.GetBytes("{\"w");
        byte[] after = Encoding.UTF8.GetBytes("\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        File.WriteAllBytes(path, SafetensorsBytes([.. before, .. invalid, .. after], new byte[4]));

        var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("UTF-8", error.Message);
        Assert.Contains($"byte {8 + before.Length}", error.Message);
    }

    // Valid files to damage: two tensors, metadata, and every kind of JSON token in the header.
    private string ValidSafetensors()
    {
        string path = _folder.File("valid.safetensors");
        Safetensors.Save(path, [("layer.weight", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }), ("layer.bias", [2], new float[] { -1, 1 })],
            new Dictionary<string, string> { ["format"] = "pt", ["step"] = "12" });
        return path;
    }

    private static void AssertLoadsOrNamesTheFile(string path, Action load, string what)
    {
        Exception? error = Record.Exception(load);
        if (error is null) return;   // a flip inside tensor data or header padding can leave a valid file
        Assert.True(error is InvalidDataException, $"{what}: {error.GetType().Name}: {error.Message}");
        Assert.True(error.Message.Contains(path, StringComparison.Ordinal), $"{what}: the message does not name the file: {error.Message}");
    }

    [Fact]
    public void Load_EveryByteFlippedAndEveryTruncation_OnlyInvalidDataNamingTheFile()
    {
        string source = ValidSafetensors();
        byte[] valid = File.ReadAllBytes(source);
        string path = _folder.File("damaged.safetensors");
        for (int offset = 0; offset < valid.Length; offset++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x20, 0x80, 0xFF })
            {
                byte[] damaged = (byte[])valid.Clone();
                damaged[offset] ^= mask;
                File.WriteAllBytes(path, damaged);
                AssertLoadsOrNamesTheFile(path, () => Safetensors.Load(path), $"byte {offset} xor 0x{mask:X2}");
            }

            File.WriteAllBytes(path, valid[..offset]);
            var error = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
            Assert.Contains(path, error.Message);
        }
    }

    private static IdxImages SampleImages()
    {
        var pixels = new byte[3 * 2 * 5];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 + 3);
        return new IdxImages(3, 2, 5, pixels);
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(raw);
        return output.ToArray();
    }

    // An images header claiming 1 x 46340 x 46340 = 2,147,395,600 pixels (just under Array.MaxLength), and nothing after it.
    private static byte[] HugeImagesHeader()
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, Idx.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 46340);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 46340);
        return header;
    }

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void ReadImages_RawHeaderClaimingTwoGigabytes_ThrowsBeforeAllocatingIt()
    {
        string path = _folder.File("huge.idx3");
        File.WriteAllBytes(path, HugeImagesHeader());
        InvalidDataException? error = null;

        long allocated = AllocatedBy(() => error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path)));

        Assert.Contains(path, error!.Message);
        Assert.Contains("truncated", error.Message);
        Assert.True(allocated < 1 << 20, $"reading a 16-byte file allocated {allocated} bytes.");
    }

    [Fact]
    public void ReadLabels_RawHeaderClaimingTwoGigabytes_ThrowsBeforeAllocatingIt()
    {
        string path = _folder.File("huge.idx1");
        byte[] header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, Idx.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue - 64);
        File.WriteAllBytes(path, header);
        InvalidDataException? error = null;

        long allocated = AllocatedBy(() => error = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path)));

        Assert.Contains(path, error!.Message);
        Assert.True(allocated < 1 << 20, $"reading an 8-byte file allocated {allocated} bytes.");
    }

    [Fact]
    public void ReadImages_GzipHeaderClaimingTwoGigabytes_AllocatesOnlyWhatTheStreamYields()
    {
        string path = _folder.File("huge.idx3.gz");
        File.WriteAllBytes(path, Gzip(HugeImagesHeader()));
        InvalidDataException? error = null;

        long allocated = AllocatedBy(() => error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path)));

        Assert.Contains(path, error!.Message);
        Assert.Contains("after gzip decompression", error.Message);
        // The first chunk (1 MiB) and the gzip stream's own buffers; before, 2 GiB.
        Assert.True(allocated < 4 << 20, $"reading a {new FileInfo(path).Length}-byte .gz file allocated {allocated} bytes.");
    }

    [Fact]
    public void ReadImages_CorruptDeflateStream_IsReportedAsACorruptFile_NotAsAnImageSize()
    {
        // Pseudo-random pixels so that the deflate stream uses dynamic Huffman blocks (a flip there garbles what follows).
        var pixels = new byte[2 * 28 * 28];
        new Random(3).NextBytes(pixels);
        string raw = _folder.File("images.raw");
        Idx.WriteImages(raw, new IdxImages(2, 28, 28, pixels));
        byte[] compressed = Gzip(File.ReadAllBytes(raw));
        string path = _folder.File("images.idx3.gz");
        int corrupt = 0, tried = 0;
        // The deflate data (every byte of its first 256, where the header's bytes are coded, then every 7th) and every
        // byte of the CRC32/ISIZE trailer; the 10-byte gzip header is skipped (its modification time and OS bytes are
        // not checked by anyone).
        for (int offset = 10; offset < compressed.Length; offset += offset < 266 || offset >= compressed.Length - 8 ? 1 : 7)
        {
            tried++;
            byte[] damaged = (byte[])compressed.Clone();
            damaged[offset] ^= 0x55;
            File.WriteAllBytes(path, damaged);
            Exception? error = Record.Exception(() => Idx.ReadImages(path));
            Assert.NotNull(error);
            Assert.True(error is InvalidDataException, $"byte {offset}: {error!.GetType().Name}: {error.Message}");
            Assert.Contains(path, error.Message);
            Assert.DoesNotContain("image size", error.Message);
            Assert.DoesNotContain("magic", error.Message);
            if (error.Message.Contains("corrupt", StringComparison.Ordinal)) corrupt++;
        }

        Assert.Equal(tried, corrupt);
    }

    [Fact]
    public void ReadIdx_EveryByteFlippedAndEveryTruncation_RawAndGzip_OnlyInvalidDataNamingTheFile()
    {
        string rawPath = _folder.File("sample.idx3");
        Idx.WriteImages(rawPath, SampleImages());
        string labelsPath = _folder.File("sample.idx1");
        Idx.WriteLabels(labelsPath, [1, 2, 3, 4, 5, 6, 7]);
        string path = _folder.File("damaged-idx");
        foreach ((byte[] valid, bool images) in new[]
        {
            (File.ReadAllBytes(rawPath), true), (Gzip(File.ReadAllBytes(rawPath)), true),
            (File.ReadAllBytes(labelsPath), false), (Gzip(File.ReadAllBytes(labelsPath)), false),
        })
        {
            Action read = images ? () => Idx.ReadImages(path) : () => Idx.ReadLabels(path);
            for (int offset = 0; offset < valid.Length; offset++)
            {
                foreach (byte mask in new byte[] { 0x01, 0x80, 0xFF })
                {
                    byte[] damaged = (byte[])valid.Clone();
                    damaged[offset] ^= mask;
                    File.WriteAllBytes(path, damaged);
                    AssertLoadsOrNamesTheFile(path, read, $"byte {offset} xor 0x{mask:X2}");
                }

                File.WriteAllBytes(path, valid[..offset]);
                Exception? error = Record.Exception(read);
                Assert.True(error is InvalidDataException, $"cut to {offset} of {valid.Length} bytes: {error?.GetType().Name ?? "no error"}");
                Assert.Contains(path, error!.Message);
            }
        }
    }
}
