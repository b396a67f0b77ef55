namespace DnaNas.Search.Ranking;

/// <summary>A statistic on the full data with a confidence interval around it; Low and High are NaN when unknown.</summary>
public sealed record Interval(double Value, double Low, double High);
