namespace DnaNas.Randomness;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): the one generator behind every random choice of a run (splits, sampled
/// paths, architectures, evolution, bootstrap). Results must come out the same on every .NET version, and
/// System.Random's seeded sequence carries no such promise; seeds are 64-bit throughout, never cut to 32.
/// </summary>
public sealed class StableRandom
{
    private ulong _state;

    public StableRandom(ulong seed) => _state = seed;

    /// <summary>A well-mixed 64-bit seed for one purpose (<paramref name="stream"/>) of one user seed.</summary>
    public static ulong Mix(long seed, long stream)
    {
        var mixer = new StableRandom(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)stream));
        mixer.NextUInt64();
        return mixer.NextUInt64();
    }

    public ulong NextUInt64()
    {
        ulong z = unchecked(_state += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>), without modulo bias (Lemire 2019).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        ulong range = (ulong)bound;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }

    /// <summary>A generator for one purpose (<paramref name="stream"/>) of one user seed.</summary>
    public static StableRandom For(long seed, long stream) => new(Mix(seed, stream));

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int Next(int bound) => NextInt(bound);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public int Next(int min, int max) => min + NextInt(max - min);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
