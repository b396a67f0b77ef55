using System.Globalization;
using System.Text;
using ScottPlot;

namespace DnaNas.Training;

/// <summary>Pieces every report writes the same way: table cells, the stage-time table, PNG plots.</summary>
public static class ReportParts
{
    /// <summary>Markdown tables split cells at '|' even inside code spans.</summary>
    public static string Cell(string architecture) => architecture.Replace("|", "\\|");

    public static void AppendStages(StringBuilder md, StageState state)
    {
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("## Stages");
        md.AppendLine();
        md.AppendLine("| stage | minutes | peak memory |");
        md.AppendLine("|---|---|---|");
        foreach (var (stage, seconds) in state.StageSeconds)
        {
            string peak = state.StagePeakBytes?.GetValueOrDefault(stage) is > 0 and var bytes ? $"{bytes / 1e9:F2} GB" : "not recorded";
            md.AppendLine(inv, $"| {stage} | {seconds / 60:F1} | {peak} |");
        }
        md.AppendLine(inv, $"| total | {state.StageSeconds.Values.Sum() / 60:F1} | |");
        md.AppendLine();
        md.AppendLine("Peak memory: the largest resident set of the stage's own process or of one of its job processes (Linux VmHWM); for a stage made of stages (a DNA+ generation), the largest of theirs.");
        md.AppendLine();
    }

    /// <summary>The confusion matrix as a heat map, each row divided by its class's count (so the diagonal is per-class accuracy).</summary>
    public static void PlotConfusion(ClassReport classes, string path, string title)
    {
        int n = classes.Classes.Count;
        var cells = new double[n, n];
        for (int r = 0; r < n; r++)
        {
            double total = Math.Max(1, classes.Confusion[r].Sum());
            for (int c = 0; c < n; c++) cells[r, c] = classes.Confusion[r][c] / total;
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(cells);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map);
        var ticks = Enumerable.Range(0, n).Select(i => new Tick(i, classes.Classes[i])).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select((t, i) => new Tick(n - 1 - i, classes.Classes[i])).ToArray());
        plot.Title(title);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        SavePlot(plot, path);
    }

    public static void SavePlot(Plot plot, string path) => AtomicFile.Write(path, s => s.Write(plot.GetImageBytes(800, 450, ImageFormat.Png)));
}
