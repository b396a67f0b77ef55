namespace DnaNas.Search;

/// <summary>
/// The linear-programming relaxation of the multiple-choice knapsack over a set of blocks: a lower bound on the
/// best summed rating those blocks can reach within a cost. Each block is replaced by the lower convex hull of
/// its (cost, rating) points; the relaxation's optimum takes hull segments greedily, steepest rating decrease
/// per unit of cost first, and the last one fractionally (Sinha and Zoltners, Oper. Res. 1979). Any integer
/// choice is a feasible point of the relaxation, so its value never exceeds an integer choice's rating.
/// </summary>
internal sealed class ConvexRelaxation
{
    /// <summary>One edge of a block's hull: moving from option From to option To buys RatingDrop (&lt; 0) for Cost.</summary>
    internal readonly record struct Segment(int Block, int From, int To, long Cost, double RatingDrop)
    {
        public double Slope => RatingDrop / Cost;
    }

    private readonly long[] _cumulativeCost;
    private readonly double[] _cumulativeDrop;

    /// <param name="blocks">Options per block; a null entry is a block the relaxation leaves out.</param>
    public ConvexRelaxation(IReadOnlyList<BlockOption[]?> blocks, CostKind kind)
    {
        var segments = new List<Segment>();
        var startOption = new int[blocks.Count];
        for (int b = 0; b < blocks.Count; b++)
        {
            var options = blocks[b];
            if (options is null) continue;
            int[] hull = LowerHull(options, kind);
            startOption[b] = hull[0];
            CheapestCost += options[hull[0]].Cost(kind);
            RatingAtCheapest += options[hull[0]].Rating;
            for (int i = 1; i < hull.Length; i++)
            {
                BlockOption from = options[hull[i - 1]], to = options[hull[i]];
                segments.Add(new Segment(b, hull[i - 1], hull[i], to.Cost(kind) - from.Cost(kind), to.Rating - from.Rating));
            }
        }
        // A block's slopes increase along its hull, so this order takes each block's segments in hull order.
        segments.Sort((x, y) =>
        {
            int c = x.Slope.CompareTo(y.Slope);
            if (c != 0) return c;
            c = x.Block.CompareTo(y.Block);
            return c != 0 ? c : x.From.CompareTo(y.From);
        });
        Segments = segments;
        StartOption = startOption;
        _cumulativeCost = new long[segments.Count + 1];
        _cumulativeDrop = new double[segments.Count + 1];
        for (int i = 0; i < segments.Count; i++)
        {
            _cumulativeCost[i + 1] = _cumulativeCost[i] + segments[i].Cost;
            _cumulativeDrop[i + 1] = _cumulativeDrop[i] + segments[i].RatingDrop;
        }
    }

    /// <summary>Summed cost of each included block's cheapest option.</summary>
    public long CheapestCost { get; }

    /// <summary>Summed rating of each included block's best-rated cheapest option: the relaxation at no extra cost.</summary>
    public double RatingAtCheapest { get; }

    /// <summary>All hull segments, in the order the greedy takes them.</summary>
    public IReadOnlyList<Segment> Segments { get; }

    /// <summary>Per block, the option at the start of its hull (its cheapest, best rated among equally cheap).</summary>
    public IReadOnlyList<int> StartOption { get; }

    /// <summary>How many segments fit whole into <paramref name="cost"/>, cheapest costs already paid.</summary>
    public int WholeSegmentsWithin(long cost)
    {
        long extra = cost - CheapestCost;
        if (extra < 0) return -1;
        int index = Array.BinarySearch(_cumulativeCost, extra);
        if (index < 0) return ~index - 1;
        while (index + 1 < _cumulativeCost.Length && _cumulativeCost[index + 1] == extra) index++;
        return index;
    }

    /// <summary>
    /// A lower bound on the summed rating of the included blocks when their summed cost is at most
    /// <paramref name="cost"/>; +infinity when not even their cheapest options fit.
    /// </summary>
    public double LowerBound(long cost)
    {
        int whole = WholeSegmentsWithin(cost);
        if (whole < 0) return double.PositiveInfinity;
        double bound = RatingAtCheapest + _cumulativeDrop[whole];
        if (whole < Segments.Count) bound += Segments[whole].Slope * (cost - CheapestCost - _cumulativeCost[whole]);
        return bound;
    }

    /// <summary>
    /// Indices of the options on the lower convex hull of one block's (cost, rating) points, from the cheapest
    /// (best rated among equally cheap) to the best rated (cheapest among equally rated). Convexity is tested on
    /// the computed slopes themselves, so the slopes the greedy sorts by strictly increase along each hull.
    /// </summary>
    private static int[] LowerHull(BlockOption[] options, CostKind kind)
    {
        var byCost = Enumerable.Range(0, options.Length)
            .OrderBy(i => options[i].Cost(kind)).ThenBy(i => options[i].Rating).ToArray();
        var hull = new List<int>();
        foreach (int i in byCost)
        {
            // Only points that improve on every cheaper point can be on the decreasing part of the hull.
            if (hull.Count > 0 && options[i].Rating >= options[hull[^1]].Rating) continue;
            while (hull.Count >= 2 && Slope(options, kind, hull[^2], hull[^1]) >= Slope(options, kind, hull[^1], i))
                hull.RemoveAt(hull.Count - 1);
            hull.Add(i);
        }
        return [.. hull];
    }

    private static double Slope(BlockOption[] options, CostKind kind, int from, int to) =>
        (options[to].Rating - options[from].Rating) / (options[to].Cost(kind) - options[from].Cost(kind));
}
