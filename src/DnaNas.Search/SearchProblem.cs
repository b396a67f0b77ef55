namespace DnaNas.Search;

/// <summary>
/// The validated input shared by every searcher: per-block options, the fixed cost of stem and head, the budget
/// and how many architectures to return. Validation lives here so that the exact and the brute-force searcher
/// reject the same inputs with the same messages.
/// </summary>
internal sealed class SearchProblem
{
    private SearchProblem(IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs, Budget budget, int k)
    {
        Blocks = blocks;
        FixedParams = fixedParams;
        FixedMacs = fixedMacs;
        Budget = budget;
        K = k;
    }

    public IReadOnlyList<IReadOnlyList<BlockOption>> Blocks { get; }
    public long FixedParams { get; }
    public long FixedMacs { get; }
    public Budget Budget { get; }

    /// <summary>How many architectures to return, at most the number in the space.</summary>
    public int K { get; }

    public CostKind Kind => Budget.Kind;
    public CostKind OtherKind => Budget.Kind == CostKind.Params ? CostKind.Macs : CostKind.Params;
    public long FixedCost => Budget.Kind == CostKind.Params ? FixedParams : FixedMacs;
    public long FixedOtherCost => Budget.Kind == CostKind.Params ? FixedMacs : FixedParams;

    public static SearchProblem Validate(IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs, Budget budget, int k)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(fixedParams);
        ArgumentOutOfRangeException.ThrowIfNegative(fixedMacs);
        if (!Enum.IsDefined(budget.Kind)) throw new ArgumentException($"unknown cost kind {budget.Kind}", nameof(budget));

        // Totals are summed in long without overflow checks in the hot loops, so the dearest architecture must fit.
        long maxParams = fixedParams, maxMacs = fixedMacs;
        for (int b = 0; b < blocks.Count; b++)
        {
            var options = blocks[b] ?? throw new ArgumentException($"block {b} is null", nameof(blocks));
            if (options.Count == 0) throw new ArgumentException($"block {b} has no options", nameof(blocks));
            var seen = new HashSet<int>();
            long blockMaxParams = 0, blockMaxMacs = 0;
            for (int i = 0; i < options.Count; i++)
            {
                var o = options[i];
                string where = $"block {b} option {i} (candidate {o.Candidate})";
                if (o.Candidate < 0) throw new ArgumentException($"{where}: candidate index is negative", nameof(blocks));
                if (!seen.Add(o.Candidate)) throw new ArgumentException($"{where}: candidate index appears twice in the block", nameof(blocks));
                if (!double.IsFinite(o.Rating)) throw new ArgumentException($"{where}: rating {o.Rating} is not finite", nameof(blocks));
                if (o.Params < 0 || o.Macs < 0) throw new ArgumentException($"{where}: costs must not be negative", nameof(blocks));
                blockMaxParams = Math.Max(blockMaxParams, o.Params);
                blockMaxMacs = Math.Max(blockMaxMacs, o.Macs);
            }
            try
            {
                maxParams = checked(maxParams + blockMaxParams);
                maxMacs = checked(maxMacs + blockMaxMacs);
            }
            catch (OverflowException)
            {
                throw new ArgumentException("the dearest architecture's total cost overflows a 64-bit integer", nameof(blocks));
            }
        }
        // Asking for more architectures than the space holds changes nothing but the size of buffers.
        long architectures = 1;
        foreach (var options in blocks) architectures = Math.Min(architectures * options.Count, int.MaxValue);
        return new SearchProblem(blocks, fixedParams, fixedMacs, budget, (int)Math.Min(k, architectures));
    }

    /// <summary>Total cost, in the budget's unit, of the cheapest architecture.</summary>
    public long CheapestCost()
    {
        long total = FixedCost;
        foreach (var options in Blocks) total += options.Min(o => o.Cost(Kind));
        return total;
    }

    /// <exception cref="InfeasibleBudgetException">when not even the cheapest architecture fits.</exception>
    public void ThrowIfInfeasible()
    {
        long cheapest = CheapestCost();
        if (cheapest > Budget.Limit) throw new InfeasibleBudgetException(Budget, cheapest);
    }
}
