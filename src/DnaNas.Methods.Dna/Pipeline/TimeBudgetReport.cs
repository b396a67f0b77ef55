using System.Globalization;
using System.Text;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>The report's account of a run planned with --time-budget: each stage's planned and actual seconds.</summary>
public static class TimeBudgetReport
{
    /// <summary>
    /// Start-up (loading the data), the probe and the stages up to the report, as the run timed them: the report is
    /// written inside its own stage, before that stage's seconds exist.
    /// </summary>
    public static double ActualSeconds(TimePlan plan, StageState state) =>
        plan.StartupSeconds + plan.ProbeSeconds + state.StageSeconds.Where(kv => !string.Equals(kv.Key, ReportStageName, StringComparison.OrdinalIgnoreCase)).Sum(kv => kv.Value);

    private const string ReportStageName = ReportStage.StageName;

    public static void Append(StringBuilder md, TimePlan plan, StageState state)
    {
        var inv = CultureInfo.InvariantCulture;
        double actual = ActualSeconds(plan, state);
        string sideBySide = plan.SideBySide is { } jobs
            ? string.Create(inv, $" (its training step side by side, as the retrainings run, at {1e6 * jobs.Baseline.TrainSeconds:F0} us/image each)") : "";
        md.AppendLine("## Time budget");
        md.AppendLine();
        md.AppendLine(inv, $"Planned for {plan.BudgetSeconds / 60:0.#} min on {plan.Cpu} at {plan.Threads} threads: the probe timed the baseline's training step at " +
                           $"{1e6 * plan.Baseline.TrainSeconds:F0} us/image and its inference at {1e6 * plan.Baseline.InferSeconds:F0} us/image{sideBySide}, so the run does " +
                           $"{plan.Scale:0.00}x the preset's optimisation steps (plan.json). Planned {plan.PlannedSeconds / 60:F1} min; start-up, the probe and the stages took " +
                           $"{actual / 60:F1} min ({actual / plan.PlannedSeconds:0.00}x the plan, {actual / plan.BudgetSeconds:0.00}x the budget).");
        md.AppendLine();
        md.AppendLine("| stage | planned (min) | actual (min) |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(inv, $"| start-up (loading the data) | {plan.StartupSeconds / 60:F1} | {plan.StartupSeconds / 60:F1} |");
        md.AppendLine(inv, $"| probe | {plan.ProbeSeconds / 60:F1} | {plan.ProbeSeconds / 60:F1} |");
        foreach (var (stage, seconds) in plan.PlannedStageSeconds)
        {
            string done = Timed(state, stage) ? (state.Seconds(stage) / 60).ToString("F1", inv) : "not timed apart";
            md.AppendLine(inv, $"| {stage} | {seconds / 60:F1} | {done} |");
        }
        foreach (var stage in state.StageSeconds.Keys.Where(k => !plan.PlannedStageSeconds.ContainsKey(k) && !string.Equals(k, ReportStageName, StringComparison.OrdinalIgnoreCase)))
            md.AppendLine(inv, $"| {stage} | in start-up | {state.Seconds(stage) / 60:F1} |");
        md.AppendLine(inv, $"| total | {plan.PlannedSeconds / 60:F1} | {actual / 60:F1} |");
        md.AppendLine();
        md.AppendLine("Start-up is the time from the process's start to the plan. Other: starting job processes and writing the report, which is written before its own time is known; the search's row includes the latency table.");
        md.AppendLine();
    }

    private static bool Timed(StageState state, string stage) => state.StageSeconds.Keys.Any(k => string.Equals(k, stage, StringComparison.OrdinalIgnoreCase));
}
