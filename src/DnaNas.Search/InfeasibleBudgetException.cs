namespace DnaNas.Search;

/// <summary>Thrown when even the cheapest architecture of the space costs more than the budget allows.</summary>
public sealed class InfeasibleBudgetException : Exception
{
    public InfeasibleBudgetException(Budget budget, long cheapestCost)
        : base($"no architecture fits {budget}: the cheapest has {Budget.Describe(budget.Kind, cheapestCost)}")
    {
        Budget = budget;
        CheapestCost = cheapestCost;
    }

    public Budget Budget { get; }

    /// <summary>Total cost, in the budget's unit, of the cheapest architecture (fixed cost included).</summary>
    public long CheapestCost { get; }
}
