using System.Text.Json;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Every path of a DNA run folder, in one place: stages write here, reports and <c>dna search</c> read here, and
/// none of them needs the orchestrator. The baseline's folder is the teacher's when the teacher is the baseline.
/// </summary>
public sealed record DnaRunLayout(string Folder, bool TeacherIsBaseline)
{
    public const string LatencyFileName = "latency.json";

    public static DnaRunLayout Of(string folder, DnaConfig config) => new(folder, config.TeacherIsBaseline);

    public string ConfigPath => Path.Combine(Folder, "config.json");
    public string EnvironmentPath => Path.Combine(Folder, "environment.json");
    public string StatePath => Path.Combine(Folder, StagedRun.StateFileName);
    /// <summary>The resolved space (classes from the data): what dna search costs architectures with.</summary>
    public string SpacePath => Path.Combine(Folder, "space.json");
    public string TeacherFolder => Path.Combine(Folder, "teacher");
    public string FeaturesPath(string split) => Path.Combine(Folder, "features", $"{split}.bin");
    public string BlockCheckpoint(int block) => Path.Combine(Folder, "supernet", $"block{block}.bin");
    /// <summary>A cell's weights: its block's checkpoint at the reference width, one file per other width.</summary>
    public string CellCheckpoint(BlockCell cell) =>
        cell.IsReference ? BlockCheckpoint(cell.Block) : Path.Combine(Folder, "supernet", $"block{cell.Block}-w{cell.Width}.bin");
    public string RatingsPath => Path.Combine(Folder, "ratings.db");
    public string SearchPath => Path.Combine(Folder, "search.json");
    public string LatencyPath => Path.Combine(Folder, LatencyFileName);
    public string RetrainFolder => Path.Combine(Folder, "retrain");
    public string BaselineFolder => TeacherIsBaseline ? TeacherFolder : Path.Combine(Folder, "baseline");
    /// <summary>The second hand-designed network's training (<see cref="MobileNetBaseline"/>), when the run has one.</summary>
    public string SecondBaselineFolder => Path.Combine(Folder, "baseline-mobilenet");
    /// <summary>The time plan of a run started with --time-budget (<see cref="TimePlan"/>).</summary>
    public string PlanPath => Path.Combine(Folder, "plan.json");
    public string SummaryPath => Path.Combine(Folder, "summary.md");
    public string PlotsFolder => Path.Combine(Folder, "plots");

    /// <summary>
    /// The trained networks of the run that have finished (a model.bin), by the names <c>dna export --arch</c> takes:
    /// searched (the retrained winner), baseline, mobilenet (the second baseline) and teacher. The teacher's folder is
    /// the baseline's when one training served both, and is then listed under both names.
    /// </summary>
    public IReadOnlyList<(string Name, string Folder)> TrainedNetworks() =>
        new[] { ("searched", RetrainFolder), ("baseline", BaselineFolder), ("mobilenet", SecondBaselineFolder), ("teacher", TeacherFolder) }
            .Where(n => File.Exists(new TrainRun(n.Item2).ModelPath)).ToList();

    public DnaConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath)) throw new TrainingException($"{Folder} holds no DNA run (no config.json); start one with dna run");
        return DurableJson.Read<DnaConfig>(ConfigPath, "delete the folder to start over");
    }

    public StageState ReadState() => StagedRun.Read(StatePath);

    public SearchOutcome ReadSearch() => DurableJson.Read<SearchOutcome>(SearchPath, "delete it and resume the run to search again");

    public SearchSpace ReadSpace() => SpaceFile.Load(SpacePath);
}
