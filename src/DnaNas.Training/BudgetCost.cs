using DnaNas.Search;
using DnaNas.Space;

namespace DnaNas.Training;

/// <summary>Where a network's cost meets a budget: the search knows budgets, the space knows costs, and only the core sees both.</summary>
public static class BudgetCost
{
    /// <summary>The part of a cost that a budget of this kind constrains.</summary>
    public static long In(this Cost cost, CostKind kind) => kind == CostKind.Params ? cost.Params : cost.Macs;
}
