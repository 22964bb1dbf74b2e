using System.Buffers.Binary;

namespace NetGen.Onnx;

/// <summary>
/// The weights of a network built from an ONNX file with <c>[OnnxModel]</c>: the generator lays the file's initializers
/// out as the network's flat parameter (and running-statistics) buffer and embeds them as base64 text of little-endian
/// float32 values; the generated <c>FillParameters</c> copies them in with <see cref="Copy"/>:
/// <code>
/// // at the end of FillParameters, after the seeded initialization it replaces:
/// global::NetGen.Onnx.ImportedWeights.Copy(OnnxImport.Parameters, parameters);
/// </code>
/// Embedded rather than read at run time, so the executable (Native AOT included) needs no model file beside it and the
/// weights cannot drift from the graph the code was generated from.
/// </summary>
public static class ImportedWeights
{
    /// <summary>Decodes <paramref name="base64"/> (little-endian float32 values) into <paramref name="destination"/>, which it must fill exactly.</summary>
    /// <exception cref="ArgumentException">The text does not hold exactly <c>destination.Length</c> floats (a NetGen bug: the generator sized both).</exception>
    public static void Copy(string base64, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(base64);
        byte[] bytes = Convert.FromBase64String(base64);
        if (bytes.Length != 4L * destination.Length)
        {
            throw new ArgumentException($"The embedded ONNX weights hold {bytes.Length / 4} floats, but the buffer holds {destination.Length}.", nameof(base64));
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i, 4));
        }
    }
}
