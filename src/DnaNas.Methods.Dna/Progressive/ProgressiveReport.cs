using System.Globalization;
using System.Text;
using DnaNas.Training;
using ScottPlot;

namespace DnaNas.Methods.Dna;

/// <summary>The report, last of DNA+'s stages: each generation's own report is already in its folder.</summary>
public sealed class ProgressiveReportStage : IStage<ProgressiveContext>
{
    public string Name => ReportStage.StageName;

    public void Run(ProgressiveContext c) => new ProgressiveReport(c.Layout).Write();
}

/// <summary>
/// Writes a DNA+ run's <c>summary.md</c> and <c>plots/generations.png</c>: every generation's teacher, searched
/// network and accuracies, and the last generation's answer against the baseline and against generation 1 (plain
/// DNA with the same seed). It reads only the run folder.
/// </summary>
public sealed class ProgressiveReport(ProgressiveLayout layout)
{
    /// <summary>One generation as the report reads it from its folder.</summary>
    private sealed record Generation(int Number, TrainRunResult Teacher, TrainRunResult Searched, double Rating, double Seconds);

    public void Write()
    {
        var config = layout.ReadConfig();
        var state = layout.ReadState();
        var generations = Enumerable.Range(1, config.Generations).Select(g => Read(config, state, g)).ToList();
        var first = layout.Generation(config, 1);
        var baseline = Result(first.BaselineFolder);
        var inv = CultureInfo.InvariantCulture;
        var last = generations[^1];
        var md = new StringBuilder();
        md.AppendLine($"# DNA+ search on {Data.Datasets.KindName(config.Dna.Data.Kind)}: {config.Generations} generations");
        md.AppendLine();
        md.AppendLine(Invariant($"**Answer:** generation {last.Number}'s searched architecture `{ReportParts.Cell(last.Searched.Architecture)}`, ",
                           $"{last.Searched.Params:N0} params, test accuracy {100 * last.Searched.TestAccuracy:F2}% ",
                           $"({Points(last.Searched.TestAccuracy - baseline.TestAccuracy)} against the uniform baseline, ",
                           $"{Points(last.Searched.TestAccuracy - generations[0].Searched.TestAccuracy)} against generation 1, plain DNA with the same seed {config.Dna.Seed}). ",
                           $"One seed: a difference under a point is within seed noise; `dna verdict` pairs runs of several seeds."));
        md.AppendLine();
        md.AppendLine(Invariant($"Each later generation's teacher is the previous generation's searched architecture, {config.DepthMultiplier:0.##}x deeper ",
                           $"(depth only: every block boundary keeps its width, so the block loss needs no learned projection) and retrained with the teacher's recipe. ",
                           $"Every network is retrained with the same recipe and seed as the baseline."));
        md.AppendLine();
        md.AppendLine("| generation | teacher | teacher params | teacher validation | searched | params | summed rating | searched validation | searched test | minutes |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var g in generations)
            md.AppendLine(Invariant($"| {g.Number} | `{ReportParts.Cell(g.Teacher.Architecture)}` | {g.Teacher.Params:N0} | {Percent(g.Teacher.ValidationAccuracy)} | ",
                               $"`{ReportParts.Cell(g.Searched.Architecture)}` | {g.Searched.Params:N0} | {g.Rating:F4} | {Percent(g.Searched.ValidationAccuracy)} | {100 * g.Searched.TestAccuracy:F2}% | {g.Seconds / 60:F1} |"));
        md.AppendLine(inv, $"| baseline | | | | `{ReportParts.Cell(baseline.Architecture)}` | {baseline.Params:N0} | | {Percent(baseline.ValidationAccuracy)} | {100 * baseline.TestAccuracy:F2}% | |");
        md.AppendLine();
        md.AppendLine("Summed ratings are each generation's own distances to its own teacher, so they compare candidates within a generation, not across generations. " +
                      "Splits: teachers train on the training split; candidates are rated on validation images; the last generation is the answer by construction, " +
                      "and the test split, read once for the accuracies above, decides nothing. Each generation's folder holds its full DNA report (`generation-G/summary.md`).");
        md.AppendLine();
        Directory.CreateDirectory(layout.PlotsFolder);
        Plot(Path.Combine(layout.PlotsFolder, "generations.png"), generations, baseline);
        md.AppendLine("![accuracy per generation](plots/generations.png)");
        md.AppendLine();
        new RatingQualityPerGeneration(layout).Append(md, config);
        if (File.Exists(layout.PlanPath)) TimeBudgetReport.Append(md, TimePlan.Read(layout.PlanPath), state);
        ReportParts.AppendStages(md, state);
        AtomicFile.WriteAllText(layout.SummaryPath, md.ToString());
    }

    private Generation Read(ProgressiveConfig config, StageState state, int g)
    {
        var run = layout.Generation(config, g);
        var search = run.ReadSearch();
        double seconds = run.ReadState().StageSeconds.Where(kv => kv.Key != ReportStage.StageName).Sum(kv => kv.Value)
                         + state.Seconds(new ScaledTeacherStage(g).Name);
        return new Generation(g, Result(run.TeacherFolder), Result(run.RetrainFolder), search.Best.Rating, seconds);
    }

    private static void Plot(string path, IReadOnlyList<Generation> generations, TrainRunResult baseline)
    {
        var plot = new Plot();
        double[] x = generations.Select(g => (double)g.Number).ToArray();
        foreach (var (name, values) in new[]
                 {
                     ("teacher, validation", generations.Select(g => g.Teacher.ValidationAccuracy)),
                     ("searched, validation", generations.Select(g => g.Searched.ValidationAccuracy)),
                     ("searched, test", generations.Select(g => g.Searched.TestAccuracy)),
                 })
        {
            var y = values.Select(v => 100 * v).ToArray();
            if (y.Any(double.IsNaN)) continue; // a recipe that trains on the validation images has no validation accuracy
            plot.Add.Scatter(x, y).LegendText = name;
        }
        var line = plot.Add.HorizontalLine(100 * baseline.TestAccuracy);
        line.LegendText = "uniform baseline, test";
        SaveOverGenerations(plot, "DNA+: accuracy per generation", "accuracy (%)", path);
    }

    /// <summary>Titles a plot whose x axis counts generations (one tick each), with its legend, and saves it.</summary>
    internal static void SaveOverGenerations(Plot plot, string title, string yLabel, string path)
    {
        plot.Title(title);
        plot.XLabel("generation");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend();
        ReportParts.SavePlot(plot, path);
    }

    /// <summary>Pieces of interpolated text, each formatted invariantly, joined.</summary>
    private static string Invariant(params FormattableString[] pieces) => string.Concat(pieces.Select(FormattableString.Invariant));

    private static string Percent(double accuracy) => double.IsNaN(accuracy) ? "-" : (100 * accuracy).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string Points(double difference) => (100 * difference).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + " points";

    private static TrainRunResult Result(string folder) =>
        new TrainRun(folder).ReadResult() ?? throw new TrainingException($"{folder} has no result.json; resume the run to finish that stage");
}
