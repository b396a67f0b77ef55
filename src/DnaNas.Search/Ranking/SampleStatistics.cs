namespace DnaNas.Search.Ranking;

/// <summary>Summary statistics of a small sample (seeds of a training, networks of a band).</summary>
public static class SampleStatistics
{
    /// <summary>The sample standard deviation (n - 1 in the denominator, since the mean is estimated from the same
    /// values); NaN under 2 values, which say nothing about spread.</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return double.NaN;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
