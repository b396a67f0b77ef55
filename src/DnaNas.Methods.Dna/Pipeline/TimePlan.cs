using System.Globalization;
using System.Text.Json;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Hardware;

namespace DnaNas.Methods.Dna;

/// <summary>Throughputs of one job among trainings that run side by side (<see cref="NetworkThroughput.MeasureSideBySide"/>).</summary>
public sealed record SideBySide(NetworkThroughput Baseline, NetworkThroughput? SecondBaseline);

/// <summary>The data a run's work grows with: images per split after the preset's subsets.</summary>
public sealed record RunSizes(int Train, int Validation, int Test);

/// <summary>
/// A run sized to a wall-clock budget on this machine (<c>dna run --time-budget</c>), written to <c>plan.json</c>:
/// what was measured, the share of the preset's work that fits, and the seconds each stage is expected to take, so
/// the report can set them beside the actual ones. A resumed run keeps its plan: the machine's speed on another day
/// must not change a started run's configuration.
/// </summary>
public sealed record TimePlan
{
    public required double BudgetSeconds { get; init; }
    /// <summary>The data the plan was sized for, before its subsets.</summary>
    public required RunSizes Sizes { get; init; }
    /// <summary>The preset's optimisation steps (trainings, block cells) are scaled by this; 1 is the preset itself.</summary>
    public required double Scale { get; init; }
    public required IReadOnlyDictionary<string, double> PlannedStageSeconds { get; init; }
    /// <summary>From the process's start to the probe (loading the data): spent before the plan, taken off the budget.</summary>
    public required double StartupSeconds { get; init; }
    /// <summary>Time to measure the throughputs below, before any stage: part of the budget.</summary>
    public required double ProbeSeconds { get; init; }
    public required NetworkThroughput Baseline { get; init; }
    public NetworkThroughput? SecondBaseline { get; init; }
    /// <summary>With --jobs above 1: the baselines timed again as the side-by-side trainings run, each job on its share of the threads (null in older plans).</summary>
    public SideBySide? SideBySide { get; init; }
    public required int Threads { get; init; }
    public required string Cpu { get; init; }

    public double PlannedSeconds => StartupSeconds + ProbeSeconds + PlannedStageSeconds.Values.Sum();

    public static TimePlan Read(string path) => DurableJson.Read<TimePlan>(path, "delete the run folder to plan again");

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions.Indented));

    /// <summary>"30m", "1h30m", "90s", "2h" or a plain number of minutes, as seconds; a one-line error otherwise.</summary>
    public static double ParseDuration(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double minutes) && minutes > 0) return minutes * 60;
        double seconds = 0;
        int at = 0;
        bool any = false;
        while (at < trimmed.Length)
        {
            int start = at;
            while (at < trimmed.Length && (char.IsDigit(trimmed[at]) || trimmed[at] == '.')) at++;
            if (at == start || at == trimmed.Length || !double.TryParse(trimmed[start..at], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw new ArgumentException($"--time-budget \"{text}\": write a duration such as 30m, 1h30m or 90s");
            seconds += trimmed[at++] switch
            {
                'h' => value * 3600,
                'm' => value * 60,
                's' => value,
                _ => throw new ArgumentException($"--time-budget \"{text}\": units are h, m and s (e.g. 1h30m)"),
            };
            any = true;
        }
        return any && seconds > 0 ? seconds : throw new ArgumentException($"--time-budget \"{text}\": write a positive duration such as 30m");
    }
}
