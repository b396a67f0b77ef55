namespace DnaNas.Search;

/// <summary>
/// One architecture found by a search: the chosen candidate index of each block, in block order, and its
/// totals. Rating is the sum of the block ratings added in block order; Params and Macs include the fixed
/// cost of stem and head.
/// </summary>
public sealed record RankedArchitecture(IReadOnlyList<int> Candidates, double Rating, long Params, long Macs)
{
    public long Cost(CostKind kind) => kind == CostKind.Params ? Params : Macs;

    /// <summary>Equal when the candidates are equal element by element, not merely the same list object.</summary>
    public bool Equals(RankedArchitecture? other) =>
        other is not null && Rating.Equals(other.Rating) && Params == other.Params && Macs == other.Macs &&
        Candidates.SequenceEqual(other.Candidates);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int candidate in Candidates) hash.Add(candidate);
        return HashCode.Combine(hash.ToHashCode(), Rating, Params, Macs);
    }

    public override string ToString() =>
        $"[{string.Join(",", Candidates)}] rating {Rating:R}, {Budget.Describe(CostKind.Params, Params)}, {Budget.Describe(CostKind.Macs, Macs)}";
}
