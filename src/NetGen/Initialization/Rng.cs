using System.Numerics;

namespace NetGen;

/// <summary>
/// Small deterministic random number generator: xoshiro128** (Blackman and Vigna) seeded through SplitMix64.
/// The integer stream depends only on the seed, never on the platform or the .NET version (unlike
/// <see cref="System.Random"/>), so a network's seed reproduces its initial weights and dropout masks everywhere.
/// It is a mutable struct: pass it by <c>ref</c>, or a copy replays the same numbers.
/// </summary>
/// <remarks>
/// <c>new Rng()</c> and <c>default(Rng)</c> behave as <c>new Rng(0)</c>: xoshiro's all-zero state would return 0
/// forever (a dropout mask that drops every unit, weights that are all the low bound), and no seed produces it, so
/// the first draw from an all-zero state seeds it with 0 instead.
/// </remarks>
/// <remarks>
/// <see cref="NextUInt"/>, <see cref="NextFloat"/>, <see cref="NextUniform"/> and <see cref="NextInt"/> use integer
/// and exactly rounded float arithmetic only, so they are bit-identical everywhere. <see cref="NextGaussian"/> calls
/// <see cref="Math.Log(double)"/> and <see cref="Math.Cos(double)"/> in double and rounds to float; a platform whose
/// libm differs in the last bit of a double could, very rarely, round one value differently.
/// </remarks>
public struct Rng
{
    private uint state0, state1, state2, state3;

    /// <summary>Seeds the four 32-bit words of state from two SplitMix64 outputs of <paramref name="seed"/> (never all zero).</summary>
    public Rng(ulong seed)
    {
        ulong first = SplitMix64(ref seed), second = SplitMix64(ref seed);
        state0 = (uint)first;
        state1 = (uint)(first >> 32);
        state2 = (uint)second;
        state3 = (uint)(second >> 32);
    }

    /// <summary>The next 32 uniformly distributed bits (xoshiro128**).</summary>
    public uint NextUInt()
    {
        if ((state0 | state1 | state2 | state3) == 0) SeedDefault();
        uint result = BitOperations.RotateLeft(state1 * 5, 7) * 9;
        uint shifted = state1 << 9;
        state2 ^= state0;
        state3 ^= state1;
        state1 ^= state2;
        state0 ^= state3;
        state2 ^= shifted;
        state3 = BitOperations.RotateLeft(state3, 11);
        return result;
    }

    /// <summary>Uniform in [0, 1): the top 24 bits of <see cref="NextUInt"/> times 2^-24, so every value is exact.</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1f / 16777216f);

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>): low + (high - low)·<see cref="NextFloat"/>.</summary>
    public float NextUniform(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>Standard normal N(0, 1) by the Box-Muller transform of two fresh 32-bit uniforms (|value| &lt;= 6.67).</summary>
    public float NextGaussian()
    {
        double u1 = (NextUInt() + 1.0) * (1.0 / 4294967296.0); // (0, 1]: log never sees 0
        double u2 = NextUInt() * (1.0 / 4294967296.0);         // [0, 1)
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Uniform integer in [0, <paramref name="exclusiveMax"/>) without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int exclusiveMax)
    {
        if (exclusiveMax <= 0) throw new ArgumentOutOfRangeException(nameof(exclusiveMax), exclusiveMax, "exclusiveMax must be > 0.");
        uint bound = (uint)exclusiveMax;
        ulong product = (ulong)NextUInt() * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (ulong)NextUInt() * bound;
                low = (uint)product;
            }
        }
        return (int)(product >> 32);
    }

    // Only a default-constructed Rng has the all-zero state (SplitMix64 never gives two zero outputs in a row).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void SeedDefault() => this = new Rng(0);

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
