namespace DnaNas.Search.Ranking;

/// <summary>A statistic on the full data with a confidence interval around it; Low and High are NaN when unknown.</summary>
public sealed record Interval(double Value, double Low, double High)
{
    /// <summary>The same interval in other units (a fraction as points: 100).</summary>
    public Interval Times(double factor) => new(factor * Value, factor * Low, factor * High);
}
