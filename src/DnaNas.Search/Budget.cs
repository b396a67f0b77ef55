using System.Globalization;

namespace DnaNas.Search;

/// <summary>An upper limit, inclusive, on an architecture's total cost of one kind (stem and head included).</summary>
public sealed record Budget(CostKind Kind, long Limit)
{
    public override string ToString() => Describe(Kind, Limit);

    /// <summary>"61,234 params" or "1,200,000 MACs": one spelling for messages and reports.</summary>
    public static string Describe(CostKind kind, long amount) =>
        amount.ToString("N0", CultureInfo.InvariantCulture) + (kind == CostKind.Params ? " params" : " MACs");
}
