namespace DnaNas.Search;

/// <summary>
/// The one total order in which searchers rank architectures: rating ascending, then the budget's cost
/// ascending (of two equally rated architectures the cheaper is preferred), then candidate indices
/// lexicographically in block order. Candidate indices are distinct within a block, so no two architectures
/// tie and every searcher returns the same list.
/// </summary>
internal sealed class ArchitectureOrder(CostKind kind) : IComparer<RankedArchitecture>
{
    public int Compare(RankedArchitecture? x, RankedArchitecture? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int byRating = x.Rating.CompareTo(y.Rating);
        if (byRating != 0) return byRating;
        int byCost = x.Cost(kind).CompareTo(y.Cost(kind));
        if (byCost != 0) return byCost;
        return CompareLexicographically(x.Candidates, y.Candidates);
    }

    public static int CompareLexicographically(IReadOnlyList<int> x, IReadOnlyList<int> y)
    {
        int n = Math.Min(x.Count, y.Count);
        for (int i = 0; i < n; i++)
        {
            int c = x[i].CompareTo(y[i]);
            if (c != 0) return c;
        }
        return x.Count.CompareTo(y.Count);
    }
}
