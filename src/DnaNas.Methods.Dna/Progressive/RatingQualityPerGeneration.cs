using System.Globalization;
using System.Text;
using DnaNas.Search.Ranking;
using DnaNas.Training;
using ScottPlot;

namespace DnaNas.Methods.Dna;

/// <summary>
/// The DNA+ report's section on rating quality: each generation's ratings judged against the ground truth the run was
/// given (<see cref="KnownAccuracies"/>), as a table and <c>plots/rating-quality.png</c> (Kendall tau per generation
/// and band, with its interval). Whether a deeper teacher rates better is the question DNA+ asks, and accuracy alone
/// cannot answer it: one retrained network per generation is one draw of seed noise.
/// </summary>
public sealed class RatingQualityPerGeneration(ProgressiveLayout layout)
{
    public const string PlotFile = "rating-quality.png";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public void Append(StringBuilder md, ProgressiveConfig config)
    {
        md.AppendLine("## Rating quality per generation");
        md.AppendLine();
        var known = KnownAccuracies.Read(layout.GroundTruthPath);
        if (known is null)
        {
            md.AppendLine("Not judged: the run was given no ground truth. Resume it with `--ground-truth DIR --resume`, where DIR is a `dna ground-truth` folder " +
                          "of the same space, and this section shows how well each generation's ratings order networks whose accuracy is known.");
            md.AppendLine();
            return;
        }
        List<GenerationRatingQuality> qualities;
        try
        {
            qualities = Enumerable.Range(1, config.Generations)
                .SelectMany(g => GenerationRatingQuality.Of(g, layout.Generation(config, g), known, config.Dna.Seed)).ToList();
        }
        catch (Exception e) when (e is TrainingException or Space.SpaceException)
        {
            // The ground truth decides nothing: a copy that cannot judge this run costs the section, never the report.
            md.AppendLine($"Not judged: {e.Message}. Give the run another ground truth with `--ground-truth DIR --resume`.");
            md.AppendLine();
            return;
        }
        var bands = known.Bands.ToDictionary(b => b.Name);
        md.AppendLine(string.Create(Inv, $"Judged on {known.Networks.Count} networks of the ground truth in `{known.Source}` (protocol {known.Protocol}, read {known.Taken:yyyy-MM-dd HH:mm} UTC). ") +
                      "Each network is scored by minus its summed block ratings in that generation and compared with its test accuracy trained stand-alone (the mean over its seeds). " +
                      "These test accuracies judge the ratings and decide nothing: every choice of the run was made before they were read. " +
                      "Intervals: 95% bootstrap over the networks.");
        md.AppendLine();
        md.AppendLine("| band | networks | spread / seed noise | generation | Kendall tau | Spearman | top-k hits | regret (points) |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var q in qualities.OrderBy(q => q.Band == GenerationRatingQuality.AllBands ? 0 : 1).ThenBy(q => q.Band, StringComparer.Ordinal).ThenBy(q => q.Generation))
            md.AppendLine(Inv, $"| {q.Band} | {q.Quality.Count} | {SpreadOverNoise(bands, q.Band)} | {q.Generation} | {F(q.Quality.KendallTau)} | {F(q.Quality.Spearman)} | " +
                               $"{F(q.Quality.TopHits, "F0")} of {q.Quality.K} | {F(q.Quality.RegretPoints, "F2")} |");
        md.AppendLine();
        var flat = bands.Values.Where(b => qualities.Any(q => q.Band == b.Name) && !(b.SpreadOverNoise >= known.JudgingRatio))
            .Select(b => b.Name).Order(StringComparer.Ordinal).ToList();
        if (flat.Count > 0)
        {
            md.AppendLine(string.Create(Inv, $"Read with care: in {string.Join(", ", flat)} the networks do not spread {known.JudgingRatio:0.#}x their seed noise (or the noise is not measured yet), ") +
                          "so a tau there cannot tell a good rating from a lucky one.");
            md.AppendLine();
        }
        Plot(Path.Combine(layout.PlotsFolder, PlotFile), qualities);
        md.AppendLine($"![Kendall tau per generation](plots/{PlotFile})");
        md.AppendLine();
    }

    private static string SpreadOverNoise(IReadOnlyDictionary<string, KnownBand> bands, string band) =>
        bands.TryGetValue(band, out var b) && !double.IsNaN(b.SpreadOverNoise) ? b.SpreadOverNoise.ToString("0.0", Inv) + "x" : "-";

    private static string F(Interval i, string format = "F3") => i.Format(format);

    /// <summary>Kendall tau per generation, one series per band, each point with its interval; the bands sit side by side at each generation.</summary>
    private static void Plot(string path, IReadOnlyList<GenerationRatingQuality> qualities)
    {
        var plot = new Plot();
        var bands = qualities.Select(q => q.Band).Distinct().ToList();
        for (int i = 0; i < bands.Count; i++)
        {
            var series = qualities.Where(q => q.Band == bands[i]).OrderBy(q => q.Generation).ToList();
            double offset = (i - (bands.Count - 1) / 2.0) * 0.08;
            var x = series.Select(q => q.Generation + offset).ToArray();
            var points = plot.Add.Scatter(x, series.Select(q => q.Quality.KendallTau.Value).ToArray());
            points.LegendText = $"{bands[i]} ({series[0].Quality.Count} networks)";
            for (int g = 0; g < series.Count; g++)
                if (!double.IsNaN(series[g].Quality.KendallTau.Low))
                    plot.Add.Line(x[g], series[g].Quality.KendallTau.Low, x[g], series[g].Quality.KendallTau.High).LineColor = points.Color;
        }
        plot.Add.HorizontalLine(0).LineColor = Colors.Gray;
        plot.Axes.MarginsX(0.15); // keeps the first and last generation's interval off the frame
        ProgressiveReport.SaveOverGenerations(plot, "DNA+: rating quality per generation", "Kendall tau, 95% interval", path);
    }
}
