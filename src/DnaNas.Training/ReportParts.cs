using System.Globalization;
using System.Text;
using ScottPlot;

namespace DnaNas.Training;

/// <summary>Pieces every report writes the same way: table cells, the stage-time table, PNG plots.</summary>
public static class ReportParts
{
    /// <summary>Markdown tables split cells at '|' even inside code spans.</summary>
    public static string Cell(string architecture) => architecture.Replace("|", "\\|");

    public static void AppendStages(StringBuilder md, IReadOnlyDictionary<string, double> stageSeconds)
    {
        md.AppendLine("## Stages");
        md.AppendLine();
        md.AppendLine("| stage | minutes |");
        md.AppendLine("|---|---|");
        foreach (var (stage, seconds) in stageSeconds) md.AppendLine(CultureInfo.InvariantCulture, $"| {stage} | {seconds / 60:F1} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| total | {stageSeconds.Values.Sum() / 60:F1} |");
        md.AppendLine();
    }

    public static void SavePlot(Plot plot, string path) => AtomicFile.Write(path, s => s.Write(plot.GetImageBytes(800, 450, ImageFormat.Png)));
}
