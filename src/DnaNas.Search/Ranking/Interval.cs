namespace DnaNas.Search.Ranking;

/// <summary>A statistic on the full data with a confidence interval around it; Low and High are NaN when unknown.</summary>
public sealed record Interval(double Value, double Low, double High)
{
    /// <summary>The same interval in other units (a fraction as points: 100).</summary>
    public Interval Times(double factor) => new(factor * Value, factor * Low, factor * High);

    /// <summary>"0.486 [0.159, 0.823]" as reports print it (invariant culture); "n/a" without a value, the value alone without bounds.</summary>
    public string Format(string format = "F3")
    {
        string F(double v) => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        return double.IsNaN(Value) ? "n/a" : double.IsNaN(Low) || double.IsNaN(High) ? F(Value) : $"{F(Value)} [{F(Low)}, {F(High)}]";
    }
}
