using System.IO.Compression;
using NetGen.Data;

namespace NetGen.Tests.Data;

public sealed class IdxTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // 3 images of 2x5 whose pixels are all different (0, 1, ..., 29), so any reordering shows.
    private static IdxImages SampleImages()
    {
        var pixels = new byte[3 * 2 * 5];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 + 3);
        return new IdxImages(3, 2, 5, pixels);
    }

    private static void Gzip(string source, string destination)
    {
        using FileStream input = System.IO.File.OpenRead(source);
        using FileStream output = System.IO.File.Create(destination);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest);
        input.CopyTo(gzip);
    }

    [Fact]
    public void WriteImagesThenReadImages_Raw_RoundTripsDimensionsAndPixels()
    {
        IdxImages written = SampleImages();
        string path = _folder.File("images.idx3");
        Idx.WriteImages(path, written);

        IdxImages read = Idx.ReadImages(path);

        Assert.Equal((3, 2, 5), (read.Count, read.Rows, read.Columns));
        Assert.Equal(written.Pixels, read.Pixels);
        Assert.Equal(16 + 30, new FileInfo(path).Length); // 4 big-endian ints, then the bytes
    }

    [Fact]
    public void WriteImages_WritesBigEndianHeader()
    {
        string path = _folder.File("images.idx3");
        Idx.WriteImages(path, SampleImages());

        byte[] bytes = System.IO.File.ReadAllBytes(path);

        Assert.Equal(new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 5 }, bytes[..16]);
    }

    [Fact]
    public void WriteLabelsThenReadLabels_Raw_RoundTrips()
    {
        byte[] labels = [9, 0, 4, 255, 1];
        string path = _folder.File("labels.idx1");
        Idx.WriteLabels(path, labels);

        Assert.Equal(labels, Idx.ReadLabels(path));
        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 5 }, System.IO.File.ReadAllBytes(path)[..8]);
    }

    [Fact]
    public void ReadImagesAndLabels_GzipWithoutGzExtension_AreDetectedByHeader()
    {
        IdxImages written = SampleImages();
        byte[] labels = [1, 2, 3];
        Idx.WriteImages(_folder.File("images.raw"), written);
        Idx.WriteLabels(_folder.File("labels.raw"), labels);
        // Compressed content under names without ".gz": only the 1F 8B header can tell.
        Gzip(_folder.File("images.raw"), _folder.File("images.idx3"));
        Gzip(_folder.File("labels.raw"), _folder.File("labels.idx1"));
        Assert.Equal(new byte[] { 0x1F, 0x8B }, System.IO.File.ReadAllBytes(_folder.File("images.idx3"))[..2]);

        IdxImages read = Idx.ReadImages(_folder.File("images.idx3"));

        Assert.Equal((3, 2, 5), (read.Count, read.Rows, read.Columns));
        Assert.Equal(written.Pixels, read.Pixels);
        Assert.Equal(labels, Idx.ReadLabels(_folder.File("labels.idx1")));
    }

    [Fact]
    public void ReadImages_RawContentNamedGz_IsReadAsRaw()
    {
        IdxImages written = SampleImages();
        string path = _folder.File("images-idx3-ubyte.gz");
        Idx.WriteImages(path, written);

        Assert.Equal(written.Pixels, Idx.ReadImages(path).Pixels);
    }

    [Fact]
    public void WriteImages_ReplacesExistingFile_AndLeavesNoTemporaryFile()
    {
        string path = _folder.File("images.idx3");
        System.IO.File.WriteAllText(path, "old content");

        Idx.WriteImages(path, SampleImages());

        Assert.Equal(SampleImages().Pixels, Idx.ReadImages(path).Pixels);
        Assert.Equal([path], Directory.GetFiles(_folder.FullPath));
    }

    [Fact]
    public void ReadImages_TruncatedRaw_NamesFileAndExpectedAndActualBytes()
    {
        string path = _folder.File("images.idx3");
        Idx.WriteImages(path, SampleImages());
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(16 + 30 - 4);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("expected 46 bytes", error.Message);
        Assert.Contains("found 42", error.Message);
    }

    [Fact]
    public void ReadImages_TruncatedInsideHeader_NamesFileAndByteCounts()
    {
        string path = _folder.File("images.idx3");
        System.IO.File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("expected 16 bytes", error.Message);
        Assert.Contains("found 6", error.Message);
    }

    [Fact]
    public void ReadLabels_TruncatedGzip_SaysSizesAreAfterDecompression()
    {
        string raw = _folder.File("labels.raw");
        Idx.WriteLabels(raw, [1, 2, 3, 4, 5]);
        using (var stream = new FileStream(raw, FileMode.Open)) stream.SetLength(8 + 3);
        string path = _folder.File("labels.idx1.gz");
        Gzip(raw, path);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("expected 13 bytes after gzip decompression", error.Message);
        Assert.Contains("found 11", error.Message);
    }

    [Fact]
    public void ReadImages_GzipFileCutShort_NamesFile()
    {
        var pixels = new byte[50 * 28 * 28];
        new Random(1).NextBytes(pixels); // incompressible, so cutting the .gz loses image bytes
        string raw = _folder.File("images.raw");
        Idx.WriteImages(raw, new IdxImages(50, 28, 28, pixels));
        string path = _folder.File("images.idx3.gz");
        Gzip(raw, path);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(stream.Length / 2);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadImages_TrailingBytes_AreRejected()
    {
        string path = _folder.File("images.idx3");
        Idx.WriteImages(path, SampleImages());
        using (var stream = new FileStream(path, FileMode.Append)) stream.WriteByte(0);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("expected 46 bytes", error.Message);
    }

    [Fact]
    public void ReadImages_OnLabelFile_ReportsWrongMagic()
    {
        string path = _folder.File("labels.idx1");
        Idx.WriteLabels(path, [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));

        Assert.Equal($"file {path}: magic 0x00000801 is not an IDX image file (expected 0x00000803).", error.Message);
    }

    [Fact]
    public void ReadLabels_OnImageFile_ReportsWrongMagic()
    {
        string path = _folder.File("images.idx3");
        Idx.WriteImages(path, SampleImages());

        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path));

        Assert.Equal($"file {path}: magic 0x00000803 is not an IDX label file (expected 0x00000801).", error.Message);
    }

    [Fact]
    public void ReadImages_MissingFile_ThrowsFileNotFoundWithFullPath()
    {
        string path = _folder.File("absent.idx3");

        var error = Assert.Throws<FileNotFoundException>(() => Idx.ReadImages(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void IdxImages_PixelCountNotCountTimesRowsTimesColumns_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new IdxImages(2, 3, 4, new byte[23]));

        Assert.Equal("Pixels", error.ParamName);
        Assert.Contains("24", error.Message);
        Assert.Contains("23", error.Message);
    }
}
