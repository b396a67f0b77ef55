using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Every path of a DNA+ run folder. Each generation is a whole DNA run folder of its own (<see cref="DnaRunLayout"/>),
/// so every DNA tool reads it (<c>dna search</c>, the report, a study's rating source); a later generation's folder
/// also holds the deepened teacher's space and training.
/// </summary>
public sealed record ProgressiveLayout(string Folder)
{
    public string ConfigPath => Path.Combine(Folder, "config.json");
    public string EnvironmentPath => Path.Combine(Folder, "environment.json");
    public string StatePath => Path.Combine(Folder, StagedRun.StateFileName);
    public string SummaryPath => Path.Combine(Folder, "summary.md");
    public string PlotsFolder => Path.Combine(Folder, "plots");
    /// <summary>The time plan of a run started with --time-budget, for all its generations (<see cref="TimePlan"/>).</summary>
    public string PlanPath => Path.Combine(Folder, "plan.json");
    /// <summary>The ground truth the report judges each generation's ratings against, when the run was given one (<see cref="KnownAccuracies"/>).</summary>
    public string GroundTruthPath => Path.Combine(Folder, KnownAccuracies.FileName);

    public string GenerationFolder(int generation) => Path.Combine(Folder, $"generation-{generation}");

    /// <summary>The deepened space the teacher of a later generation is built in (a space file, as a training names it).</summary>
    public string TeacherSpacePath(int generation) => Path.Combine(GenerationFolder(generation), "teacher-space.json");

    /// <summary>Where a later generation's teacher trains; its DNA run adopts it from here.</summary>
    public string ScaledTeacherFolder(int generation) => Path.Combine(GenerationFolder(generation), "scaled-teacher");

    /// <summary>Generation <paramref name="generation"/>'s DNA configuration: DNA's own for the first, distilling from the scaled teacher after.</summary>
    public DnaConfig ConfigOf(ProgressiveConfig config, int generation) =>
        generation == 1 ? config.Dna : config.Dna with { TeacherRun = Path.GetFullPath(ScaledTeacherFolder(generation)) };

    public DnaRunLayout Generation(ProgressiveConfig config, int generation) =>
        DnaRunLayout.Of(GenerationFolder(generation), ConfigOf(config, generation));

    /// <summary>The folder of the last generation started, whose searched network is the run's answer; null before the first.</summary>
    public string? LastGenerationFolder() =>
        Directory.Exists(Folder)
            ? Directory.GetDirectories(Folder, "generation-*")
                .Select(d => (Folder: d, Number: int.TryParse(Path.GetFileName(d)["generation-".Length..], out int g) ? g : 0))
                .Where(d => d.Number > 0).OrderBy(d => d.Number).Select(d => d.Folder).LastOrDefault()
            : null;

    public ProgressiveConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath)) throw new TrainingException($"{Folder} holds no DNA+ run (no config.json); start one with dna run --generations");
        return DurableJson.Read<ProgressiveConfig>(ConfigPath, "delete the folder to start over");
    }

    public StageState ReadState() => StagedRun.Read(StatePath);
}
