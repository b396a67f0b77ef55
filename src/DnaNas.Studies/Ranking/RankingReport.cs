using System.Globalization;
using System.Text;
using DnaNas.Methods.Dna;
using DnaNas.Methods.OneShot;
using DnaNas.Search.Ranking;
using DnaNas.Training;
using ScottPlot;

namespace DnaNas.Studies;

/// <summary>One rating source's ranking quality against the ground truth's test accuracy.</summary>
public sealed record SourceQuality(string Source, RankingQuality Quality);

/// <summary>
/// Writes the study's <c>report.md</c> and plots: ranking quality of every source with bootstrap intervals,
/// scatter plots of score against true accuracy, the probes' ratings across the shifting search, and what the
/// plain and shifting searches cost and found.
/// </summary>
public sealed class RankingReport(RankingStudy study)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private string Plots => Path.Combine(study.Folder, "plots");

    /// <summary>What DNA's teacher took, which every variant that adopts it shares; read once from DNA's run.</summary>
    private readonly Lazy<double> _sharedTeacherSeconds = new(() => File.Exists(Path.Combine(study.DnaFolder, StagedRun.StateFileName))
        ? new DnaRunLayout(study.DnaFolder, TeacherIsBaseline: false).ReadState().Seconds("Teacher") : 0);

    /// <summary>
    /// Ranking quality of every stored source, in the registry's order (methods, then cost proxies), then a user's
    /// sources by name; <paramref name="extra"/> adds sources that are not stored (dna rank without --save).
    /// <paramref name="band"/> keeps one cost band of the ground truth; null judges on all of it.
    /// </summary>
    public IReadOnlyList<SourceQuality> Qualities(IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>? extra = null, string? band = null)
    {
        var truth = study.TrueAccuracies().Where(t => band is null || t.Band == band).ToDictionary(e => e.Architecture, e => e.Test);
        var sources = new Dictionary<string, IReadOnlyDictionary<string, double>>();
        using (var store = new ScoreStore(study.ScoresPath))
            foreach (var source in store.Sources()) sources[source] = store.Get(source);
        foreach (var (name, scores) in extra ?? new Dictionary<string, IReadOnlyDictionary<string, double>>()) sources[name] = scores;
        return sources.Keys.OrderBy(Order).ThenBy(s => s, StringComparer.Ordinal).Select(source =>
        {
            var scores = sources[source];
            var archs = truth.Keys.Where(scores.ContainsKey).OrderBy(a => a, StringComparer.Ordinal).ToList();
            if (archs.Count < 2) return null;
            var quality = RankingEvaluation.Evaluate(archs.Select(a => scores[a]).ToList(), archs.Select(a => truth[a]).ToList(),
                band is null ? study.Config.TopK : BandTopK(archs.Count), study.Config.Resamples, seed: study.Config.Seed);
            return new SourceQuality(source, quality);
        }).OfType<SourceQuality>().ToList();
    }

    /// <summary>Inside a band of a dozen networks a top-10 is nearly all of it: the top quarter (at least 2) is what a search keeps.</summary>
    private int BandTopK(int count) => Math.Min(study.Config.TopK, Math.Max(2, count / 4));

    /// <summary>Registered sources in the registry's order, DNA's variants right after DNA, anything else (a user's scores) last.</summary>
    private double Order(string source) =>
        study.Variants.Any(v => v.SourceName == source) ? RatingSources.Order(DnaRatingSource.SourceName) + 0.5 : RatingSources.Order(source);

    /// <summary>
    /// Seconds each source's parts took to make, from the study's stage times: DNA its whole run up to rating
    /// (teacher included), a variant its own run plus the teacher it adopted, SPOS its supernet, shifting the
    /// supernet and the shifting search; the cost proxies nothing. Null for a source the study did not make (a user's scores).
    /// </summary>
    public double? ComputeSeconds(string source, StageState state)
    {
        if (study.Variants.FirstOrDefault(v => v.SourceName == source) is { } variant)
            return state.Seconds(variant.StageName) + (variant.SharesTeacher ? _sharedTeacherSeconds.Value : 0);
        return source switch
        {
            DnaRatingSource.SourceName => state.Seconds("Dna"),
            SupernetRatingSource.Spos => state.Seconds("Supernet"),
            SupernetRatingSource.Shifted => state.Seconds("Supernet") + state.Seconds("ShiftingSearch"),
            "params" or "macs" => 0,
            _ => null,
        };
    }

    public void Write(StageState state)
    {
        Directory.CreateDirectory(Plots);
        var entries = study.TrueAccuracies();
        var truth = entries.ToDictionary(e => e.Architecture, e => e.Test);
        var qualities = Qualities();
        var plain = study.ReadSearch("plain");
        var shifting = study.ReadSearch("shifting");

        using (var store = new ScoreStore(study.ScoresPath))
            foreach (var q in qualities) PlotScatter(q.Source, store.Get(q.Source), truth);
        if (shifting.Probes is { } probes) PlotProbes(probes, truth);
        PlotSearches(plain, shifting);

        var md = new StringBuilder();
        var c = study.Config;
        md.AppendLine("# Ranking study: how well do ratings predict stand-alone accuracy?");
        md.AppendLine();
        if (c.GroundTruthFolder is { } external)
        {
            var gt = study.GroundTruth().Config;
            md.AppendLine(Inv, $"{entries.Count} architectures of `{c.SpaceName}` from the ground truth in `{external}` ({(gt.Protocol is { } name ? $"protocol {name}" : "its own recipe")}: " +
                               $"{gt.Recipe.Epochs} epoch{(gt.Recipe.Epochs == 1 ? "" : "s")}, seed {gt.Seed}; {entries.Count(e => e.Seeds > 1)} of them trained with a second seed too, and judged by the mean of their seeds), " +
                               $"tested on the test split: {100 * truth.Values.Min():F2}% to {100 * truth.Values.Max():F2}% test accuracy.");
        }
        else
            md.AppendLine(Inv, $"{entries.Count} architectures of `{c.SpaceName}`, spread evenly over {c.BudgetKind.ToString().ToLowerInvariant()}, each trained stand-alone " +
                               $"for {c.GroundTruthRecipe.Epochs} epochs on {c.GroundTruthImages:N0} training images (seed {c.Seed}) and tested on the test split: " +
                               $"{100 * truth.Values.Min():F2}% to {100 * truth.Values.Max():F2}% test accuracy.");
        md.AppendLine(Inv, $"Higher scores must mean better networks; intervals are {c.Resamples}-resample percentile bootstraps (95%). " +
                           $"The test accuracies judge the sources here and choose nothing.");
        md.AppendLine();
        md.AppendLine($"| source | Kendall tau | Spearman rho | top-{qualities[0].Quality.K} hits (global) | Kendall tau in the true top-{qualities[0].Quality.K} (local) | regret (points) | compute |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var q in qualities)
            md.AppendLine($"| {Describe(q.Source)} | {Format(q.Quality.KendallTau)} | {Format(q.Quality.Spearman)} | {Format(q.Quality.TopHits, "F0")} of {q.Quality.K} | {Format(q.Quality.LocalTau)} | {Format(q.Quality.RegretPoints, "F2")} | {Compute(q.Source, state)} |");
        md.AppendLine();
        md.AppendLine("Regret: the true best network's test accuracy less that of the network the source rates highest (0 = it picks the best). " +
                      "Compute: what making the source's parts took in this study (wall time, from the stages below).");
        md.AppendLine();
        md.AppendLine(Verdict(qualities));
        md.AppendLine();
        AppendBands(md, entries, state);
        md.AppendLine("## Plain vs shifting evolutionary search");
        md.AppendLine();
        md.AppendLine(Inv, $"Both start from the same SPOS supernet and seed; population {c.Evolution.Population}, {c.Evolution.Generations} generations, " +
                           $"top-{c.Evolution.Parents} parents, {c.Evolution.Mutations} mutations (p {c.Evolution.MutationProbability}), {c.Evolution.Crossovers} crossovers; " +
                           $"budget {new DnaNas.Search.Budget(c.BudgetKind, c.Budget)}. Shifting: {c.Shifting.Mode}, learning rate {c.Shifting.LearningRate}, {shifting.ShiftSteps} supernet updates.");
        md.AppendLine();
        md.AppendLine("| search | wall time | architectures rated | best architecture | its supernet accuracy |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var s in new[] { plain, shifting })
            md.AppendLine(Inv, $"| {s.Name} | {s.Result.SearchSeconds:F0} s | {s.Result.Evaluated.Count} | `{ReportParts.Cell(s.Result.Best.Architecture)}` | {100 * s.Result.Best.Fitness:F2}% |");
        md.AppendLine();
        md.AppendLine(Inv, $"Shifting took {shifting.Result.SearchSeconds / Math.Max(1e-9, plain.Result.SearchSeconds):F2}x the plain search's wall time (goal: at most 1.5x; probe ratings are measured outside it).");
        md.AppendLine();
        md.AppendLine("## Plots");
        md.AppendLine();
        foreach (var q in qualities) md.AppendLine($"![{q.Source}](plots/scatter-{FileName(q.Source)}.png)");
        md.AppendLine();
        md.AppendLine("![probe ratings across the shifting search](plots/probes.png)");
        md.AppendLine();
        md.AppendLine("![best and parent fitness per generation](plots/searches.png)");
        md.AppendLine();
        ReportParts.AppendStages(md, state);
        md.AppendLine("Scores of every source are in `scores.db` (table `scores`), ground truth in `ground-truth/ground-truth.db`, DNA's block ratings in `dna/ratings.db`; configuration in `config.json`, versions and hardware in `environment.json`.");
        AtomicFile.WriteAllText(Path.Combine(study.Folder, "report.md"), md.ToString());
    }

    /// <summary>
    /// Ranking quality inside each cost band of the ground truth: where a search under a budget decides, a source
    /// must order networks of about the same size, which the parameter count cannot do. Next to each band, how far
    /// its networks spread against their seed noise (<see cref="BandSummary"/>): a flat band judges nothing.
    /// </summary>
    private void AppendBands(StringBuilder md, IReadOnlyList<TrueAccuracy> truth, StageState state)
    {
        var bands = truth.GroupBy(t => t.Band).Where(g => g.Count() >= RankingStudy.MinimumGroundTruth).Select(g => g.Key).ToList();
        if (bands.Count == 0 || (bands.Count == 1 && bands[0] == CostBand.SpreadName)) return;
        md.AppendLine("## Ranking quality per cost band");
        md.AppendLine();
        var summaries = BandSummary.Of(study.GroundTruthEntries(), study.GroundTruth().Config.Seed).ToDictionary(b => b.Band);
        foreach (string band in bands)
        {
            var inBand = truth.Where(t => t.Band == band).ToList();
            var summary = summaries.GetValueOrDefault(band);
            md.AppendLine(Inv, $"### {band}: {inBand.Count} networks of {inBand.Min(t => t.Params):N0}-{inBand.Max(t => t.Params):N0} params, " +
                               $"{100 * inBand.Min(t => t.Test):F2}% to {100 * inBand.Max(t => t.Test):F2}%");
            md.AppendLine();
            if (summary is not null)
            {
                string verdict = double.IsNaN(summary.SpreadOverNoise) ? ": the noise is not measured yet, so this band's figures cannot be trusted yet."
                    : summary.SpreadOverNoise >= BandSummary.JudgingRatio ? string.Create(Inv, $" ({summary.SpreadOverNoise:F1}x): the band can judge.")
                    : string.Create(Inv, $" ({summary.SpreadOverNoise:F1}x, under {BandSummary.JudgingRatio:0}x): the band is flat against seed noise, and no source can be judged on it.");
                md.AppendLine(Inv, $"Spread {Num(summary.Spread)} points (sd) against a seed noise of {Num(summary.SeedNoise)} from {summary.Pairs} seed pairs{verdict}");
            }
            md.AppendLine();
            var qualities = Qualities(band: band);
            if (qualities.Count == 0) continue;
            int k = qualities[0].Quality.K;
            md.AppendLine($"| source | networks | Kendall tau | top-{k} hits | regret (points) | compute |");
            md.AppendLine("|---|---|---|---|---|---|");
            foreach (var q in qualities)
                md.AppendLine($"| {Describe(q.Source)} | {q.Quality.Count} | {Format(q.Quality.KendallTau)} | {Format(q.Quality.TopHits, "F0")} of {k} | {Format(q.Quality.RegretPoints, "F2")} | {Compute(q.Source, state)} |");
            md.AppendLine();
        }
    }

    private static string Change(DnaVariant v) => string.Join(", ", new[]
    {
        v.Sampling is { } s ? $"{(s == CandidateSampling.DepthFirst ? "depth-first" : "uniform")} sampling" : null,
        v.BlockEpochs is { } e ? $"{e} block epochs" : null,
        v.TeacherArchitecture is { } t ? $"teacher `{ReportParts.Cell(t)}`" : null,
        v.TeacherEpochs is { } te ? $"teacher {te} epochs" : null,
    }.OfType<string>());

    private static string Num(double value) => double.IsNaN(value) ? "-" : value.ToString("F2", Inv);

    private string Compute(string source, StageState state) => ComputeSeconds(source, state) is { } seconds
        ? seconds == 0 ? "none (a formula)" : $"{seconds / 60:F1} min"
        : "not measured here";

    private string Describe(string source) => source switch
    {
        DnaRatingSource.SourceName => "DNA (summed block ratings)",
        _ when study.Variants.FirstOrDefault(v => v.SourceName == source) is { } v => $"DNA variant {v.Name} ({Change(v)})",
        SupernetRatingSource.Spos => "SPOS supernet accuracy",
        SupernetRatingSource.Shifted => "SPOS + Supernet Shifting",
        "params" => "params (floor)",
        "macs" => "MACs (floor)",
        _ => source,
    };

    /// <summary>The sentence the issue asks for: does DNA beat SPOS on this study, by the global and the local measure.</summary>
    private static string Verdict(IReadOnlyList<SourceQuality> qualities)
    {
        var dna = qualities.FirstOrDefault(q => q.Source == DnaRatingSource.SourceName);
        var spos = qualities.FirstOrDefault(q => q.Source == SupernetRatingSource.Spos);
        var shifted = qualities.FirstOrDefault(q => q.Source == SupernetRatingSource.Shifted);
        if (dna is null || spos is null) return "";
        var sb = new StringBuilder();
        double d = dna.Quality.KendallTau.Value, s = spos.Quality.KendallTau.Value;
        bool overlap = dna.Quality.KendallTau.Low <= spos.Quality.KendallTau.High && spos.Quality.KendallTau.Low <= dna.Quality.KendallTau.High;
        string comparison = d > s ? "DNA ranks better" : d < s ? "DNA ranks worse" : "a tie";
        sb.Append(Inv, $"**DNA vs SPOS (global order):** DNA's Kendall tau is {d:F3} against SPOS's {s:F3}: {comparison}");
        sb.Append(overlap ? ", but the intervals overlap, so this study cannot tell them apart. " : ", and the intervals do not overlap. ");
        if (shifted is not null)
            sb.Append(Inv, $"**Shifting (local order):** tau inside the true top-{shifted.Quality.K} is {Format(shifted.Quality.LocalTau)} after shifting against {Format(spos.Quality.LocalTau)} for plain SPOS.");
        return sb.ToString();
    }

    private static string Format(Interval i, string format = "F3") => i.Format(format);

    private static string FileName(string source) => source.Replace('+', '-');

    private void PlotScatter(string source, IReadOnlyDictionary<string, double> scores, IReadOnlyDictionary<string, double> truth)
    {
        var archs = truth.Keys.Where(scores.ContainsKey).ToList();
        var plot = new Plot();
        plot.Add.ScatterPoints(archs.Select(a => scores[a]).ToArray(), archs.Select(a => 100 * truth[a]).ToArray());
        plot.Title($"{Describe(source)} vs stand-alone test accuracy");
        plot.XLabel($"{source} score (higher should be better)");
        plot.YLabel("stand-alone test accuracy (%)");
        ReportParts.SavePlot(plot, Path.Combine(Plots, $"scatter-{FileName(source)}.png"));
    }

    private void PlotProbes(ProbeTrace probes, IReadOnlyDictionary<string, double> truth)
    {
        var plot = new Plot();
        for (int p = 0; p < probes.Probes.Count; p++)
        {
            var line = plot.Add.Scatter(Enumerable.Range(0, probes.Accuracies.Count).Select(g => (double)g).ToArray(),
                probes.Accuracies.Select(row => 100 * row[p]).ToArray());
            line.LegendText = truth.TryGetValue(probes.Probes[p], out var t) ? $"good #{p + 1} (true {100 * t:F1}%)" : $"random #{p + 1}";
        }
        plot.Title("Probe architectures' supernet accuracy during the shifting search");
        plot.XLabel("generations done");
        plot.YLabel("supernet accuracy after recalibration (%)");
        // Beside the data: ten lines leave no corner free inside it.
        plot.ShowLegend(Edge.Right);
        ReportParts.SavePlot(plot, Path.Combine(Plots, "probes.png"));
    }

    private void PlotSearches(StudySearch plain, StudySearch shifting)
    {
        var plot = new Plot();
        foreach (var s in new[] { plain, shifting })
        {
            var g = s.Result.Generations;
            var best = plot.Add.Scatter(g.Select(r => (double)r.Generation + 1).ToArray(), g.Select(r => 100 * r.Best.Fitness).ToArray());
            best.LegendText = $"{s.Name}: best";
            var parents = plot.Add.Scatter(g.Select(r => (double)r.Generation + 1).ToArray(), g.Select(r => 100 * r.ParentMean).ToArray());
            parents.LegendText = $"{s.Name}: parents' mean";
        }
        plot.Title("Evolutionary search: supernet accuracy per generation");
        plot.XLabel("generation");
        plot.YLabel("supernet accuracy (%)");
        plot.ShowLegend();
        ReportParts.SavePlot(plot, Path.Combine(Plots, "searches.png"));
    }

}
