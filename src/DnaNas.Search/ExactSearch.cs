namespace DnaNas.Search;

/// <summary>
/// Exact constrained search over per-block ratings. DNA rates every candidate of every block separately and
/// scores an architecture by the sum of its block ratings; its cost is a sum too, so the constrained search is a
/// multiple-choice knapsack (methods.md, DNA; Li et al., CVPR 2020). The official code walks a heuristically
/// pruned depth-first search that can miss the optimum; this returns the exact top k.
/// </summary>
/// <remarks>
/// Dynamic programming over the blocks in block order keeps a frontier of prefixes (choices for the first
/// blocks). A prefix or option is dropped only when it provably cannot be part of a top-k architecture:
/// <list type="number">
/// <item>Budget: it does not fit even with the cheapest options of the remaining blocks.</item>
/// <item>k-fold dominance: at least k others over the same blocks beat it, that is cost no more, rate no more,
/// and come first in (cost, candidate indices) order; the same completion of each of them is then a feasible
/// architecture that ranks strictly before its completion, so k architectures outrank every completion.</item>
/// <item>Bound: a quick heuristic finds k distinct feasible architectures; the worst of their ratings is a
/// threshold no top-k architecture exceeds. Whatever cannot get below it, by the linear-programming relaxation
/// of the remaining blocks (a lower bound on their summed rating within the remaining budget), is dropped;
/// options are dropped up front the same way (branch and bound's incumbent and reduction steps). Tighter
/// trial thresholds are tried first and kept only when k architectures found meet them (see Solve).</item>
/// </list>
/// Floating point cannot break these rules: ratings are always added in block order from zero, the order every
/// searcher uses to report them, and rounding is monotone, so rating a &lt;= b stays true after the same terms
/// are added to both; the bound is compared with the threshold only beyond a margin far above any roundoff.
/// Blocks are merged in their given order for that reason, and candidate indices then order the frontier
/// lexicographically for free. The problem is NP-hard, so some inputs (ratings exactly proportional to cost,
/// for one) defeat every rule but the first; DNA's ratings, which fall with cost but with noise, do not.
/// </remarks>
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
        return Solve(problem).Ranked;
    }

    /// <summary>The result, with what the benchmark reports about how it was found.</summary>
    /// <param name="Attempts">Dynamic programmes run, trial thresholds included.</param>
    /// <param name="TrialConfirmed">Whether a trial threshold, not the heuristic's, gave the result.</param>
    internal sealed record Outcome(IReadOnlyList<RankedArchitecture> Ranked, IReadOnlyList<int> FrontierSizes, int Attempts, bool TrialConfirmed);

    /// <summary>Fractions of the gap between the relaxation's bound and the incumbent threshold tried first.</summary>
    private static readonly double[] TrialThresholds = [1.0 / 512, 1.0 / 64, 1.0 / 8];

    /// <summary>
    /// Runs the dynamic programme with a threshold, first with guesses between the relaxation's bound (below
    /// which nothing rates) and the heuristic's threshold, then with that threshold. A guess is confirmed when k
    /// architectures found rate at most the guess: the true k-th best then does too, so nothing pruned for
    /// rating more was needed. The heuristic's threshold rests on k architectures already known, so it is
    /// never wrong, but it can be loose when many architectures rate almost alike; a tighter guess prunes far
    /// more, and a wrong one costs little because it prunes more still.
    /// </summary>
    internal static Outcome Solve(SearchProblem problem)
    {
        var kind = problem.Kind;
        long budgetForBlocks = problem.Budget.Limit - problem.FixedCost;
        BlockOption[][] options = [.. problem.Blocks.Select(block => OptionPruning.KeepFewerThanKBeaten(block, kind, problem.K))];
        double margin = RoundingMargin.For(options);
        double incumbent = IncumbentThreshold.Find(options, kind, budgetForBlocks, problem.K);
        if (double.IsPositiveInfinity(incumbent))
        {
            var unbounded = new FrontierSearch(problem, options, incumbent, margin);
            return new Outcome(unbounded.Run(), unbounded.FrontierSizes, 1, false);
        }

        double floor = new ConvexRelaxation(options, kind).LowerBound(budgetForBlocks);
        int attempts = 0;
        foreach (double fraction in TrialThresholds)
        {
            double guess = floor + fraction * (incumbent - floor);
            if (!(guess < incumbent)) break;
            attempts++;
            var reduced = OptionPruning.KeepWithinThreshold(options, kind, budgetForBlocks, guess, margin);
            if (reduced.Any(block => block.Length == 0)) continue;   // nothing rates that well
            var search = new FrontierSearch(problem, reduced, guess, margin);
            var ranked = search.Run();
            if (ranked.Count == problem.K && ranked[^1].Rating <= guess) return new Outcome(ranked, search.FrontierSizes, attempts, true);
        }
        var final = new FrontierSearch(problem, OptionPruning.KeepWithinThreshold(options, kind, budgetForBlocks, incumbent, margin), incumbent, margin);
        return new Outcome(final.Run(), final.FrontierSizes, attempts + 1, false);
    }
}
