using System.Globalization;
using System.Text;
using System.Text.Json;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>One seed's finished run: its networks' test accuracies (the second baseline's when it has one).</summary>
public sealed record SeedRun(string Folder, long Seed, TrainRunResult Searched, TrainRunResult Baseline, TrainRunResult? SecondBaseline);

/// <summary>
/// "Did the search beat a plain network?" over several seeds: finished runs of one configuration that differ only in
/// their seed, the searched network paired with each baseline by seed (<see cref="PairedDifference"/>), in points of
/// test accuracy and of balanced accuracy. The test split decided nothing in any of the runs; it is read here only
/// to report.
/// </summary>
public sealed class SeedVerdict
{
    public IReadOnlyList<SeedRun> Runs { get; }

    private SeedVerdict(IReadOnlyList<SeedRun> runs) => Runs = runs;

    public static SeedVerdict Of(IReadOnlyList<string> folders)
    {
        if (folders.Count < 2) throw new ArgumentException($"a verdict over seeds needs at least 2 finished runs, got {folders.Count}");
        var runs = new List<SeedRun>();
        string? sameConfig = null;
        Space.SearchSpace? sameSpace = null;
        foreach (var given in folders)
        {
            // A DNA+ run answers with its last generation, a DNA run folder of its own.
            string folder = AnswerFolder(given);
            var layout = new DnaRunLayout(folder, false);
            var config = layout.ReadConfig();
            layout = DnaRunLayout.Of(folder, config);
            // Everything but the seed must agree, or the pairs compare more than the search. A space derived from a
            // folder of images is named by its file in each run's folder: the spaces themselves must be equal; so is
            // a DNA+ generation's teacher, which lives in each run's own folder.
            string? teacher = config.TeacherRun is { } t && Path.GetFullPath(t).StartsWith(Path.GetFullPath(given), StringComparison.Ordinal) ? "own" : config.TeacherRun;
            string rest = JsonSerializer.Serialize(config with { Seed = 0, SpaceName = "", TeacherRun = teacher }, JsonOptions.Compact);
            var space = layout.ReadSpace();
            if (sameConfig is null) (sameConfig, sameSpace) = (rest, space);
            else if (rest != sameConfig || !space.Equals(sameSpace))
                throw new ArgumentException($"{folder} was run with another configuration than {folders[0]} (not only another seed): give runs of one preset, data and budget");
            TrainRunResult Read(string f) => new TrainRun(f).ReadResult() ?? throw new TrainingException($"{f} has no result.json: resume the run in {folder} to finish it");
            runs.Add(new SeedRun(folder, config.Seed, Read(layout.RetrainFolder), Read(layout.BaselineFolder),
                new TrainRun(layout.SecondBaselineFolder).ReadResult()));
        }
        if (runs.GroupBy(r => r.Seed).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"{string.Join(" and ", twice.Select(r => r.Folder))} share seed {twice.Key}: a verdict pairs distinct seeds");
        return new SeedVerdict(runs);
    }

    /// <summary>The DNA run folder that holds a run's answer: the folder itself, or a DNA+ run's last generation.</summary>
    private static string AnswerFolder(string folder)
    {
        var progressive = new ProgressiveLayout(folder);
        if (!File.Exists(Path.Combine(progressive.GenerationFolder(1), "config.json"))) return folder;
        var config = progressive.ReadConfig();
        return progressive.GenerationFolder(config.Generations);
    }

    public PairedDifference VersusBaseline(Func<TrainRunResult, double> accuracy) =>
        PairedDifference.Of(Runs.Select(r => 100 * accuracy(r.Searched)).ToList(), Runs.Select(r => 100 * accuracy(r.Baseline)).ToList());

    /// <summary>Null unless every run trained the second baseline.</summary>
    public PairedDifference? VersusSecondBaseline(Func<TrainRunResult, double> accuracy) => Runs.All(r => r.SecondBaseline is not null)
        ? PairedDifference.Of(Runs.Select(r => 100 * accuracy(r.Searched)).ToList(), Runs.Select(r => 100 * accuracy(r.SecondBaseline!)).ToList())
        : null;

    public string Markdown()
    {
        var md = new StringBuilder();
        bool second = Runs.All(r => r.SecondBaseline is not null);
        md.AppendLine($"# Did the search beat a plain network? {Runs.Count} seeds");
        md.AppendLine();
        md.AppendLine($"Runs: {string.Join(", ", Runs.Select(r => $"`{r.Folder}` (seed {r.Seed})"))}. Every network of a run is trained with the same recipe and that run's seed; " +
                      "the test split decided nothing in any of them and is read here only to report.");
        md.AppendLine();
        md.AppendLine(second ? "| seed | searched | baseline (uniform) | second baseline (MobileNetV2 layout) |" : "| seed | searched | baseline (uniform) |");
        md.AppendLine(second ? "|---|---|---|---|" : "|---|---|---|");
        foreach (var r in Runs)
            md.AppendLine($"| {r.Seed} | {Cell(r.Searched)} | {Cell(r.Baseline)} |" + (second ? $" {Cell(r.SecondBaseline!)} |" : ""));
        md.AppendLine();
        md.AppendLine("Each cell: test accuracy (balanced accuracy), params. Below, the searched network minus each baseline, paired by seed: " +
                      string.Create(CultureInfo.InvariantCulture, $"mean with its {100 * PairedDifference.Confidence:0}% Student-t interval, in points."));
        md.AppendLine();
        md.AppendLine("| against | measure | searched (mean ± sd) | baseline (mean ± sd) | paired difference | verdict |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (name, pick) in new (string, Func<TrainRunResult, double>)[] { ("accuracy", r => r.TestAccuracy), ("balanced accuracy", r => r.BalancedAccuracy) })
        {
            md.AppendLine(Row("baseline (uniform)", name, VersusBaseline(pick)));
            if (VersusSecondBaseline(pick) is { } d) md.AppendLine(Row("second baseline (MobileNetV2 layout)", name, d));
        }
        md.AppendLine();
        return md.ToString();
    }

    private static string Cell(TrainRunResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * r.TestAccuracy:F2}% ({100 * r.BalancedAccuracy:F2}%), {r.Params:N0}");

    private static string Row(string against, string measure, PairedDifference d)
    {
        string verdict = d.Verdict > 0 ? "the search is better" : d.Verdict < 0 ? "the baseline is better" : "no difference these seeds can show";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {against} | {measure} | {d.MeanA:F2} ± {d.SdA:F2} | {d.MeanB:F2} ± {d.SdB:F2} | {d.MeanDifference:+0.00;-0.00;0.00} [{d.Low:+0.00;-0.00;0.00}, {d.High:+0.00;-0.00;0.00}] | {verdict} |");
    }
}
