using System.Globalization;
using System.Text;
using DnaNas.Search.Ranking;

namespace DnaNas.Studies;

/// <summary>
/// Whether a band of the ground truth can judge a rating: how far its networks' accuracies spread, against how far
/// two seeds of one network differ (the noise ceiling). A band whose spread is not well above its noise is flat:
/// no rating can order it better than chance, and the report must say so.
/// </summary>
/// <param name="Trained">Networks trained (first seeds).</param>
/// <param name="Spread">Standard deviation of the first seeds' test accuracies, in points.</param>
/// <param name="Range">Best minus worst first-seed test accuracy, in points.</param>
/// <param name="Pairs">Networks trained with both seeds.</param>
/// <param name="SeedNoise">Standard deviation of one training's test accuracy from the seed alone, in points: the RMS
/// of the pairs' differences over the square root of 2; NaN under 2 pairs.</param>
/// <param name="SeedTau">Kendall tau between the two seeds' test accuracies over the pairs: how well one seed ranks
/// the other (the ceiling for any rating); NaN under 3 pairs.</param>
/// <param name="ValidationTestTau">Kendall tau between the first seeds' validation and test accuracies: whether the
/// split that chooses and the split that reports agree on the order; NaN under 3 networks.</param>
public sealed record BandSummary(string Band, int Planned, int Trained, double Spread, double Range, int Pairs, double SeedNoise, double SeedTau,
    double ValidationTestTau)
{
    /// <summary>The issue's bar for a band that can judge: its spread at least 3 times the seed noise.</summary>
    public const double JudgingRatio = 3;

    public double SpreadOverNoise => Spread / SeedNoise;

    public static IReadOnlyList<BandSummary> Of(IReadOnlyList<GroundTruthEntry> entries, long runSeed) =>
        entries.GroupBy(e => e.Band).Select(band =>
        {
            var first = band.Where(e => (e.Seed ?? runSeed) == runSeed).ToList();
            var done = first.Where(e => e.IsTrained).ToList();
            var trained = done.Select(e => 100 * e.TestAccuracy!.Value).ToList();
            var seconds = band.Where(e => (e.Seed ?? runSeed) != runSeed && e.IsTrained).ToDictionary(e => e.Architecture, e => 100 * e.TestAccuracy!.Value);
            var pairs = first.Where(e => e.IsTrained && seconds.ContainsKey(e.Architecture))
                .Select(e => (A: 100 * e.TestAccuracy!.Value, B: seconds[e.Architecture])).ToList();
            double noise = pairs.Count >= 2 ? Math.Sqrt(pairs.Average(p => (p.A - p.B) * (p.A - p.B)) / 2) : double.NaN;
            double tau = pairs.Count >= 3 ? RankCorrelation.KendallTauB(pairs.Select(p => p.A).ToList(), pairs.Select(p => p.B).ToList()) : double.NaN;
            double validationTest = done.Count >= 3 ? RankCorrelation.KendallTauB(done.Select(e => e.ValidationAccuracy ?? double.NaN).ToList(), trained) : double.NaN;
            return new BandSummary(band.Key, first.Count, trained.Count, SampleStatistics.StandardDeviation(trained),
                trained.Count > 0 ? trained.Max() - trained.Min() : double.NaN, pairs.Count, noise, tau, validationTest);
        }).ToList();

    /// <summary>A Markdown table of the bands, with a verdict per band once it has its pairs.</summary>
    public static string Table(IReadOnlyList<BandSummary> bands)
    {
        static string F(double value, string format) => double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine("| band | trained | accuracy spread (sd, points) | range (points) | seed pairs | seed noise (sd, points) | seed-to-seed Kendall tau | validation-to-test Kendall tau | spread / noise | can it judge? |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var b in bands)
        {
            string verdict = double.IsNaN(b.SpreadOverNoise) ? "not yet measured"
                : b.SpreadOverNoise >= JudgingRatio ? "yes"
                : $"no: spread under {JudgingRatio:0}x the noise, widen the band";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {b.Band} | {b.Trained}/{b.Planned} | {F(b.Spread, "0.00")} | {F(b.Range, "0.00")} | {b.Pairs} | {F(b.SeedNoise, "0.00")} | {F(b.SeedTau, "0.00")} | {F(b.ValidationTestTau, "0.00")} | {F(b.SpreadOverNoise, "0.0")} | {verdict} |");
        }
        return text.ToString();
    }
}
