using DnaNas.Randomness;

namespace DnaNas.Space;

/// <summary>
/// Architectures spread evenly over a cost range, for ground truth: uniform sampling piles up in the middle of the
/// range (a sum of independent block costs), so a ranking study would see few small or large networks.
/// </summary>
public static class CostStratifiedSampler
{
    /// <summary>
    /// Draws a pool of architectures with uniform genes (each block's depth uniform, each op uniform), spans its
    /// cost range with <paramref name="count"/> evenly spaced targets, and takes for each target the closest unused
    /// pool member. Deterministic in <paramref name="seed"/>; distinct architectures; cheapest and dearest included.
    /// </summary>
    public static IReadOnlyList<Architecture> Sample(SearchSpace space, int count, Func<Architecture, long> cost, long seed, int poolPerArchitecture = 200) =>
        Sample(space, count, cost, seed, long.MinValue, long.MaxValue, exclude: null, poolPerArchitecture);

    /// <summary>
    /// The same within the cost band [<paramref name="minCost"/>, <paramref name="maxCost"/>]: the pool keeps only
    /// architectures inside it (and none of <paramref name="exclude"/>), and the targets span what the pool found there.
    /// </summary>
    public static IReadOnlyList<Architecture> Sample(SearchSpace space, int count, Func<Architecture, long> cost, long seed,
        long minCost, long maxCost, IReadOnlySet<string>? exclude, int poolPerArchitecture = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var genes = new ArchitectureGenes(space);
        var rng = StableRandom.For(seed, 0x53545241); // "STRA"
        var pool = new Dictionary<string, (Architecture Architecture, long Cost)>();
        for (int i = 0; i < count * poolPerArchitecture; i++)
        {
            var architecture = genes.Decode(genes.Cardinalities.Select(c => rng.Next(c)).ToArray());
            long c = cost(architecture);
            string text = architecture.ToString();
            if (c < minCost || c > maxCost || exclude?.Contains(text) == true) continue;
            pool.TryAdd(text, (architecture, c));
        }
        var sorted = pool.Values.OrderBy(p => p.Cost).ThenBy(p => p.Architecture.ToString(), StringComparer.Ordinal).ToList();
        if (sorted.Count < count)
            throw new ArgumentException(minCost == long.MinValue && maxCost == long.MaxValue
                ? $"the space has too few distinct architectures for {count} samples (found {sorted.Count})"
                : $"{count * poolPerArchitecture:N0} random architectures gave {sorted.Count} distinct ones costing {minCost:N0}-{maxCost:N0}, fewer than the {count} asked for: widen the band or ask for fewer");
        long min = sorted[0].Cost, max = sorted[^1].Cost;
        var used = new bool[sorted.Count];
        var picked = new List<Architecture>();
        for (int i = 0; i < count; i++)
        {
            double target = count == 1 ? (min + max) / 2.0 : min + (max - min) * (double)i / (count - 1);
            int best = -1;
            for (int j = 0; j < sorted.Count; j++)
                if (!used[j] && (best < 0 || Math.Abs(sorted[j].Cost - target) < Math.Abs(sorted[best].Cost - target))) best = j;
            used[best] = true;
            picked.Add(sorted[best].Architecture);
        }
        return picked;
    }
}
