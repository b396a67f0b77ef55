using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>
/// The hand-designed comparison, fixed before any search: a uniform MobileNetV2-style network (one op everywhere, a
/// fixed depth per block), the most costly one in the budget's unit that fits it (the cheapest when none fits). The
/// searched architecture fills the same budget, so the two cost about the same, and the teacher can be it.
/// </summary>
public static class UniformBaseline
{
    public static Architecture For(SearchSpace space, CostKind kind, long budget)
    {
        var options = new List<Architecture>();
        foreach (var op in space.Ops)
            for (int trim = 0; trim < space.Blocks.Max(b => b.Layers); trim++)
                options.Add(Architecture.Layered(space, op, [.. space.Blocks.Select(b => Math.Max(b.MinLayers, b.Layers - trim))]));
        long Cost(Architecture a) => CostModel.Of(space, a).In(kind);
        var fitting = options.Where(a => Cost(a) <= budget).ToList();
        return fitting.Count > 0
            ? fitting.OrderByDescending(Cost).ThenBy(a => a.ToString(), StringComparer.Ordinal).First()
            : options.OrderBy(Cost).ThenBy(a => a.ToString(), StringComparer.Ordinal).First();
    }

    public static Architecture For(SearchSpace space, DnaConfig config) => For(space, config.BudgetKind, config.Budget);
}
