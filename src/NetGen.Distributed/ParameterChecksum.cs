using System.Runtime.InteropServices;

namespace NetGen.Distributed;

/// <summary>
/// A 64-bit checksum of a float buffer's exact bits, the same on every machine and in every process
/// (unlike <see cref="HashCode"/>, which is seeded per process). Two ranks whose checksums differ hold
/// different parameters; equal checksums mean identical bits with overwhelming probability.
/// </summary>
public static class ParameterChecksum
{
    private const ulong OffsetBasis = 14695981039346656037UL; // FNV-1a 64-bit
    private const ulong Prime = 1099511628211UL;

    /// <summary>FNV-1a over the 32-bit words of <paramref name="values"/>, then the length. Allocates nothing.</summary>
    public static ulong Of(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<float, uint>(values);
        ulong hash = OffsetBasis;
        foreach (uint word in words)
        {
            hash = (hash ^ word) * Prime;
        }

        return (hash ^ (ulong)values.Length) * Prime;
    }
}
