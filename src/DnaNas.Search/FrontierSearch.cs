namespace DnaNas.Search;

/// <summary>
/// Exact top-k multiple-choice knapsack: dynamic programming over the blocks in order, keeping after each block
/// only the prefixes (partial architectures) that can still be in the top k. See <see cref="ExactSearch"/> for
/// why each pruning rule is exact.
/// </summary>
internal sealed class FrontierSearch
{
    private readonly SearchProblem _problem;
    private readonly BlockOption[][] _options;
    private readonly double _threshold;
    private readonly double _margin;

    /// <summary>Per block b, the relaxation of blocks b, b+1, ..., last; empty past the last block.</summary>
    private readonly ConvexRelaxation[] _suffix;

    /// <param name="options">Per block, the options that survived pruning, in candidate order.</param>
    /// <param name="threshold">A rating that k feasible architectures reach; +infinity if none is known.</param>
    /// <param name="margin">Bound and threshold must differ by more than this to prune (rounding).</param>
    public FrontierSearch(SearchProblem problem, BlockOption[][] options, double threshold, double margin)
    {
        _problem = problem;
        _options = options;
        _threshold = threshold;
        _margin = margin;
        int n = options.Length;
        _suffix = new ConvexRelaxation[n + 1];
        for (int b = 0; b <= n; b++)
            _suffix[b] = new ConvexRelaxation([.. options.Select((block, i) => i >= b ? block : null)], problem.Kind);
    }

    /// <summary>Frontier sizes after each block, for the benchmark's report.</summary>
    public List<int> FrontierSizes { get; } = [];

    public IReadOnlyList<RankedArchitecture> Run()
    {
        var stages = new List<PartialSolutions> { PartialSolutions.Empty(_problem.FixedCost, _problem.FixedOtherCost) };
        for (int b = 0; b < _options.Length; b++)
        {
            stages.Add(Extend(stages[^1], b));
            FrontierSizes.Add(stages[^1].Count);
        }
        return Best(stages);
    }

    /// <summary>
    /// Appends every option of block b to every kept prefix and keeps the longer prefixes that (1) fit the
    /// budget with the cheapest options of the remaining blocks, (2) could still reach the threshold by the
    /// relaxation's bound for the remaining blocks, and (3) fewer than k other longer prefixes beat.
    /// </summary>
    private PartialSolutions Extend(PartialSolutions prefixes, int b)
    {
        var options = _options[b];
        var kind = _problem.Kind;
        var rest = _suffix[b + 1];
        long limit = _problem.Budget.Limit;
        long roomForOptions = limit - rest.CheapestCost;
        bool pruneByBound = !double.IsPositiveInfinity(_threshold);
        double prunedAbove = _threshold + _margin;

        var optionCost = new long[options.Length];
        var optionRating = new double[options.Length];
        for (int o = 0; o < options.Length; o++)
        {
            optionCost[o] = options[o].Cost(kind);
            optionRating[o] = options[o].Rating;
        }

        // Generated parent-major, option-minor: parents are in lexicographic order and options in candidate
        // order, so generation order is the lexicographic order of the longer prefixes.
        var generated = new GeneratedPrefixes(Math.Max(16, prefixes.Count * 4));
        for (int p = 0; p < prefixes.Count; p++)
        {
            long basis = prefixes.Cost[p];
            double basisRating = prefixes.Rating[p];
            for (int o = 0; o < optionCost.Length; o++)
            {
                long cost = basis + optionCost[o];
                if (cost > roomForOptions) continue;
                double rating = basisRating + optionRating[o];
                if (pruneByBound && rating + rest.LowerBound(limit - cost) > prunedAbove) continue;
                generated.Add(cost, rating, p, o);
            }
        }

        var kept = KeepFewerThanKBeaten(generated);
        var next = new PartialSolutions(kept.Length);
        var otherKind = _problem.OtherKind;
        for (int j = 0; j < kept.Length; j++)
        {
            int i = kept[j], p = generated.Parent[i];
            next.Cost[j] = generated.Cost[i];
            next.OtherCost[j] = prefixes.OtherCost[p] + options[generated.Option[i]].Cost(otherKind);
            next.Rating[j] = generated.Rating[i];
            next.Parent[j] = p;
            next.Option[j] = generated.Option[i];
        }
        return next;
    }

    /// <summary>
    /// Generation indices, in generation (lexicographic) order, of the prefixes that fewer than k others beat.
    /// Prefix P beats prefix Q over the same blocks when P costs no more, rates no more, and comes first in
    /// (cost, lexicographic) order: for any completion S, P+S is then feasible whenever Q+S is and ranks before
    /// it, so Q+S is in no top-k list. Visiting prefixes in (cost, lexicographic) order, every prefix that
    /// could beat Q comes before it, and it is beaten k times exactly when k earlier ones rate no more.
    /// </summary>
    private int[] KeepFewerThanKBeaten(GeneratedPrefixes generated)
    {
        int count = generated.Count;
        var keys = generated.Cost.AsSpan(0, count).ToArray();
        var sweep = new int[count];
        for (int i = 0; i < count; i++) sweep[i] = i;
        Array.Sort(keys, sweep);
        for (int start = 0; start < count;)
        {
            int end = start + 1;
            while (end < count && keys[end] == keys[start]) end++;
            if (end - start > 1) Array.Sort(sweep, start, end - start);
            start = end;
        }

        var smallest = new KSmallestRatings(_problem.K);
        int keptCount = 0;
        foreach (int i in sweep)
        {
            double rating = generated.Rating[i];
            if (smallest.HasKAtMost(rating)) continue;
            smallest.Add(rating);
            sweep[keptCount++] = i;
        }
        var kept = sweep.AsSpan(0, keptCount).ToArray();
        Array.Sort(kept);
        return kept;
    }

    private IReadOnlyList<RankedArchitecture> Best(List<PartialSolutions> stages)
    {
        var last = stages[^1];
        var indices = Enumerable.Range(0, last.Count).ToArray();
        // Index order is lexicographic order, so it breaks the remaining ties.
        Array.Sort(indices, (x, y) =>
        {
            int c = last.Rating[x].CompareTo(last.Rating[y]);
            if (c != 0) return c;
            c = last.Cost[x].CompareTo(last.Cost[y]);
            return c != 0 ? c : x.CompareTo(y);
        });
        var result = new List<RankedArchitecture>(Math.Min(_problem.K, indices.Length));
        foreach (int index in indices.Take(_problem.K)) result.Add(Reconstruct(stages, index));
        return result;
    }

    private RankedArchitecture Reconstruct(List<PartialSolutions> stages, int index)
    {
        int n = _options.Length;
        var candidates = new int[n];
        for (int b = n - 1, i = index; b >= 0; b--)
        {
            var stage = stages[b + 1];
            candidates[b] = _options[b][stage.Option[i]].Candidate;
            i = stage.Parent[i];
        }
        var last = stages[^1];
        long cost = last.Cost[index], other = last.OtherCost[index];
        return _problem.Kind == CostKind.Params
            ? new RankedArchitecture(candidates, last.Rating[index], cost, other)
            : new RankedArchitecture(candidates, last.Rating[index], other, cost);
    }

    /// <summary>Growable parallel arrays of the prefixes generated from one block, before pruning.</summary>
    private sealed class GeneratedPrefixes(int capacity)
    {
        public long[] Cost = new long[capacity];
        public double[] Rating = new double[capacity];
        public int[] Parent = new int[capacity];
        public int[] Option = new int[capacity];
        public int Count;

        public void Add(long cost, double rating, int parent, int option)
        {
            if (Count == Cost.Length)
            {
                int grown = checked(Count * 2);
                Array.Resize(ref Cost, grown);
                Array.Resize(ref Rating, grown);
                Array.Resize(ref Parent, grown);
                Array.Resize(ref Option, grown);
            }
            Cost[Count] = cost;
            Rating[Count] = rating;
            Parent[Count] = parent;
            Option[Count] = option;
            Count++;
        }
    }
}
