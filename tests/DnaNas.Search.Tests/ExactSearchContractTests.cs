namespace DnaNas.Search.Tests;

public class ExactSearchContractTests
{
    private static IReadOnlyList<IReadOnlyList<BlockOption>> Blocks(params BlockOption[][] blocks) => blocks;

    [Fact]
    public void An_infeasible_budget_throws_and_the_message_names_the_budget_and_the_cheapest_cost()
    {
        var blocks = Blocks(
            [new(0, 0.5, 1_000, 10), new(1, 0.2, 5_000, 20)],
            [new(0, 0.4, 234, 30), new(1, 0.1, 900, 40)]);
        var budget = new Budget(CostKind.Params, 50_000);

        var e = Assert.Throws<InfeasibleBudgetException>(() => ExactSearch.TopK(blocks, 60_000, 1_000_000, budget));

        Assert.Equal("no architecture fits 50,000 params: the cheapest has 61,234 params", e.Message);
        Assert.Equal(61_234, e.CheapestCost);
        Assert.Same(budget, e.Budget);
    }

    [Fact]
    public void An_infeasible_macs_budget_is_reported_in_macs()
    {
        var blocks = Blocks([[new(0, 0.5, 1, 2_000_000)]]);
        var e = Assert.Throws<InfeasibleBudgetException>(() => ExactSearch.TopK(blocks, 0, 500_000, new Budget(CostKind.Macs, 1_000_000)));
        Assert.Equal("no architecture fits 1,000,000 MACs: the cheapest has 2,500,000 MACs", e.Message);
    }

    [Fact]
    public void Asking_for_more_architectures_than_fit_returns_every_one_that_fits_best_first()
    {
        // 2 x 2 x 2 architectures; a budget of 13 admits exactly those with at most one expensive option.
        var blocks = Blocks(
            [new(0, 3.0, 1, 0), new(1, 1.0, 5, 0)],
            [new(0, 2.0, 2, 0), new(1, 0.5, 6, 0)],
            [new(0, 1.5, 3, 0), new(1, 0.25, 7, 0)]);

        var found = ExactSearch.TopK(blocks, 0, 0, new Budget(CostKind.Params, 13), k: int.MaxValue);

        Assert.Equal(["1,0,0", "0,1,0", "0,0,1", "0,0,0"], found.Select(a => string.Join(",", a.Candidates)));
        Assert.Equal([4.5, 5.0, 5.25, 6.5], found.Select(a => a.Rating));
        Assert.All(found, a => Assert.True(a.Params <= 13));
    }

    [Fact]
    public void Equal_ratings_rank_the_cheaper_architecture_first_then_the_smaller_candidate_indices()
    {
        var blocks = Blocks(
            [new(4, 1.0, 10, 0), new(2, 1.0, 10, 0), new(7, 1.0, 5, 0)],
            [new(0, 0.0, 0, 0)]);

        var found = ExactSearch.TopK(blocks, 0, 0, new Budget(CostKind.Params, 100), k: 3);

        Assert.Equal(["7,0", "2,0", "4,0"], found.Select(a => string.Join(",", a.Candidates)));
    }

    [Fact]
    public void Costs_of_the_other_kind_are_reported_with_the_fixed_cost_but_do_not_constrain()
    {
        var blocks = Blocks(
            [new(0, 1.0, 10, 1_000_000), new(1, 0.0, 20, 9_000_000)],
            [new(0, 0.5, 1, 5)]);

        var best = Assert.Single(ExactSearch.TopK(blocks, 100, 7, new Budget(CostKind.Params, 121)));

        Assert.Equal([1, 0], best.Candidates);
        Assert.Equal(121, best.Params);
        Assert.Equal(9_000_012, best.Macs);
        Assert.Equal(0.5, best.Rating);
    }

    [Fact]
    public void A_budget_that_only_the_cheapest_architecture_meets_returns_it()
    {
        var blocks = Blocks(
            [new(0, 9.0, 1, 1), new(1, 0.0, 2, 2)],
            [new(3, 9.0, 4, 4), new(5, 0.0, 8, 8)]);
        var found = ExactSearch.TopK(blocks, 10, 10, new Budget(CostKind.Macs, 15), k: 10);
        Assert.Equal([0, 3], Assert.Single(found).Candidates);
    }

    [Fact]
    public void A_space_without_blocks_has_one_architecture_made_of_stem_and_head()
    {
        var found = ExactSearch.TopK(Blocks(), 5, 6, new Budget(CostKind.Params, 5), k: 3);
        var only = Assert.Single(found);
        Assert.Empty(only.Candidates);
        Assert.Equal((0.0, 5L, 6L), (only.Rating, only.Params, only.Macs));
    }

    [Fact]
    public void The_same_input_gives_the_same_output()
    {
        var instance = PaperScaleInstance.Create(seed: 3);
        var budget = instance.BudgetAt(CostKind.Macs, 0.3);
        var first = ExactSearch.TopK(instance.Blocks, instance.FixedParams, instance.FixedMacs, budget, 10);
        var second = ExactSearch.TopK(instance.Blocks, instance.FixedParams, instance.FixedMacs, budget, 10);
        Assert.Equal(first, second);
        Assert.NotSame(first[0].Candidates, second[0].Candidates);
    }

    [Fact]
    public void Invalid_inputs_are_rejected_with_the_block_and_option_named()
    {
        var budget = new Budget(CostKind.Params, 100);
        var duplicate = Assert.Throws<ArgumentException>(() =>
            ExactSearch.TopK(Blocks([new(1, 0, 1, 1)], [new(2, 0, 1, 1), new(2, 1, 2, 2)]), 0, 0, budget));
        Assert.Contains("block 1 option 1 (candidate 2): candidate index appears twice", duplicate.Message);
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(Blocks([[new(0, double.NaN, 1, 1)]]), 0, 0, budget));
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(Blocks([[new(0, 0, -1, 1)]]), 0, 0, budget));
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(Blocks([[]]), 0, 0, budget));
        Assert.Throws<ArgumentException>(() => ExactSearch.TopK(Blocks([[new(0, 0, long.MaxValue, 1)]]), 1, 0, budget));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSearch.TopK(Blocks([[new(0, 0, 1, 1)]]), 0, 0, budget, k: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSearch.TopK(Blocks([[new(0, 0, 1, 1)]]), -1, 0, budget));
    }
}
