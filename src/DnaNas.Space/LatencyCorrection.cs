namespace DnaNas.Space;

/// <summary>
/// A whole network's time from its latency table's sum: <c>Intercept + Slope * sum</c>, fitted on networks timed
/// whole. <see cref="FitScale"/> (the default of dna bench latency) keeps only a scale, the median of measured over
/// summed time, which a few noisy measurements cannot tilt; <see cref="Fit"/> fits a least-squares line, whose
/// intercept takes what a network pays once, for tables whose sums miss a fixed cost.
/// </summary>
/// <param name="FittedOn">How many measured networks the line was fitted on.</param>
public sealed record LatencyCorrection(double Intercept, double Slope, int FittedOn)
{
    public double Apply(double tableSum) => Intercept + Slope * tableSum;

    /// <summary>
    /// The median ratio of measured time to table sum: one parameter, robust to a network measured in a burst of other
    /// work. Measured on this 2-core VM (ONNX Runtime, batch 1): a least-squares line fitted on 16 networks including
    /// the uniform ones gave a held-out error of 7.8% where the plain sum gave 3.5%.
    /// </summary>
    public static LatencyCorrection FitScale(IReadOnlyList<double> tableSums, IReadOnlyList<double> measured)
    {
        if (tableSums.Count != measured.Count) throw new ArgumentException("one measured time per table sum");
        if (tableSums.Count < 1) throw new ArgumentException("a correction needs at least one measured network");
        if (tableSums.Any(s => s <= 0)) throw new ArgumentException("a table sum must be positive to scale it");
        var ratios = tableSums.Zip(measured, (s, m) => m / s).Order().ToArray();
        double median = ratios.Length % 2 == 1 ? ratios[ratios.Length / 2] : (ratios[ratios.Length / 2 - 1] + ratios[ratios.Length / 2]) / 2;
        return new LatencyCorrection(0, median, tableSums.Count);
    }

    /// <summary>Least squares over (table sum, measured time) pairs; at least two distinct sums.</summary>
    public static LatencyCorrection Fit(IReadOnlyList<double> tableSums, IReadOnlyList<double> measured)
    {
        if (tableSums.Count != measured.Count) throw new ArgumentException("one measured time per table sum");
        if (tableSums.Count < 2) throw new ArgumentException("a correction needs at least two measured networks");
        double mx = tableSums.Average(), my = measured.Average();
        double sxx = tableSums.Sum(x => (x - mx) * (x - mx));
        if (sxx <= 0) throw new ArgumentException("a correction needs networks of different predicted times");
        double sxy = tableSums.Zip(measured, (x, y) => (x - mx) * (y - my)).Sum();
        double slope = sxy / sxx;
        if (slope <= 0)
            throw new ArgumentException($"measured times fall as the table's sums grow (slope {slope:G3}): the measurements are too noisy to correct; time again with more repeats");
        return new LatencyCorrection(my - slope * mx, slope, tableSums.Count);
    }
}
