namespace DnaNas.Search.Tests;

/// <summary>
/// The exact width search (<see cref="WidthSearch"/>) against enumerating everything, on small random instances
/// shaped like an MBConv space with width choices: a block's first layer reads the previous block's width, so its
/// cost depends on it; the head reads the last block's.
/// </summary>
public class WidthSearchTests
{
    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, 240)];

    private sealed record Instance(WidthProblem Problem, Budget Budget, int K, Dictionary<(int Block, int Width, int Candidate, int Previous), double> Latency, double? LatencyLimit)
    {
        public Func<IReadOnlyList<int>, IReadOnlyList<int>, bool>? Fits => LatencyLimit is not { } limit ? null : (widths, candidates) =>
            Enumerable.Range(0, widths.Count).Sum(b => Latency[(b, widths[b], candidates[b], b == 0 ? 0 : widths[b - 1])]) <= limit;
    }

    /// <summary>2-4 blocks of 1-3 widths, 1-6 candidates each (depth and expansion), ratings falling with cost plus noise (ties in some), a random budget of either kind, and a latency limit in half of them.</summary>
    private static Instance Create(int seed)
    {
        var random = new Random(seed);
        int blocks = random.Next(2, 5);
        var kind = random.Next(2) == 0 ? CostKind.Params : CostKind.Macs;
        bool ties = random.Next(4) == 0;
        int[][] channels = Enumerable.Range(0, blocks).Select(b =>
        {
            int full = 16 << b;
            return new[] { full, full * 3 / 4, full / 2 }.Take(random.Next(1, 4)).ToArray();
        }).ToArray();
        var latency = new Dictionary<(int, int, int, int), double>();
        var problemBlocks = new List<IReadOnlyList<IReadOnlyList<WidthOption>>>();
        for (int b = 0; b < blocks; b++)
        {
            int[] inputs = b == 0 ? [8] : channels[b - 1];
            var widths = new List<IReadOnlyList<WidthOption>>();
            for (int w = 0; w < channels[b].Length; w++)
            {
                int count = random.Next(1, 7);
                var options = new List<WidthOption>();
                for (int c = 0; c < count; c++)
                {
                    int depth = random.Next(1, 4), expansion = random.Next(2) == 0 ? 3 : 6, size = 28 >> b;
                    long Params(int input) => (long)input * channels[b][w] * expansion + (depth - 1L) * channels[b][w] * channels[b][w] * expansion;
                    long[] parameters = inputs.Select(Params).ToArray();
                    long[] macs = inputs.Select(i => Params(i) * size * size).ToArray();
                    double rating = -Math.Log(parameters.Average()) + (ties ? Math.Round(random.NextDouble() * 2) * 0.25 : random.NextDouble() * 0.5);
                    options.Add(new WidthOption(c, rating, parameters, macs));
                    for (int p = 0; p < inputs.Length; p++) latency[(b, w, c, p)] = macs[p] * (0.5 + random.NextDouble()) / 1000.0;
                }
                widths.Add(options);
            }
            problemBlocks.Add(widths);
        }
        int last = channels[^1].Length;
        var problem = new WidthProblem(problemBlocks, 200, 20_000, Enumerable.Range(0, last).Select(w => channels[^1][w] * 10L).ToArray(),
            Enumerable.Range(0, last).Select(w => channels[^1][w] * 10L).ToArray());
        var costs = WidthSearch.Assignments(problem).SelectMany(widths => new[] { true, false }.Select(cheap =>
            problem.FixedCost(kind, widths[^1]) + Enumerable.Range(0, blocks).Sum(b =>
            {
                var options = problem.Blocks[b][widths[b]].Select(o => o.Cost(kind, b == 0 ? 0 : widths[b - 1]));
                return cheap ? options.Min() : options.Max();
            }))).ToList();
        long cheapest = costs.Min(), dearest = costs.Max();
        // Some budgets below the cheapest network: the search must refuse them as brute force does.
        var budget = new Budget(kind, cheapest + (long)((random.NextDouble() * 1.1 - 0.05) * (dearest - cheapest)));
        double? limit = random.Next(2) == 0 ? null : latency.Values.Sum() / latency.Count * blocks * (0.6 + random.NextDouble() * 0.8);
        return new Instance(problem, budget, new[] { 1, 3, 10 }[random.Next(3)], latency, limit);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_width_search_returns_brute_forces_ranked_list_with_cross_block_width_coupling_and_a_latency_limit(int seed)
    {
        var instance = Create(seed);
        IReadOnlyList<WidthRankedArchitecture>? expected = null;
        try { expected = WidthBruteForce.TopK(instance.Problem, instance.Budget, instance.K, instance.Fits); }
        catch (InfeasibleBudgetException)
        {
            Assert.Throws<InfeasibleBudgetException>(() => WidthSearch.TopK(instance.Problem, instance.Budget, instance.K, instance.Fits));
            return;
        }
        var actual = WidthSearch.TopK(instance.Problem, instance.Budget, instance.K, instance.Fits);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_instances_exercise_both_budget_kinds_infeasible_budgets_latency_limits_and_non_uniform_best_widths()
    {
        var instances = Enumerable.Range(0, 240).Select(Create).ToList();
        foreach (var kind in Enum.GetValues<CostKind>()) Assert.Contains(instances, i => i.Budget.Kind == kind);
        Assert.Contains(instances, i => i.LatencyLimit is not null);
        int infeasible = 0, mixed = 0, coupled = 0;
        foreach (var i in instances)
        {
            IReadOnlyList<WidthRankedArchitecture> best;
            try { best = WidthBruteForce.TopK(i.Problem, i.Budget, 1, i.Fits); }
            catch (InfeasibleBudgetException) { infeasible++; continue; }
            if (best.Count == 1 && best[0].Widths.Distinct().Count() > 1) mixed++;
            // The coupling matters where pricing each block at its own width alone (previous width 0) picks another network.
            var uncoupled = i.Problem with
            {
                Blocks = i.Problem.Blocks.Select(b => (IReadOnlyList<IReadOnlyList<WidthOption>>)b.Select(w => (IReadOnlyList<WidthOption>)w.Select(o =>
                    o with { Params = o.Params.Select(_ => o.Params[0]).ToArray(), Macs = o.Macs.Select(_ => o.Macs[0]).ToArray() }).ToList()).ToList()).ToList(),
            };
            try
            {
                var naive = WidthBruteForce.TopK(uncoupled, i.Budget, 1, i.Fits);
                if (best.Count == 1 && naive.Count == 1 && !naive[0].Widths.SequenceEqual(best[0].Widths)) coupled++;
            }
            catch (InfeasibleBudgetException) { coupled++; }
        }
        Assert.InRange(infeasible, 1, 60);
        Assert.True(mixed >= 20, $"only {mixed} instances have a best network of mixed widths");
        Assert.True(coupled >= 10, $"the width coupling changed the answer in only {coupled} instances");
    }
}
