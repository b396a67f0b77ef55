namespace DnaNas.Search.Tests;

public class BruteForceAgreementTests
{
    public static TheoryData<int> SmallSeeds => [.. Enumerable.Range(0, 300)];
    public static TheoryData<int> MediumSeeds => [.. Enumerable.Range(1000, 20)];
    public static TheoryData<int> SliceSeeds => [.. Enumerable.Range(2000, 20)];

    [Theory]
    [MemberData(nameof(SmallSeeds))]
    public void Exact_search_returns_the_same_ranked_list_as_brute_force_on_small_random_instances(int seed) =>
        AssertSameAsBruteForce(RandomInstance.Small(seed));

    [Theory]
    [MemberData(nameof(MediumSeeds))]
    public void Exact_search_returns_the_same_ranked_list_as_brute_force_on_larger_random_instances(int seed) =>
        AssertSameAsBruteForce(RandomInstance.Medium(seed));

    [Theory]
    [MemberData(nameof(SliceSeeds))]
    public void Exact_search_returns_the_same_ranked_list_as_brute_force_on_slices_of_the_paper_scale_instance(int seed) =>
        AssertSameAsBruteForce(RandomInstance.PaperScaleSlice(seed));

    [Theory]
    [MemberData(nameof(SliceSeeds))]
    public void Exact_search_returns_the_same_ranked_list_as_brute_force_on_tied_slices_with_large_k(int seed) =>
        AssertSameAsBruteForce(RandomInstance.TiedPaperScaleSlice(seed));

    [Fact]
    public void Trial_thresholds_are_confirmed_on_some_tied_slices_so_the_agreement_tests_exercise_them()
    {
        int confirmed = Enumerable.Range(2000, 20).Count(seed =>
        {
            var (blocks, fixedParams, fixedMacs, budget, k) = RandomInstance.TiedPaperScaleSlice(seed);
            return ExactSearch.Solve(SearchProblem.Validate(blocks, fixedParams, fixedMacs, budget, k)).TrialConfirmed;
        });
        Assert.True(confirmed >= 3, $"a trial threshold was confirmed on only {confirmed} of 20 tied slices");
    }

    [Fact]
    public void Every_rating_style_cost_style_budget_style_and_k_is_exercised_by_the_small_instances()
    {
        var instances = Enumerable.Range(0, 300).Select(RandomInstance.Small).ToList();
        Assert.Contains(instances, i => IsInfeasible(i));
        Assert.Contains(instances, i => !IsInfeasible(i) && Dearest(i) <= i.Budget.Limit);
        foreach (int k in new[] { 1, 3, 10 }) Assert.Contains(instances, i => i.K == k);
        foreach (var kind in Enum.GetValues<CostKind>()) Assert.Contains(instances, i => i.Budget.Kind == kind);
        Assert.Contains(instances, i => i.Blocks.Any(b => b.Count == 1));
        Assert.Contains(instances, i => i.Blocks.Any(b => b.Any(o => o.Rating < 0)));
    }

    [Fact]
    public void Bound_pruning_is_active_on_the_paper_scale_slices_so_the_agreement_tests_exercise_it()
    {
        int slicesWithPruning = 0;
        foreach (int seed in Enumerable.Range(2000, 20))
        {
            var (blocks, fixedParams, fixedMacs, budget, k) = RandomInstance.PaperScaleSlice(seed);
            var problem = SearchProblem.Validate(blocks, fixedParams, fixedMacs, budget, k);
            var withBound = ExactSearch.Solve(problem);
            BlockOption[][] undominated = [.. blocks.Select(b => OptionPruning.KeepFewerThanKBeaten(b, budget.Kind, k))];
            var withoutBound = new FrontierSearch(problem, undominated, double.PositiveInfinity, 0);
            withoutBound.Run();
            if (withBound.FrontierSizes.Sum() < withoutBound.FrontierSizes.Sum()) slicesWithPruning++;
        }
        Assert.True(slicesWithPruning >= 15, $"bound pruning shrank the frontier on only {slicesWithPruning} of 20 slices");
    }

    private static void AssertSameAsBruteForce(RandomInstance instance)
    {
        var (blocks, fixedParams, fixedMacs, budget, k) = instance;
        if (IsInfeasible(instance))
        {
            var expected = Assert.Throws<InfeasibleBudgetException>(() => BruteForceSearch.TopK(blocks, fixedParams, fixedMacs, budget, k));
            var actual = Assert.Throws<InfeasibleBudgetException>(() => ExactSearch.TopK(blocks, fixedParams, fixedMacs, budget, k));
            Assert.Equal(expected.Message, actual.Message);
            return;
        }
        var bruteForce = BruteForceSearch.TopK(blocks, fixedParams, fixedMacs, budget, k);
        var exact = ExactSearch.TopK(blocks, fixedParams, fixedMacs, budget, k);

        // The order is total (rating, then cost, then candidate indices), so even tied lists must match entry
        // for entry; ratings are compared bit for bit because both searchers add them in block order.
        Assert.Equal(Describe(bruteForce), Describe(exact));
        Assert.InRange(exact.Count, 1, k);
    }

    private static List<string> Describe(IReadOnlyList<RankedArchitecture> ranked) =>
        [.. ranked.Select(a => $"{string.Join(",", a.Candidates)} {BitConverter.DoubleToInt64Bits(a.Rating):X} {a.Rating:R} {a.Params} {a.Macs}")];

    private static long Dearest(RandomInstance i) =>
        (i.Budget.Kind == CostKind.Params ? i.FixedParams : i.FixedMacs) + i.Blocks.Sum(b => b.Max(o => o.Cost(i.Budget.Kind)));

    private static bool IsInfeasible(RandomInstance i) =>
        (i.Budget.Kind == CostKind.Params ? i.FixedParams : i.FixedMacs) + i.Blocks.Sum(b => b.Min(o => o.Cost(i.Budget.Kind))) > i.Budget.Limit;
}
