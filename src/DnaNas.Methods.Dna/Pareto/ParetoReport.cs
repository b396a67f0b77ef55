using System.Globalization;
using System.Text;
using System.Text.Json;
using DnaNas.Training;
using ScottPlot;

namespace DnaNas.Methods.Dna;

/// <summary>
/// dna pareto's folder: <c>front.json</c> (every network of the front, the measured ones with their times),
/// <c>summary.md</c>, and plots of the rating against each cost, with the networks timed whole drawn where they
/// were measured beside where the table put them.
/// </summary>
public static class ParetoReport
{
    public const string FrontFileName = "front.json";

    public static void Write(string folder, ParetoOutcome outcome)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, FrontFileName), JsonSerializer.Serialize(outcome, JsonOptions.Indented));
        var plots = new List<string>();
        if (outcome.Front.Any(p => p.Micros is not null))
        {
            Plot(Path.Combine(folder, "front-latency.png"), outcome, p => p.Micros!.Value, p => p.MeasuredMicros, "time",
                "time per image (us): predicted by the table, or timed whole", "Pareto front: rating against time per image");
            plots.Add("front-latency.png");
        }
        Plot(Path.Combine(folder, "front-params.png"), outcome, p => p.Params, _ => null, "parameters", "parameters", "Pareto front: rating against parameters");
        Plot(Path.Combine(folder, "front-macs.png"), outcome, p => p.Macs, _ => null, "MACs", "multiply-accumulates", "Pareto front: rating against MACs");
        plots.AddRange(["front-params.png", "front-macs.png"]);
        AtomicFile.WriteAllText(Path.Combine(folder, "summary.md"), Summary(outcome, plots));
    }

    public static ParetoOutcome Read(string folder) =>
        DurableJson.Read<ParetoOutcome>(Path.Combine(folder, FrontFileName), "delete it and run dna pareto again");

    private static string Summary(ParetoOutcome o, IReadOnlyList<string> plots)
    {
        var md = new StringBuilder();
        md.AppendLine("# Pareto front of a DNA run's ratings");
        md.AppendLine();
        md.AppendLine($"NSGA-II over {string.Join(", ", o.Objectives)} (all minimised; the rating is the sum of the blocks' ratings, lower is better), " +
                      $"constraints: {o.Constraints}; {o.Evaluated:N0} networks evaluated in {o.Generations} generations, seed {o.Seed}" +
                      (o.LatencyTable is null ? "." : $"; times predicted by `{o.LatencyTable}`."));
        md.AppendLine("Ratings come from the run's validation images; no test image chose anything here.");
        md.AppendLine();
        bool timed = o.Front.Any(p => p.Micros is not null), measured = o.Front.Any(p => p.MeasuredMicros is not null), trained = o.Front.Any(p => p.Trained is not null);
        md.AppendLine("| # | architecture | rating | params | MACs |" + (timed ? " predicted us/image |" : "") + (measured ? " measured us/image |" : "") +
                      (trained ? " validation | test | ONNX |" : ""));
        md.AppendLine("|---|---|---|---|---|" + (timed ? "---|" : "") + (measured ? "---|" : "") + (trained ? "---|---|---|" : ""));
        for (int i = 0; i < o.Front.Count; i++)
        {
            var p = o.Front[i];
            md.AppendLine($"| {i + 1} | `{ReportParts.Cell(p.Architecture)}` | {p.Rating.ToString("F4", CultureInfo.InvariantCulture)} | {p.Params:N0} | {p.Macs:N0} |" +
                          (timed ? $" {p.Micros?.ToString("F1", CultureInfo.InvariantCulture)} |" : "") +
                          (measured ? $" {p.MeasuredMicros?.ToString("F1", CultureInfo.InvariantCulture) ?? ""} |" : "") +
                          (trained ? p.Trained is { } n ? $" {n.ValidationAccuracy:P2} | {n.TestAccuracy:P2} | `{Path.GetFileName(n.Onnx)}` |" : " | | |" : ""));
        }
        md.AppendLine();
        foreach (var plot in plots) md.AppendLine($"![{plot}]({plot})");
        md.AppendLine();
        if (trained)
            md.AppendLine("Trained networks: the run's retraining recipe and seed, chosen along the front by cost before training; test accuracy read once, " +
                          "for this table, and chose nothing. Each ONNX file was verified by ONNX Runtime against TorchSharp before it was written.");
        md.AppendLine("Train another network of the front with `dna train --space <space> --arch \"<architecture>\"`, then ship it with `dna export`.");
        return md.ToString();
    }

    private static void Plot(string path, ParetoOutcome o, Func<ParetoPoint, double> cost, Func<ParetoPoint, double?> measured, string costName, string axis, string title)
    {
        var plot = new Plot();
        // The front is over every objective; against one cost, part of it is dominated: the line joins the part that is not.
        var front = o.Front.OrderBy(cost).ThenBy(p => p.Rating).ToList();
        var trade = new List<ParetoPoint>();
        foreach (var p in front)
            if (trade.Count == 0 || p.Rating < trade[^1].Rating) trade.Add(p);
        var all = plot.Add.Markers(front.Select(cost).ToArray(), front.Select(p => p.Rating).ToArray());
        all.LegendText = $"front over {string.Join(", ", o.Objectives)} ({o.Front.Count})";
        all.MarkerSize = 6;
        var line = plot.Add.Scatter(trade.Select(cost).ToArray(), trade.Select(p => p.Rating).ToArray());
        line.LegendText = $"best rating for its {costName} ({trade.Count})";
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.MarkerSize = 0;
        var timed = front.Where(p => measured(p) is not null).ToList();
        if (timed.Count > 0)
        {
            foreach (var p in timed)
            {
                var link = plot.Add.Line(cost(p), p.Rating, measured(p)!.Value, p.Rating);
                link.LinePattern = LinePattern.Dotted;
                link.LineColor = Colors.Gray;
            }
            var points = plot.Add.Markers(timed.Select(p => measured(p)!.Value).ToArray(), timed.Select(p => p.Rating).ToArray());
            points.LegendText = $"timed whole on this machine ({timed.Count})";
            points.MarkerShape = MarkerShape.FilledDiamond;
            points.MarkerSize = 10;
        }
        plot.Title(title);
        plot.XLabel(axis);
        plot.YLabel("summed block rating (lower is better)");
        plot.ShowLegend(Alignment.UpperRight);
        ReportParts.SavePlot(plot, path);
    }
}
