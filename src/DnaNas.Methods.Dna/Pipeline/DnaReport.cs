using System.Globalization;
using System.Text;
using DnaNas.Space;
using DnaNas.Training;
using ScottPlot;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Writes <c>summary.md</c> and PNG plots for a finished run. It answers "did the search beat a plain network?"
/// first: searched architecture and hand-designed baseline side by side, trained with the same recipe and seed.
/// It reads only the run folder (<see cref="DnaRunLayout"/>), so a finished run's report can be written again.
/// </summary>
public sealed class DnaReport(DnaRunLayout layout)
{
    private string Plots => layout.PlotsFolder;

    public void Write()
    {
        var config = layout.ReadConfig();
        var space = layout.ReadSpace();
        var state = layout.ReadState();
        Directory.CreateDirectory(Plots);
        var searched = ReadResult(layout.RetrainFolder);
        var baseline = ReadResult(layout.BaselineFolder);
        var search = layout.ReadSearch();
        bool shared = config.TeacherIsBaseline;
        bool selfSupervised = config.SelfSupervision is not null;
        // A teacher that is the baseline would be trained for the comparison anyway: it is not a cost of searching.
        var searchStages = selfSupervised ? new[] { "Blocks", "Search" }
            : shared ? ["Features", "Blocks", "Rating", "Search"] : ["Teacher", "Features", "Blocks", "Rating", "Search"];
        double searchCost = searchStages.Sum(s => state.Seconds(s));
        // The networks of the table and of the training curves.
        var second = new TrainRun(layout.SecondBaselineFolder).ReadResult();
        (string Row, string Legend, TrainRunResult Result)[] secondRow = second is null ? [] : [("second baseline (MobileNetV2 layout)", "second baseline", second)];
        (string Row, string Legend, TrainRunResult Result)[] networks = selfSupervised
            ? [("searched", "searched", searched), ("baseline (uniform)", "baseline", baseline), .. secondRow]
            : shared
            ? [("searched", "searched", searched), ("baseline (uniform; also the teacher)", "baseline = teacher", baseline), .. secondRow]
            : [("searched", "searched", searched), ("baseline (uniform)", "baseline", baseline), .. secondRow, ("teacher", "teacher", ReadResult(layout.TeacherFolder))];

        PlotCurves(Path.Combine(Plots, "training-curves.png"), networks.Select(n => (n.Legend, n.Result)).ToArray());
        using (var store = new RatingStore(layout.RatingsPath))
            for (int b = 0; b < space.Blocks.Count; b++)
                PlotHistogram(Path.Combine(Plots, $"ratings-block{b + 1}.png"), b, store.Block(b).Select(r => r.ScaledMae).ToArray(), RatingMeaning(config));

        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# DNA search on {Data.Datasets.KindName(config.Data.Kind)}");
        md.AppendLine();
        string verdict = searched.TestAccuracy >= baseline.TestAccuracy
            ? $"Yes: the searched architecture is {100 * (searched.TestAccuracy - baseline.TestAccuracy):F2} points more accurate than the hand-designed baseline"
            : $"No: the hand-designed baseline is {100 * (baseline.TestAccuracy - searched.TestAccuracy):F2} points more accurate than the searched architecture";
        if (second is not null)
            verdict += searched.TestAccuracy >= second.TestAccuracy
                ? $", and {100 * (searched.TestAccuracy - second.TestAccuracy):F2} points more accurate than the second hand design (MobileNetV2's layout)"
                : $", and the second hand design (MobileNetV2's layout) is {100 * (second.TestAccuracy - searched.TestAccuracy):F2} points more accurate than it";
        md.AppendLine($"**Did the search beat a plain network?** {verdict}, all trained with the same recipe ({config.RetrainRecipe.Epochs} epochs) and seed {config.Seed}. " +
                      "One seed: a difference under a point is within seed noise; `dna verdict` pairs runs of several seeds.");
        md.AppendLine();
        md.AppendLine("| network | architecture | test accuracy | balanced accuracy | params | MACs | training time |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (name, _, r) in networks)
            md.AppendLine(inv, $"| {name} | `{ReportParts.Cell(r.Architecture)}` | {100 * r.TestAccuracy:F2}% | {100 * r.BalancedAccuracy:F2}% | {r.Params:N0} | {r.Macs:N0} | {r.TrainingSeconds / 60:F1} min |");
        md.AppendLine();
        if (space.SearchesWidths)
        {
            var picked = Architecture.Parse(search.Best.Architecture, space);
            string Widths(Func<int, int> width) => string.Join(", ", Enumerable.Range(0, space.Blocks.Count).Select(b => width(b)));
            md.AppendLine($"Widths searched: block widths {Widths(b => picked.Width(b, space))} against the reference (the baseline's and the teacher's) " +
                          $"{Widths(b => space.Blocks[b].Channels)}. Each width of a block had a cell of its own, its output projected to the teacher's channels " +
                          "by a learned 1x1 convolution where the widths differ; the projections are not part of the searched network.");
            md.AppendLine();
        }
        if (searched.TestClasses is { } classes)
        {
            md.AppendLine(FormattableString.Invariant($"Always answering the largest class would score {100 * classes.MajorityRate:F2}%; chance is {100.0 / classes.Classes.Count:F1}% balanced. ") +
                               "Balanced accuracy is the mean of the per-class accuracies (plots/confusion-searched.png), so an imbalanced data set cannot look good by predicting its largest class.");
            md.AppendLine();
            foreach (var warning in MajorityWarnings(layout)) { md.AppendLine($"**{warning}**"); md.AppendLine(); }
            ReportParts.PlotConfusion(classes, Path.Combine(Plots, "confusion-searched.png"), "Searched network: test confusion matrix (row-normalised)");
        }
        md.AppendLine((selfSupervised ? "Splits: the block cells learn from augmented training images, with no teacher and no labels" : "Splits: the teacher trains on the training split") + ", both networks on the training split" + (config.RetrainRecipe.TrainOnValidation ? " and the validation split" : "") +
                      (selfSupervised ? "" : "; block cells learn from teacher features of training images") + "; candidates are rated on validation images; " +
                      "the test split is read once, for the accuracies above, and decides nothing.");
        md.AppendLine();
        string costParts = selfSupervised
            ? "DNA++: self-supervised block training and rating, block by block, with no teacher; search"
            : shared
            ? "features, block training, rating, search; the teacher is the baseline, trained once for both roles"
            : config.TeacherRun is { } given
                ? $"features, block training, rating, search; the teacher came trained from {given} ({networks[^1].Result.TrainingSeconds / 60:F1} min there, not counted)"
                : "teacher, features, block training, rating, search";
        md.AppendLine(inv, $"Search cost ({costParts}): {searchCost / 60:F1} min. Budget: {search.Budget}.");
        md.AppendLine();
        if (search is { Best.Micros: { } micros, BaselineMicros: { } baselineMicros, MaxMicros: { } maxMicros })
        {
            md.AppendLine(inv, $"Predicted training time by the latency table (`latency.json`, measured on this machine before the search): searched {micros:N0} us/image, baseline {baselineMicros:N0} us/image; the search kept to {maxMicros / baselineMicros:0.##}x the baseline's.");
            md.AppendLine();
        }
        md.AppendLine("## Top architectures by summed block rating");
        md.AppendLine();
        md.AppendLine($"| rank | architecture | rating (sum of {RatingMeaning(config)}) | params | MACs |");
        md.AppendLine("|---|---|---|---|---|");
        for (int i = 0; i < search.Top.Count; i++)
            md.AppendLine(inv, $"| {i + 1} | `{ReportParts.Cell(search.Top[i].Architecture)}` | {search.Top[i].Rating:F4} | {search.Top[i].Params:N0} | {search.Top[i].Macs:N0} |");
        md.AppendLine();
        md.AppendLine("## Plots");
        md.AppendLine();
        md.AppendLine("![training curves](plots/training-curves.png)");
        md.AppendLine();
        for (int b = 0; b < space.Blocks.Count; b++) md.AppendLine($"![block {b + 1} ratings](plots/ratings-block{b + 1}.png)");
        md.AppendLine();
        if (File.Exists(layout.PlanPath)) TimeBudgetReport.Append(md, TimePlan.Read(layout.PlanPath), state);
        ReportParts.AppendStages(md, state);
        md.AppendLine("The ratings of every candidate are in `ratings.db` (SQLite, table `ratings`); configuration in `config.json`, versions and hardware in `environment.json`.");
        AtomicFile.WriteAllText(layout.SummaryPath, md.ToString());
    }

    /// <summary>A warning for each trained network of the run that does not clearly beat always answering the largest class.</summary>
    public static IReadOnlyList<string> MajorityWarnings(DnaRunLayout layout)
    {
        var warnings = new List<string>();
        foreach (var (role, folder) in new[] { ("teacher", layout.TeacherFolder), ("searched", layout.RetrainFolder), ("baseline", layout.BaselineFolder), ("second baseline", layout.SecondBaselineFolder) }.DistinctBy(n => n.Item2))
            if (new TrainRun(folder).ReadResult() is { TestClasses: { } classes } result && classes.MajorityWarning(role, result.TestAccuracy) is { } warning)
                warnings.Add(warning);
        return warnings;
    }

    private static TrainRunResult ReadResult(string folder) =>
        new TrainRun(folder).ReadResult() ?? throw new TrainingException($"{folder} has no result.json; resume the run to finish that stage");

    /// <summary>Validation accuracy per epoch; training accuracy when a run trained on the validation images too.</summary>
    private static void PlotCurves(string path, params (string Name, TrainRunResult Result)[] runs)
    {
        bool validation = runs.All(r => r.Result.History.All(h => !double.IsNaN(h.ValidationAccuracy)));
        string what = validation ? "validation" : "training";
        var plot = new Plot();
        foreach (var (name, result) in runs)
        {
            var scatter = plot.Add.Scatter(result.History.Select(h => (double)h.Epoch).ToArray(),
                result.History.Select(h => 100 * (validation ? h.ValidationAccuracy : h.TrainAccuracy)).ToArray());
            scatter.LegendText = name;
        }
        plot.Title(validation ? "Validation accuracy per epoch" : "Training accuracy per epoch (trained on the validation images too)");
        plot.XLabel("epoch");
        plot.YLabel($"{what} accuracy (%)");
        plot.ShowLegend();
        ReportParts.SavePlot(plot, path);
    }

    /// <summary>What a block rating is, in words, for tables and axes.</summary>
    private static string RatingMeaning(DnaConfig config) =>
        config.SelfSupervision is null ? "mean |S - T| / std(T)" : "distance to the ensemble target, 2 - 2 cos";

    private static void PlotHistogram(string path, int block, double[] values, string meaning)
    {
        var plot = new Plot();
        const int bins = 30;
        double min = values.Min(), max = values.Max(), width = Math.Max(1e-12, (max - min) / bins);
        var counts = new double[bins];
        foreach (var v in values) counts[Math.Min(bins - 1, (int)((v - min) / width))]++;
        var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(i => min + (i + 0.5) * width).ToArray(), counts);
        foreach (var bar in bars.Bars) bar.Size = width * 0.9;
        plot.Title($"Block {block + 1}: ratings of all {values.Length:N0} candidates");
        plot.XLabel($"{meaning}  (lower is better)");
        plot.YLabel("candidates");
        ReportParts.SavePlot(plot, path);
    }
}

/// <summary>The report, last of the stages: reads the run folder the others wrote.</summary>
public sealed class ReportStage : IStage<DnaRunContext>
{
    public const string StageName = "Report";

    public string Name => StageName;

    public void Run(DnaRunContext c) => new DnaReport(c.Layout).Write();
}
