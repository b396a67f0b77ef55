namespace DnaNas.Data;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014). Splits are part of the cache key and of experiment records, so
/// they must come out the same on every .NET version; System.Random's seeded sequence carries no such promise.
/// </summary>
internal sealed class StableRandom
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
