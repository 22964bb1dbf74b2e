using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetGen.Kernels;

/// <summary>Lane shuffles that several AVX2 kernels share.</summary>
internal static class Lanes
{
    /// <summary>
    /// The even-indexed of the 16 floats in (low, high), in order: with AVX2 a shuffle within each 128-bit lane and a
    /// permute of the 64-bit pairs; elsewhere (Arm64) the portable shuffle of a Vector512.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Evens(Vector256<float> low, Vector256<float> high) => Avx2.IsSupported
        ? Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle()
        : Vector512.Shuffle(Vector512.Create(low, high), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower();

    /// <summary>The odd-indexed of the 16 floats in (low, high), in order, as <see cref="Evens"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Odds(Vector256<float> low, Vector256<float> high) => Avx2.IsSupported
        ? Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle()
        : Vector512.Shuffle(Vector512.Create(low, high), Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower();
}
