namespace DnaNas.Search.Tests;

public class PaperScaleTests
{
    public static TheoryData<CostKind, double> Budgets => new()
    {
        { CostKind.Macs, 0.05 }, { CostKind.Macs, 0.3 }, { CostKind.Macs, 0.7 },
        { CostKind.Params, 0.05 }, { CostKind.Params, 0.3 }, { CostKind.Params, 0.7 },
    };

    private static readonly PaperScaleInstance Instance = PaperScaleInstance.Create(seed: 0);

    [Fact]
    public void The_synthetic_instance_has_the_size_of_the_official_dna_space()
    {
        Assert.Equal([42, 1554, 1554, 1554, 1554, 6], Instance.Blocks.Select(b => b.Count));
        Assert.InRange(Instance.ArchitectureCount, 1.4e15, 1.5e15);
        Assert.All(Instance.Blocks.SelectMany(b => b), o => Assert.InRange(o.Macs, 1_000_000, 200_000_000));
        Assert.All(Instance.Blocks.SelectMany(b => b), o => Assert.InRange(o.Params, 1_000, 3_000_000));
    }

    // Brute force is out of reach at 1.4e15 architectures, so this checks a property the optimum must have:
    // it fits, and no architecture one block away from it that also fits rates better.
    [Theory]
    [MemberData(nameof(Budgets))]
    public void The_top_architecture_fits_and_no_single_block_change_within_budget_rates_lower(CostKind kind, double fraction)
    {
        var budget = Instance.BudgetAt(kind, fraction);
        var best = Assert.Single(ExactSearch.TopK(Instance.Blocks, Instance.FixedParams, Instance.FixedMacs, budget));
        Assert.True(best.Cost(kind) <= budget.Limit);

        var options = Instance.Blocks.Select(b => b.ToDictionary(o => o.Candidate)).ToList();
        Assert.Equal(best.Rating, RatingOf(options, best.Candidates));
        Assert.Equal(Instance.FixedParams + best.Candidates.Select((c, b) => options[b][c].Params).Sum(), best.Params);
        Assert.Equal(Instance.FixedMacs + best.Candidates.Select((c, b) => options[b][c].Macs).Sum(), best.Macs);
        for (int b = 0; b < options.Count; b++)
        {
            long others = best.Cost(kind) - options[b][best.Candidates[b]].Cost(kind);
            foreach (var option in Instance.Blocks[b])
            {
                if (others + option.Cost(kind) > budget.Limit) continue;
                var changed = best.Candidates.ToArray();
                changed[b] = option.Candidate;
                Assert.True(RatingOf(options, changed) >= best.Rating, $"block {b} candidate {option.Candidate} rates better and fits");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Budgets))]
    public void The_top_ten_fit_are_distinct_sorted_and_start_with_the_top_one(CostKind kind, double fraction)
    {
        var budget = Instance.BudgetAt(kind, fraction);
        var top1 = Assert.Single(ExactSearch.TopK(Instance.Blocks, Instance.FixedParams, Instance.FixedMacs, budget, 1));
        var top10 = ExactSearch.TopK(Instance.Blocks, Instance.FixedParams, Instance.FixedMacs, budget, 10);

        Assert.Equal(10, top10.Count);
        Assert.Equal(top1.ToString(), top10[0].ToString());
        Assert.All(top10, a => Assert.True(a.Cost(kind) <= budget.Limit));
        Assert.Equal(10, top10.Select(a => string.Join(",", a.Candidates)).Distinct().Count());
        for (int i = 1; i < top10.Count; i++)
            Assert.True(top10[i - 1].Rating < top10[i].Rating || (top10[i - 1].Rating == top10[i].Rating && top10[i - 1].Cost(kind) <= top10[i].Cost(kind)));
    }

    [Fact]
    public void The_benchmark_reports_a_time_for_each_of_the_twelve_queries_and_the_memory_used()
    {
        string report = SearchBenchmark.RunPaperScale(seed: 1);
        var lines = report.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Count(l => l.Contains(" ms ") && l.Contains("rating")));
        Assert.StartsWith("slowest query", lines[^1]);
        Assert.Contains("peak working set", lines[^1]);
    }

    private static double RatingOf(List<Dictionary<int, BlockOption>> options, IReadOnlyList<int> candidates)
    {
        double rating = 0.0;
        for (int b = 0; b < candidates.Count; b++) rating += options[b][candidates[b]].Rating;
        return rating;
    }
}
