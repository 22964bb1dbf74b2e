using System.Buffers.Binary;
using System.IO.Compression;

namespace NetGen.Data;

/// <summary>
/// A stack of 8-bit grey images read from or written to an IDX file, stored row-major:
/// image <c>i</c>, row <c>r</c>, column <c>c</c> is <c>Pixels[(i * Rows + r) * Columns + c]</c>.
/// </summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows (height) of each image.</param>
/// <param name="Columns">Columns (width) of each image.</param>
/// <param name="Pixels">All pixels, <c>Count * Rows * Columns</c> bytes.</param>
/// <remarks>Equality compares <see cref="Pixels"/> by reference, as records do for arrays.</remarks>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>All pixels, <c>Count * Rows * Columns</c> bytes (checked on construction).</summary>
    public byte[] Pixels { get; init; } = CheckPixels(Count, Rows, Columns, Pixels);

    private static byte[] CheckPixels(int count, int rows, int columns, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        long expected = (long)count * rows * columns;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"{nameof(Pixels)} has {pixels.LongLength} bytes; expected Count*Rows*Columns = {count}*{rows}*{columns} = {expected}.",
                nameof(Pixels));
        }
        return pixels;
    }
}

/// <summary>
/// Reads and writes the IDX format of the MNIST database (yann.lecun.com/exdb/mnist): a big-endian
/// magic number (<c>0x00000803</c> for unsigned-byte images with 3 dimensions, <c>0x00000801</c> for
/// unsigned-byte labels with 1 dimension), the big-endian 32-bit dimensions, then the bytes.
/// </summary>
/// <remarks>
/// Readers accept raw files and gzip-compressed ones; gzip is recognised by its header bytes
/// <c>1F 8B</c>, not by the file name. Writers write raw IDX to a temporary file in the same folder
/// and then rename it over the target, so a failed write never leaves a half file.
/// </remarks>
public static class Idx
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const int ImagesHeaderBytes = 16; // magic, count, rows, columns
    private const int LabelsHeaderBytes = 8;  // magic, count

    /// <summary>Reads an IDX image file (magic <c>0x00000803</c>), raw or gzip-compressed.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The images with their dimensions.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// Wrong magic number, impossible dimensions, or a file shorter or longer than its header says.
    /// </exception>
    public static IdxImages ReadImages(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        using Stream stream = OpenForReading(fullPath, out bool compressed);
        try
        {
            Span<byte> header = stackalloc byte[ImagesHeaderBytes];
            // The magic first, so that a file of another kind is named as such, not as truncated.
            ReadExactly(stream, header[..4], fullPath, compressed, "the magic number", 0);
            CheckMagic(header, ImagesMagic, "image", fullPath);
            ReadExactly(stream, header[4..], fullPath, compressed, "the 16-byte image header", 4);
            int count = ReadDimension(header, 1, "image count", fullPath);
            int rows = ReadDimension(header, 2, "rows", fullPath);
            int columns = ReadDimension(header, 3, "columns", fullPath);
            if (rows == 0 || columns == 0)
            {
                throw new InvalidDataException($"file {fullPath}: image size {rows}x{columns} has no pixels.");
            }

            long pixelCount = (long)count * rows * columns;
            if (pixelCount > Array.MaxLength)
            {
                throw new InvalidDataException(
                    $"file {fullPath}: {count} images of {rows}x{columns} = {pixelCount} bytes is more than one array can hold ({Array.MaxLength}).");
            }

            byte[] pixels = ReadPayload(stream, pixelCount, fullPath, compressed, $"{count} images of {rows}x{columns}", ImagesHeaderBytes);
            CheckAtEnd(stream, fullPath, compressed, ImagesHeaderBytes + pixelCount);
            return new IdxImages(count, rows, columns, pixels);
        }
        catch (InvalidDataException) when (compressed)
        {
            ThrowIfGzipCorrupt(stream, fullPath);
            throw;
        }
    }

    /// <summary>Reads an IDX label file (magic <c>0x00000801</c>), raw or gzip-compressed.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// Wrong magic number, or a file shorter or longer than its header says.
    /// </exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        using Stream stream = OpenForReading(fullPath, out bool compressed);
        try
        {
            Span<byte> header = stackalloc byte[LabelsHeaderBytes];
            ReadExactly(stream, header[..4], fullPath, compressed, "the magic number", 0);
            CheckMagic(header, LabelsMagic, "label", fullPath);
            ReadExactly(stream, header[4..], fullPath, compressed, "the 8-byte label header", 4);
            int count = ReadDimension(header, 1, "label count", fullPath);
            if (count > Array.MaxLength)
            {
                throw new InvalidDataException($"file {fullPath}: {count} labels is more than one array can hold ({Array.MaxLength}).");
            }

            byte[] labels = ReadPayload(stream, count, fullPath, compressed, $"{count} labels", LabelsHeaderBytes);
            CheckAtEnd(stream, fullPath, compressed, LabelsHeaderBytes + (long)count);
            return labels;
        }
        catch (InvalidDataException) when (compressed)
        {
            ThrowIfGzipCorrupt(stream, fullPath);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="images"/> as a raw (uncompressed) IDX image file, through a temporary
    /// file in the same folder that is renamed over <paramref name="path"/> once complete.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="images">The images to write.</param>
    public static void WriteImages(string path, IdxImages images)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(images);
        WriteAtomically(path, stream =>
        {
            Span<byte> header = stackalloc byte[ImagesHeaderBytes];
            BinaryPrimitives.WriteInt32BigEndian(header, ImagesMagic);
            BinaryPrimitives.WriteInt32BigEndian(header[4..], images.Count);
            BinaryPrimitives.WriteInt32BigEndian(header[8..], images.Rows);
            BinaryPrimitives.WriteInt32BigEndian(header[12..], images.Columns);
            stream.Write(header);
            stream.Write(images.Pixels);
        });
    }

    /// <summary>
    /// Writes <paramref name="labels"/> as a raw (uncompressed) IDX label file, through a temporary
    /// file in the same folder that is renamed over <paramref name="path"/> once complete.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="labels">One byte per label.</param>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // A span cannot be captured by the writer callback; one copy is fine for a file write.
        byte[] copy = labels.ToArray();
        WriteAtomically(path, stream =>
        {
            Span<byte> header = stackalloc byte[LabelsHeaderBytes];
            BinaryPrimitives.WriteInt32BigEndian(header, LabelsMagic);
            BinaryPrimitives.WriteInt32BigEndian(header[4..], copy.Length);
            stream.Write(header);
            stream.Write(copy);
        });
    }

    private static Stream OpenForReading(string fullPath, out bool compressed)
    {
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"IDX file not found: {fullPath}", fullPath);
        }

        var file = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> signature = stackalloc byte[2];
            int read = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
            file.Position = 0;
            compressed = read == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
            return compressed ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    // Bytes a gzip payload is read in at first; the array doubles from there only as the stream yields bytes.
    private const int FirstGzipChunk = 1 << 20;

    // Bytes of decompressed data ThrowIfGzipCorrupt reads, at most, looking for the corruption that explains a bad header.
    private const long CorruptionSearchLimit = 1L << 28;

    /// <summary>
    /// The <paramref name="claimed"/> bytes after the header, read without trusting the claim: a raw file's length is
    /// checked before the array is allocated, and a gzip stream (whose decompressed length shows only as it is read)
    /// fills an array that doubles as the stream yields bytes, so a 16-byte file that claims 2^31 bytes allocates
    /// nothing of the sort.
    /// </summary>
    private static byte[] ReadPayload(Stream stream, long claimed, string fullPath, bool compressed, string what, long offset)
    {
        if (!compressed)
        {
            long length = stream.Length;
            if (length - offset < claimed)
            {
                throw new InvalidDataException(
                    $"file {fullPath} is truncated: expected {offset + claimed} bytes (through {what}), found {length}.");
            }

            var payload = new byte[claimed];
            ReadExactly(stream, payload, fullPath, compressed, what, offset);
            return payload;
        }

        byte[] buffer = new byte[Math.Min(claimed, FirstGzipChunk)];
        long filled = 0;
        while (filled < claimed)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(claimed, 2L * buffer.Length));
            int read = Read(stream, buffer.AsSpan((int)filled), fullPath);
            if (read == 0)
            {
                throw new InvalidDataException(
                    $"file {fullPath} is truncated: expected {offset + claimed} bytes after gzip decompression (through {what}), found {offset + filled}.");
            }

            filled += read;
        }

        return buffer;
    }

    // GZipStream reports a corrupt or cut compressed stream without naming the file.
    private static int Read(Stream stream, Span<byte> buffer, string fullPath)
    {
        try
        {
            return stream.Read(buffer);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException($"file {fullPath} is corrupt: the gzip stream is damaged or truncated ({exception.Message}).", exception);
        }
    }

    /// <summary>
    /// A damaged deflate stream often decompresses to garbage before zlib notices (its CRC is checked at the end), so a
    /// header that makes no sense in a gzip file is first blamed on the compression: the rest of the stream is read
    /// (up to 256 MiB) and a gzip error there is reported as the file being corrupt.
    /// </summary>
    private static void ThrowIfGzipCorrupt(Stream stream, string fullPath)
    {
        byte[] sink = new byte[1 << 16];
        long total = 0;
        try
        {
            int read;
            while (total < CorruptionSearchLimit && (read = Read(stream, sink, fullPath)) > 0) total += read;
        }
        catch (IOException)
        {
            // Not the corruption (that is an InvalidDataException): report the header's error.
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string fullPath, bool compressed, string what, long offset)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int got = Read(stream, buffer[read..], fullPath);
            if (got == 0) break;
            read += got;
        }

        if (read < buffer.Length)
        {
            string decompressed = compressed ? " after gzip decompression" : "";
            throw new InvalidDataException(
                $"file {fullPath} is truncated: expected {offset + buffer.Length} bytes{decompressed} (through {what}), found {offset + read}.");
        }
    }

    private static void CheckAtEnd(Stream stream, string fullPath, bool compressed, long expectedBytes)
    {
        Span<byte> extra = stackalloc byte[1];
        if (Read(stream, extra, fullPath) != 0)
        {
            string decompressed = compressed ? " after gzip decompression" : "";
            throw new InvalidDataException(
                $"file {fullPath} is longer than its header says: expected {expectedBytes} bytes{decompressed}, found more.");
        }

        if (compressed && stream is GZipStream gzip) CheckGzipTrailer(gzip.BaseStream, fullPath, expectedBytes);
    }

    /// <summary>
    /// GZipStream verifies the CRC32 and length trailer only when the file holds it: a .gz file cut inside its last
    /// bytes decompresses without complaint. Its last 4 bytes must give the decompressed length (mod 2^32), as the
    /// trailer of a single-member gzip file (every MNIST download) does.
    /// </summary>
    private static void CheckGzipTrailer(Stream file, string fullPath, long decompressedBytes)
    {
        const int GzipHeaderAndTrailer = 10 + 8;
        Span<byte> trailer = stackalloc byte[4];
        long length = file.Length;
        if (length >= GzipHeaderAndTrailer)
        {
            file.Position = length - 4;
            file.ReadExactly(trailer);
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (length < GzipHeaderAndTrailer || stored != (uint)decompressedBytes)
        {
            throw new InvalidDataException(
                $"file {fullPath} is corrupt or truncated: its gzip trailer does not give the {decompressedBytes} bytes it decompressed to (the file is cut short, or holds several gzip members).");
        }
    }

    private static void CheckMagic(ReadOnlySpan<byte> header, int expected, string kind, string fullPath)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expected)
        {
            throw new InvalidDataException(
                $"file {fullPath}: magic 0x{magic:X8} is not an IDX {kind} file (expected 0x{expected:X8}).");
        }
    }

    private static int ReadDimension(ReadOnlySpan<byte> header, int index, string name, string fullPath)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(header[(index * 4)..]);
        if (value < 0)
        {
            throw new InvalidDataException($"file {fullPath}: {name} {value} in the header is negative.");
        }
        return value;
    }

    private static void WriteAtomically(string path, Action<Stream> write) => Checkpoints.AtomicFile.Write(path, write);
}
