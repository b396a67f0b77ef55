namespace DnaNas.Search;

/// <summary>
/// Exact top k over ops, depth and per-block width, where a block's cost depends on the previous block's width
/// (its first layer reads that many channels) and the head's on the last block's. Fixing every block's width
/// removes the coupling: each block's options then have fixed costs, and the rest is DNA's multiple-choice knapsack,
/// which <see cref="ExactSearch"/> solves exactly. So every width assignment is solved exactly and the results are
/// merged in the one order; an assignment whose best possible rating (each block's best option at its width) cannot
/// beat the k-th found is skipped, which is safe because ratings add up in block order and rounding is monotone.
/// Assignments go in order of that bound, so the skipping ends the walk early. Cost: one knapsack per assignment,
/// the product of the blocks' width counts (81 for four blocks of three widths).
/// </summary>
public static class WidthSearch
{
    /// <param name="fits">A second limit checked per architecture (widths, candidates), such as a latency table's prediction; null: none.</param>
    /// <exception cref="InfeasibleBudgetException">when not even the cheapest architecture fits.</exception>
    public static IReadOnlyList<WidthRankedArchitecture> TopK(WidthProblem problem, Budget budget, int k = 1,
        Func<IReadOnlyList<int>, IReadOnlyList<int>, bool>? fits = null, int maxListed = 1 << 16)
    {
        problem.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var order = WidthRankedArchitecture.Order(budget.Kind);
        var assignments = Assignments(problem).Select(w => (Widths: w, Bound: RatingBound(problem, w), Cheapest: Cheapest(problem, w, budget.Kind)))
            .OrderBy(a => a.Bound).ToList();
        long cheapest = assignments.Min(a => a.Cheapest);
        if (cheapest > budget.Limit) throw new InfeasibleBudgetException(budget, cheapest);

        var best = new List<WidthRankedArchitecture>();
        foreach (var (widths, bound, least) in assignments)
        {
            if (best.Count == k && bound > best[^1].Rating) break;
            if (least > budget.Limit) continue;
            var blocks = Enumerable.Range(0, widths.Length).Select(b => (IReadOnlyList<BlockOption>)problem.Blocks[b][widths[b]]
                .Select(o => new BlockOption(o.Candidate, o.Rating, o.Params[Previous(widths, b)], o.Macs[Previous(widths, b)])).ToArray()).ToArray();
            long fixedParams = problem.FixedCost(CostKind.Params, widths[^1]), fixedMacs = problem.FixedCost(CostKind.Macs, widths[^1]);
            var ranked = fits is null
                ? ExactSearch.TopK(blocks, fixedParams, fixedMacs, budget, k)
                : SecondLimitSearch.TopK(blocks, fixedParams, fixedMacs, budget, k, candidates => fits(widths, candidates), maxListed);
            best.AddRange(ranked.Select(r => new WidthRankedArchitecture(widths, r.Candidates, r.Rating, r.Params, r.Macs)));
            best.Sort(order);
            if (best.Count > k) best.RemoveRange(k, best.Count - k);
        }
        return best;
    }

    /// <summary>Every width assignment, one width index per block.</summary>
    internal static IEnumerable<int[]> Assignments(WidthProblem problem)
    {
        int n = problem.Blocks.Count;
        var widths = new int[n];
        while (true)
        {
            yield return (int[])widths.Clone();
            int b = n - 1;
            while (b >= 0 && ++widths[b] == problem.Blocks[b].Count) widths[b--] = 0;
            if (b < 0) yield break;
        }
    }

    internal static int Previous(IReadOnlyList<int> widths, int block) => block == 0 ? 0 : widths[block - 1];

    /// <summary>The best rating any architecture with these widths can have, summed in block order as the searchers sum.</summary>
    private static double RatingBound(WidthProblem problem, int[] widths)
    {
        double bound = 0;
        for (int b = 0; b < widths.Length; b++) bound += problem.Blocks[b][widths[b]].Min(o => o.Rating);
        return bound;
    }

    private static long Cheapest(WidthProblem problem, int[] widths, CostKind kind)
    {
        long total = problem.FixedCost(kind, widths[^1]);
        for (int b = 0; b < widths.Length; b++) total += problem.Blocks[b][widths[b]].Min(o => o.Cost(kind, Previous(widths, b)));
        return total;
    }
}

/// <summary>Enumerates every width and candidate of every block: the reference <see cref="WidthSearch"/> is tested against.</summary>
public static class WidthBruteForce
{
    /// <summary>Same contract as <see cref="WidthSearch.TopK"/>.</summary>
    public static IReadOnlyList<WidthRankedArchitecture> TopK(WidthProblem problem, Budget budget, int k = 1,
        Func<IReadOnlyList<int>, IReadOnlyList<int>, bool>? fits = null)
    {
        problem.Validate();
        var all = new List<WidthRankedArchitecture>();
        long cheapest = long.MaxValue;
        foreach (var widths in WidthSearch.Assignments(problem))
        {
            int n = widths.Length;
            var choice = new int[n];
            while (true)
            {
                double rating = 0;
                long parameters = problem.FixedCost(CostKind.Params, widths[^1]), macs = problem.FixedCost(CostKind.Macs, widths[^1]);
                var candidates = new int[n];
                for (int b = 0; b < n; b++)
                {
                    var o = problem.Blocks[b][widths[b]][choice[b]];
                    rating += o.Rating;
                    parameters += o.Params[WidthSearch.Previous(widths, b)];
                    macs += o.Macs[WidthSearch.Previous(widths, b)];
                    candidates[b] = o.Candidate;
                }
                var architecture = new WidthRankedArchitecture(widths, candidates, rating, parameters, macs);
                cheapest = Math.Min(cheapest, architecture.Cost(budget.Kind));
                if (architecture.Cost(budget.Kind) <= budget.Limit && (fits is null || fits(widths, candidates))) all.Add(architecture);
                int block = n - 1;
                while (block >= 0 && ++choice[block] == problem.Blocks[block][widths[block]].Count) choice[block--] = 0;
                if (block < 0) break;
            }
        }
        if (cheapest > budget.Limit) throw new InfeasibleBudgetException(budget, cheapest);
        all.Sort(WidthRankedArchitecture.Order(budget.Kind));
        return all.Take(k).ToList();
    }
}
