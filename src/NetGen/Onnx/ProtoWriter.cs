using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NetGen.Onnx;

/// <summary>
/// The protocol-buffers wire format, just the parts an ONNX model needs
/// (https://protobuf.dev/programming-guides/encoding/):
/// <code>
/// tag      = varint (field_number &lt;&lt; 3 | wire_type)
/// varint   wire type 0: int32/int64/enum, 7 bits a byte, low bits first, high bit = "more follows";
///          negative values take 10 bytes (two's complement as 64 bits)
/// fixed32  wire type 5: float, 4 bytes little-endian
/// len      wire type 2: varint byte count, then the bytes (string, bytes, nested message, packed repeated)
/// </code>
/// A nested message is written into its own writer first, so its length is known before its bytes.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>An int32, int64 or enum field (proto3: written even when 0; callers skip defaults where they want).</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint(unchecked((ulong)value));
    }

    /// <summary>A float field (fixed32).</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    /// <summary>A string field, UTF-8.</summary>
    public void WriteString(int field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int count = Encoding.UTF8.GetByteCount(value);
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)count);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
    }

    /// <summary>A bytes field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    /// <summary>A bytes field holding floats as little-endian IEEE 754 (ONNX's <c>raw_data</c>).</summary>
    public void WriteFloatsAsBytes(int field, ReadOnlySpan<float> values)
    {
        int count = checked(values.Length * sizeof(float));
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)count);
        Span<byte> destination = _buffer.GetSpan(count).Slice(0, count);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
        }
        else
        {
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(4 * i), values[i]);
        }

        _buffer.Advance(count);
    }

    /// <summary>A packed repeated int64 field (one length-delimited run of varints).</summary>
    public void WritePackedInt64(int field, ReadOnlySpan<long> values)
    {
        var packed = new ProtoWriter();
        foreach (long value in values) packed.WriteVarint(unchecked((ulong)value));
        WriteBytes(field, packed.WrittenSpan);
    }

    /// <summary>A nested message field.</summary>
    public void WriteMessage(int field, ProtoWriter message) => WriteBytes(field, message.WrittenSpan);

    private void WriteTag(int field, int wireType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(field, 1);
        WriteVarint((ulong)((uint)field << 3 | (uint)wireType));
    }

    private void WriteVarint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int count = 0;
        while (value >= 0x80)
        {
            span[count++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[count++] = (byte)value;
        _buffer.Advance(count);
    }
}
