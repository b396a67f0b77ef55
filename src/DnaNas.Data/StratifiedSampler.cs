using DnaNas.Randomness;
namespace DnaNas.Data;

/// <summary>Seeded, class-balanced choice of a fixed number of images.</summary>
internal static class StratifiedSampler
{
    /// <summary>
    /// Chooses exactly <paramref name="takeCount"/> of the images so that each class keeps its share
    /// (largest-remainder rounding), picking at random within each class. Both results are in ascending
    /// index order, so the splits keep the source order.
    /// </summary>
    public static (int[] Taken, int[] Remaining) Split(int[] labels, int classCount, int takeCount, ulong seed)
    {
        int total = labels.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(takeCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(takeCount, total);

        var byClass = new List<int>[classCount];
        for (int c = 0; c < classCount; c++) byClass[c] = [];
        for (int i = 0; i < total; i++) byClass[labels[i]].Add(i);

        int[] quota = Apportion(byClass.Select(members => members.Count).ToArray(), takeCount);

        var random = new StableRandom(seed);
        var taken = new List<int>(takeCount);
        for (int c = 0; c < classCount; c++)
        {
            var members = byClass[c].ToArray();
            random.Shuffle(members);
            taken.AddRange(members.AsSpan(0, quota[c]));
        }
        taken.Sort();

        var isTaken = new bool[total];
        foreach (int index in taken) isTaken[index] = true;
        var remaining = new int[total - takeCount];
        for (int i = 0, r = 0; i < total; i++)
        {
            if (!isTaken[i]) remaining[r++] = i;
        }
        return (taken.ToArray(), remaining);
    }

    /// <summary>Number of images to hold out for a fraction of <paramref name="total"/>, rounded to nearest.</summary>
    public static int CountFor(int total, double fraction) =>
        (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);

    /// <summary>Hamilton's method: floor of each exact share, leftovers to the largest remainders (ties: lower class).</summary>
    private static int[] Apportion(int[] classSizes, int takeCount)
    {
        long total = classSizes.Sum(size => (long)size);
        var quota = new int[classSizes.Length];
        if (total == 0) return quota;
        var remainders = new long[classSizes.Length];
        int assigned = 0;
        for (int c = 0; c < classSizes.Length; c++)
        {
            long exact = (long)takeCount * classSizes[c];
            quota[c] = (int)(exact / total);
            remainders[c] = exact % total;
            assigned += quota[c];
        }
        var byRemainder = Enumerable.Range(0, classSizes.Length)
            .OrderByDescending(c => remainders[c]).ThenBy(c => c);
        foreach (int c in byRemainder.Take(takeCount - assigned)) quota[c]++;
        return quota;
    }
}
