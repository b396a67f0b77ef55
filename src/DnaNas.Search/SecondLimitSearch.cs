namespace DnaNas.Search;

/// <summary>
/// Exact top k under a budget and a second limit that a caller checks per architecture (a latency table's
/// prediction, say): the exact top K under the budget alone, filtered, with K doubled until k architectures pass
/// or every one within the budget was listed.
/// </summary>
/// <remarks>
/// Exact because <see cref="ExactSearch.TopK"/> returns a prefix of the total order of the architectures within the
/// budget: the first k of that prefix that also pass are the first k of the order restricted to both limits. The
/// cost is one more exact search per doubling; a second limit that rejects almost everything good is the slow case,
/// and it ends with an error after <c>maxListed</c> instead of listing the whole space.
/// </remarks>
public static class SecondLimitSearch
{
    /// <param name="fits">Whether an architecture (candidate indices in block order) keeps within the second limit.</param>
    /// <exception cref="InfeasibleBudgetException">when not even the cheapest architecture fits the budget.</exception>
    /// <exception cref="SecondLimitTooTightException">when fewer than k of the best <paramref name="maxListed"/> pass.</exception>
    public static IReadOnlyList<RankedArchitecture> TopK(IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs,
        Budget budget, int k, Func<IReadOnlyList<int>, bool> fits, int maxListed = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(fits);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        for (int listed = Math.Max(k, 64); ; listed = checked(listed * 2))
        {
            var ranked = ExactSearch.TopK(blocks, fixedParams, fixedMacs, budget, listed);
            var passing = ranked.Where(r => fits(r.Candidates)).Take(k).ToList();
            if (passing.Count == k || ranked.Count < listed) return passing;
            if (listed >= maxListed) throw new SecondLimitTooTightException(passing.Count, listed, budget);
        }
    }
}

/// <summary>The second limit rejects nearly every good architecture under the budget: raise it or lower the budget.</summary>
public sealed class SecondLimitTooTightException(int passing, int listed, Budget budget)
    : Exception($"only {passing} of the {listed:N0} best architectures under {budget} keep within the second limit: raise that limit or lower the budget");
