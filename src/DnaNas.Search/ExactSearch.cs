namespace DnaNas.Search;

/// <summary>
/// Exact constrained search over per-block ratings. DNA rates each block's candidates separately and scores an
/// architecture by the sum of its block ratings, and its cost is a sum too, so the constrained search is a
/// multiple-choice knapsack (DNA, Li et al. CVPR 2020, architecture search step). The official code prunes a
/// depth-first search heuristically and can miss the optimum; this solves it exactly and returns the top k.
/// </summary>
public static class ExactSearch
{
    /// <summary>
    /// The k best architectures whose total cost of <paramref name="budget"/>'s kind (fixed cost plus the sum of
    /// the chosen options') is at most its limit, best first: by rating (sum of block ratings, added in block
    /// order), then by that cost, then by candidate indices lexicographically. Fewer than k when fewer fit.
    /// </summary>
    /// <param name="blocks">Per block, its options; candidate indices must be distinct within a block.</param>
    /// <param name="fixedParams">Parameters of stem and head, paid by every architecture.</param>
    /// <param name="fixedMacs">MACs of stem and head, paid by every architecture.</param>
    /// <exception cref="InfeasibleBudgetException">when not even the cheapest architecture fits.</exception>
    public static IReadOnlyList<RankedArchitecture> TopK(
        IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs, Budget budget, int k = 1)
    {
        var problem = SearchProblem.Validate(blocks, fixedParams, fixedMacs, budget, k);
        problem.ThrowIfInfeasible();
        return Prepare(problem).Run();
    }

    internal static FrontierSearch Prepare(SearchProblem problem)
    {
        var kind = problem.Kind;
        long budgetForBlocks = problem.Budget.Limit - problem.FixedCost;
        BlockOption[][] options = [.. problem.Blocks.Select(block => OptionPruning.KeepFewerThanKBeaten(block, kind, problem.K))];
        double margin = RoundingMargin.For(options);
        double threshold = IncumbentThreshold.Find(options, kind, budgetForBlocks, problem.K);
        if (!double.IsPositiveInfinity(threshold))
            options = OptionPruning.KeepWithinThreshold(options, kind, budgetForBlocks, threshold, margin);
        return new FrontierSearch(problem, options, threshold, margin);
    }
}
