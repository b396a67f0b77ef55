namespace DnaNas.Search;

/// <summary>
/// Enumerates every architecture. Exponential in the number of blocks: meant as the reference that tests hold
/// <see cref="ExactSearch"/> against, and for spaces small enough to list.
/// </summary>
public static class BruteForceSearch
{
    /// <summary>Same contract as <see cref="ExactSearch.TopK"/>.</summary>
    public static IReadOnlyList<RankedArchitecture> TopK(
        IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs, Budget budget, int k = 1)
    {
        var problem = SearchProblem.Validate(blocks, fixedParams, fixedMacs, budget, k);
        problem.ThrowIfInfeasible();

        var order = new ArchitectureOrder(budget.Kind);
        k = problem.K;
        var best = new List<RankedArchitecture>(k + 1);
        int n = blocks.Count;
        var choice = new int[n];
        while (true)
        {
            // Ratings are added in block order, starting from zero, exactly as ExactSearch adds them, so that
            // equal architectures get bit-identical ratings from both searchers.
            double rating = 0.0;
            long parameters = fixedParams, macs = fixedMacs;
            var candidates = new int[n];
            for (int b = 0; b < n; b++)
            {
                var option = blocks[b][choice[b]];
                rating += option.Rating;
                parameters += option.Params;
                macs += option.Macs;
                candidates[b] = option.Candidate;
            }
            var architecture = new RankedArchitecture(candidates, rating, parameters, macs);
            if (architecture.Cost(budget.Kind) <= budget.Limit) InsertIntoBest(best, architecture, order, k);

            int block = n - 1;
            while (block >= 0 && ++choice[block] == blocks[block].Count) choice[block--] = 0;
            if (block < 0) return best;
        }
    }

    private static void InsertIntoBest(List<RankedArchitecture> best, RankedArchitecture architecture, ArchitectureOrder order, int k)
    {
        int at = best.BinarySearch(architecture, order);
        if (at < 0) at = ~at;
        if (at >= k) return;
        best.Insert(at, architecture);
        if (best.Count > k) best.RemoveAt(k);
    }
}
