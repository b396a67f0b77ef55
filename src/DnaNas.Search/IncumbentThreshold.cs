namespace DnaNas.Search;

/// <summary>
/// A rating that at least k distinct feasible architectures reach, found by a quick heuristic: whatever rates
/// worse cannot be in the top k, so the exact search may prune it (branch and bound's incumbent, generalised
/// to k). The heuristic rounds the relaxation's optimum down to a feasible architecture, improves it by
/// single-block swaps, and takes the k-th best of it and its feasible single-block neighbours.
/// </summary>
internal static class IncumbentThreshold
{
    private const int MaxImprovingSteps = 64;

    /// <summary>+infinity when the heuristic finds fewer than k feasible architectures.</summary>
    public static double Find(BlockOption[][] blocks, CostKind kind, long budgetForBlocks, int k)
    {
        int n = blocks.Length;
        var choice = RoundedRelaxation(blocks, kind, budgetForBlocks);
        long cost = 0;
        for (int b = 0; b < n; b++) cost += blocks[b][choice[b]].Cost(kind);

        for (int step = 0; step < MaxImprovingSteps; step++)
        {
            double current = Rating(blocks, choice);
            (int Block, int Option, double Rating) best = (-1, -1, current);
            ForEachFeasibleNeighbour(blocks, kind, budgetForBlocks, choice, cost, (b, o, rating) =>
            {
                if (rating < best.Rating) best = (b, o, rating);
            });
            if (best.Block < 0) break;
            cost += blocks[best.Block][best.Option].Cost(kind) - blocks[best.Block][choice[best.Block]].Cost(kind);
            choice[best.Block] = best.Option;
        }

        // The incumbent and its single-block neighbours are distinct architectures.
        var kBest = new KSmallestRatings(k);
        kBest.Add(Rating(blocks, choice));
        ForEachFeasibleNeighbour(blocks, kind, budgetForBlocks, choice, cost, (_, _, rating) => kBest.Add(rating));
        return kBest.KthSmallest;
    }

    /// <summary>The relaxation's greedy without its fractional last segment: feasible by construction.</summary>
    private static int[] RoundedRelaxation(BlockOption[][] blocks, CostKind kind, long budgetForBlocks)
    {
        var relaxation = new ConvexRelaxation(blocks, kind);
        var choice = relaxation.StartOption.ToArray();
        int whole = relaxation.WholeSegmentsWithin(budgetForBlocks);
        for (int i = 0; i < whole; i++) choice[relaxation.Segments[i].Block] = relaxation.Segments[i].To;
        return choice;
    }

    private static void ForEachFeasibleNeighbour(
        BlockOption[][] blocks, CostKind kind, long budgetForBlocks, int[] choice, long cost, Action<int, int, double> visit)
    {
        for (int b = 0; b < blocks.Length; b++)
        {
            int original = choice[b];
            long others = cost - blocks[b][original].Cost(kind);
            for (int o = 0; o < blocks[b].Length; o++)
            {
                if (o == original || others + blocks[b][o].Cost(kind) > budgetForBlocks) continue;
                choice[b] = o;
                visit(b, o, Rating(blocks, choice));
            }
            choice[b] = original;
        }
    }

    /// <summary>Summed in block order from zero, as every searcher sums, so the value is an attainable rating.</summary>
    private static double Rating(BlockOption[][] blocks, int[] choice)
    {
        double rating = 0.0;
        for (int b = 0; b < blocks.Length; b++) rating += blocks[b][choice[b]].Rating;
        return rating;
    }
}
