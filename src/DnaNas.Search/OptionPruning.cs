namespace DnaNas.Search;

/// <summary>
/// Drops the options of one block that cannot be part of any top-k architecture, before blocks are combined.
/// </summary>
internal static class OptionPruning
{
    /// <summary>
    /// Keeps the options that fewer than k others of the same block beat, in candidate order. Option p beats
    /// option q when p costs at most as much (in the budget's unit), rates at most as much, and comes first in
    /// (cost, candidate) order. Swapping q for p in any feasible architecture then gives a feasible architecture
    /// that ranks strictly before it (rating no higher, then cost lower, or cost equal and candidate smaller),
    /// so an option beaten k times is in no top-k architecture. Ratings are compared as added in block order:
    /// floating-point addition is monotone, so a &lt;= b still holds after the same further terms are added.
    /// </summary>
    public static BlockOption[] KeepFewerThanKBeaten(IReadOnlyList<BlockOption> options, CostKind kind, int k)
    {
        var sweep = options.OrderBy(o => o.Cost(kind)).ThenBy(o => o.Candidate).ToArray();
        var smallest = new KSmallestRatings(k);
        var kept = new List<BlockOption>(sweep.Length);
        foreach (var option in sweep)
        {
            if (smallest.HasKAtMost(option.Rating)) continue;
            kept.Add(option);
            smallest.Add(option.Rating);
        }
        kept.Sort((a, b) => a.Candidate.CompareTo(b.Candidate));
        return [.. kept];
    }

    /// <summary>
    /// Keeps, per block, the options that some architecture within budget could combine into a rating at most
    /// <paramref name="threshold"/>: the option's rating plus the relaxation's bound for the other blocks in the
    /// budget left (the classic reduction step of knapsack branch and bound). Repeats while it removes options,
    /// because smaller blocks have tighter hulls. Keeps candidate order. A block left empty means that no
    /// architecture within budget rates at most the threshold.
    /// </summary>
    public static BlockOption[][] KeepWithinThreshold(BlockOption[][] blocks, CostKind kind, long budgetForBlocks, double threshold, double margin)
    {
        for (int round = 0; round < 4; round++)
        {
            bool removed = false;
            var reduced = new BlockOption[blocks.Length][];
            for (int b = 0; b < blocks.Length; b++)
            {
                var others = new ConvexRelaxation([.. blocks.Select((options, i) => i == b ? null : options)], kind);
                reduced[b] = [.. blocks[b].Where(o =>
                    o.Cost(kind) + others.CheapestCost <= budgetForBlocks &&
                    !(o.Rating + others.LowerBound(budgetForBlocks - o.Cost(kind)) > threshold + margin))];
                removed |= reduced[b].Length < blocks[b].Length;
            }
            blocks = reduced;
            if (!removed || blocks.Any(options => options.Length == 0)) break;
        }
        return blocks;
    }
}
