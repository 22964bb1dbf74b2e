using System;

namespace NetGen.Generators.Onnx;

/// <summary>
/// A protobuf wire-format reader over a byte range, just enough for ONNX (varints, 64-bit, length-delimited and 32-bit
/// fields). Every read is bounds-checked and a malformed message throws <see cref="OnnxFormatException"/>, which the
/// file reader turns into a diagnostic: nothing here may throw anything else, whatever the bytes.
/// </summary>
internal struct ProtoReader
{
    private readonly byte[] _bytes;
    private int _position;
    private readonly int _end;

    public ProtoReader(byte[] bytes, int start, int end)
    {
        _bytes = bytes;
        _position = start;
        _end = end;
    }

    public bool AtEnd => _position >= _end;

    /// <summary>Reads the next field's key: its number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public (int Field, int WireType) ReadKey()
    {
        ulong key = ReadVarint();
        int field = (int)(key >> 3);
        if (field <= 0 || key >> 3 > int.MaxValue) throw new OnnxFormatException("a field number of 0 or out of range");
        return (field, (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end) throw new OnnxFormatException("a number cut off by the end of the data");
            byte b = _bytes[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }

        throw new OnnxFormatException("a number longer than 10 bytes");
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    public float ReadFixed32AsFloat()
    {
        Need(4);
        float value = ReadSingle(_bytes, _position);
        _position += 4;
        return value;
    }

    public double ReadFixed64AsDouble()
    {
        Need(8);
        long low = (uint)(_bytes[_position] | _bytes[_position + 1] << 8 | _bytes[_position + 2] << 16 | _bytes[_position + 3] << 24);
        long high = (uint)(_bytes[_position + 4] | _bytes[_position + 5] << 8 | _bytes[_position + 6] << 16 | _bytes[_position + 7] << 24);
        _position += 8;
        return BitConverter.Int64BitsToDouble(low | high << 32);
    }

    /// <summary>A little-endian float32 at <paramref name="start"/> (ONNX stores raw data little-endian on every machine).</summary>
    public static float ReadSingle(byte[] bytes, int start)
    {
        if (BitConverter.IsLittleEndian) return BitConverter.ToSingle(bytes, start);
        byte[] swapped = { bytes[start + 3], bytes[start + 2], bytes[start + 1], bytes[start] };
        return BitConverter.ToSingle(swapped, 0);
    }

    /// <summary>A length-delimited field's contents as a reader over them.</summary>
    public ProtoReader ReadMessage()
    {
        int length = ReadLength();
        var inner = new ProtoReader(_bytes, _position, _position + length);
        _position += length;
        return inner;
    }

    /// <summary>A length-delimited field's contents: (start, length) into the underlying bytes.</summary>
    public (int Start, int Length) ReadBytes()
    {
        int length = ReadLength();
        int start = _position;
        _position += length;
        return (start, length);
    }

    public string ReadString()
    {
        (int start, int length) = ReadBytes();
        return System.Text.Encoding.UTF8.GetString(_bytes, start, length);
    }

    public byte[] Bytes => _bytes;

    /// <summary>Skips a field of the given wire type (groups, wire types 3 and 4, are not used by ONNX and count as malformed).</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Need(8); _position += 8; break;
            case 2: ReadBytes(); break;
            case 5: Need(4); _position += 4; break;
            default: throw new OnnxFormatException($"wire type {wireType}, which ONNX does not use");
        }
    }

    private int ReadLength()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position)) throw new OnnxFormatException("a field longer than the data left");
        return (int)length;
    }

    private void Need(int count)
    {
        if (_end - _position < count) throw new OnnxFormatException("a value cut off by the end of the data");
    }
}

/// <summary>The file is not a well-formed protobuf message (truncated, or not ONNX at all).</summary>
internal sealed class OnnxFormatException(string message) : Exception(message);
