namespace DnaNas.Search;

/// <summary>
/// One candidate of one block at one of the block's output widths, as a width search sees it. Its cost depends on
/// the width of the block before it, whose output its first layer reads: entry p of <see cref="Params"/> and
/// <see cref="Macs"/> is its cost after the previous block's width p (the stem's one width, entry 0, for the first
/// block). Its rating does not: a block is rated on fixed inputs (a teacher's, or the fixed blocks before it).
/// </summary>
public sealed record WidthOption(int Candidate, double Rating, IReadOnlyList<long> Params, IReadOnlyList<long> Macs)
{
    public long Cost(CostKind kind, int previousWidth) => kind == CostKind.Params ? Params[previousWidth] : Macs[previousWidth];
}

/// <summary>
/// A search over ops, depth and per-block output width: <see cref="Blocks"/>[b][w] holds block b's options at its
/// width w. The stem costs the same for every architecture; the head reads the last block's output, so its cost
/// depends on that block's width.
/// </summary>
public sealed record WidthProblem(IReadOnlyList<IReadOnlyList<IReadOnlyList<WidthOption>>> Blocks,
    long StemParams, long StemMacs, IReadOnlyList<long> HeadParams, IReadOnlyList<long> HeadMacs)
{
    /// <summary>Widths of the block before block b (1 for the first block: the stem's).</summary>
    public int PreviousWidths(int block) => block == 0 ? 1 : Blocks[block - 1].Count;

    public long FixedCost(CostKind kind, int lastWidth) =>
        kind == CostKind.Params ? StemParams + HeadParams[lastWidth] : StemMacs + HeadMacs[lastWidth];

    /// <summary>Throws a one-line <see cref="ArgumentException"/> naming the first malformed part.</summary>
    public void Validate()
    {
        if (Blocks.Count == 0) throw new ArgumentException("a width problem needs at least one block");
        for (int b = 0; b < Blocks.Count; b++)
        {
            if (Blocks[b].Count == 0) throw new ArgumentException($"block {b} has no widths");
            for (int w = 0; w < Blocks[b].Count; w++)
            {
                if (Blocks[b][w].Count == 0) throw new ArgumentException($"block {b} width {w} has no options");
                foreach (var o in Blocks[b][w])
                    if (o.Params.Count != PreviousWidths(b) || o.Macs.Count != PreviousWidths(b))
                        throw new ArgumentException($"block {b} width {w} candidate {o.Candidate}: needs a cost for each of the {PreviousWidths(b)} width(s) before it");
            }
        }
        if (HeadParams.Count != Blocks[^1].Count || HeadMacs.Count != Blocks[^1].Count)
            throw new ArgumentException($"the head needs a cost for each of the last block's {Blocks[^1].Count} widths");
    }
}

/// <summary>An architecture a width search found: each block's width and candidate, and its totals (stem and head included).</summary>
public sealed record WidthRankedArchitecture(IReadOnlyList<int> Widths, IReadOnlyList<int> Candidates, double Rating, long Params, long Macs)
{
    public long Cost(CostKind kind) => kind == CostKind.Params ? Params : Macs;

    public bool Equals(WidthRankedArchitecture? other) =>
        other is not null && Rating.Equals(other.Rating) && Params == other.Params && Macs == other.Macs &&
        Widths.SequenceEqual(other.Widths) && Candidates.SequenceEqual(other.Candidates);

    public override int GetHashCode() => HashCode.Combine(Rating, Params, Macs, Widths.Count > 0 ? Widths[0] : -1, Candidates.Count > 0 ? Candidates[0] : -1);

    public override string ToString() =>
        $"widths [{string.Join(",", Widths)}] candidates [{string.Join(",", Candidates)}] rating {Rating:R}, {Budget.Describe(CostKind.Params, Params)}, {Budget.Describe(CostKind.Macs, Macs)}";

    /// <summary>The searchers' one order: rating, then the budget's cost, then widths and candidates lexicographically.</summary>
    internal static Comparison<WidthRankedArchitecture> Order(CostKind kind) => (x, y) =>
    {
        int c = x.Rating.CompareTo(y.Rating);
        if (c == 0) c = x.Cost(kind).CompareTo(y.Cost(kind));
        if (c == 0) c = ArchitectureOrder.CompareLexicographically(x.Widths, y.Widths);
        if (c == 0) c = ArchitectureOrder.CompareLexicographically(x.Candidates, y.Candidates);
        return c;
    };
}
