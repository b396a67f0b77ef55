using DnaNas.Search.Ranking;
using MathNet.Numerics.Distributions;

namespace DnaNas.Training;

/// <summary>
/// Two networks compared over the same seeds (each seed trains both, so a seed's luck cancels in its difference):
/// each side's mean and standard deviation, and the mean of the per-seed differences A - B with its Student-t
/// confidence interval. An interval that holds 0 means the seeds cannot tell the two apart.
/// </summary>
public sealed record PairedDifference(int Seeds, double MeanA, double SdA, double MeanB, double SdB, double MeanDifference, double Low, double High)
{
    public const double Confidence = 0.95;

    public static PairedDifference Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired values need the same seeds on both sides: got {a.Count} and {b.Count}");
        if (a.Count < 2) throw new ArgumentException($"a paired comparison needs at least 2 seeds, got {a.Count}");
        var differences = a.Zip(b, (x, y) => x - y).ToList();
        double mean = differences.Average(), sd = SampleStatistics.StandardDeviation(differences);
        double half = StudentT.InvCDF(0, 1, a.Count - 1, 1 - (1 - Confidence) / 2) * sd / Math.Sqrt(a.Count);
        return new PairedDifference(a.Count, a.Average(), SampleStatistics.StandardDeviation(a), b.Average(), SampleStatistics.StandardDeviation(b), mean, mean - half, mean + half);
    }

    /// <summary>Whether the interval lies wholly above 0 (A better), wholly below (B better), or holds it.</summary>
    public int Verdict => Low > 0 ? 1 : High < 0 ? -1 : 0;
}
