namespace DnaNas.Search.Tests;

public class SecondLimitSearchTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, 150)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_top_k_under_a_budget_and_a_second_additive_limit_match_a_full_enumeration(int seed)
    {
        if (Case(seed) is not var (instance, fits)) return; // infeasible budgets are ExactSearch's contract, tested beside it
        var (blocks, fixedParams, fixedMacs, budget, k) = instance;

        var expected = Enumerate(blocks, fixedParams, fixedMacs)
            .Where(a => a.Cost(budget.Kind) <= budget.Limit && fits(a.Candidates))
            .Order(new ArchitectureOrder(budget.Kind)).Take(k).ToList();
        var actual = SecondLimitSearch.TopK(blocks, fixedParams, fixedMacs, budget, k, fits, maxListed: 1 << 20);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_cases_include_second_limits_that_change_the_answer_that_leave_it_and_that_nothing_meets()
    {
        var outcomes = Enumerable.Range(0, 150).Select(Case).Where(c => c is not null).Select(c => c!.Value).Select(c =>
        {
            var (blocks, fixedParams, fixedMacs, budget, k) = c.Instance;
            var plain = ExactSearch.TopK(blocks, fixedParams, fixedMacs, budget, k);
            var both = SecondLimitSearch.TopK(blocks, fixedParams, fixedMacs, budget, k, c.Fits, maxListed: 1 << 20);
            return both.Count == 0 ? "none" : both.SequenceEqual(plain) ? "same" : "changed";
        }).ToList();
        foreach (var outcome in new[] { "none", "same", "changed" })
            Assert.True(outcomes.Count(o => o == outcome) >= 10, $"{outcome}: {outcomes.Count(o => o == outcome)} of {outcomes.Count}");
    }

    /// <summary>
    /// A small random instance with a second additive cost per option (a latency, say) and a limit anywhere from
    /// "nothing fits" to "all fit"; null when the budget itself is infeasible.
    /// </summary>
    private static (RandomInstance Instance, Func<IReadOnlyList<int>, bool> Fits)? Case(int seed)
    {
        var instance = RandomInstance.Small(seed);
        var (blocks, fixedParams, fixedMacs, budget, _) = instance;
        if (blocks.Sum(b => b.Min(o => o.Cost(budget.Kind))) + (budget.Kind == CostKind.Params ? fixedParams : fixedMacs) > budget.Limit)
            return null;
        var random = new Random(seed + 7);
        var second = blocks.Select(b => b.ToDictionary(o => o.Candidate, _ => random.Next(0, 100))).ToArray();
        int lowest = second.Sum(b => b.Values.Min()), highest = second.Sum(b => b.Values.Max());
        int limit = lowest - 1 + random.Next(highest - lowest + 3);
        return (instance, candidates => candidates.Select((c, b) => second[b][c]).Sum() <= limit);
    }

    [Fact]
    public void A_second_limit_that_rejects_the_best_architectures_is_an_error_that_says_what_to_change()
    {
        var blocks = Enumerable.Range(0, 3).Select(b => (IReadOnlyList<BlockOption>)Enumerable.Range(0, 10)
            .Select(i => new BlockOption(i, -i, i, i)).ToArray()).ToArray();
        // Only the architecture of all-zero candidates passes, and it rates worst of the 1,000.
        var e = Assert.Throws<SecondLimitTooTightException>(() => SecondLimitSearch.TopK(blocks, 0, 0, new Budget(CostKind.Params, 100), 1,
            candidates => candidates.All(c => c == 0), maxListed: 128));
        Assert.Contains("raise that limit", e.Message);
        Assert.Single(SecondLimitSearch.TopK(blocks, 0, 0, new Budget(CostKind.Params, 100), 1, candidates => candidates.All(c => c == 0), maxListed: 1024));
    }

    private static IEnumerable<RankedArchitecture> Enumerate(IReadOnlyList<IReadOnlyList<BlockOption>> blocks, long fixedParams, long fixedMacs)
    {
        IEnumerable<(double Rating, long Params, long Macs, int[] Candidates)> partial = [(0.0, fixedParams, fixedMacs, [])];
        foreach (var block in blocks)
        {
            var before = partial;
            partial = before.SelectMany(p => block.Select(o => (p.Rating + o.Rating, p.Params + o.Params, p.Macs + o.Macs, (int[])[.. p.Candidates, o.Candidate])));
        }
        return partial.Select(p => new RankedArchitecture(p.Candidates, p.Rating, p.Params, p.Macs));
    }
}
