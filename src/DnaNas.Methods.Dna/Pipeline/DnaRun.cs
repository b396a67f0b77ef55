using System.Text.Json;
using DnaNas.Data;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Progress from a stage. <see cref="Fraction"/> is the stage's completed share where known; <see cref="Milestone"/>
/// marks events worth a line in a log (epoch ends, finished blocks), not every step.
/// </summary>
public readonly record struct PipelineEvent(string Stage, string Message, double? Fraction = null, bool Milestone = true)
{
    /// <summary>A training's step as progress of <paramref name="stage"/>: a milestone at each epoch's end.</summary>
    public static PipelineEvent OfTraining(string stage, TrainProgress p) =>
        new(stage, $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1}" + (p.Finished?.ValidationSuffix() ?? ""),
            ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs, Milestone: p.Finished is not null);
}

/// <summary>What every stage of a DNA run shares: where things go, what was asked for, the space and data, and where to report.</summary>
public sealed class DnaRunContext
{
    public required DnaRunLayout Layout { get; init; }
    public required DnaConfig Config { get; init; }
    /// <summary>The space with the data's classes, as written to space.json.</summary>
    public required SearchSpace Space { get; init; }
    public required DatasetSplits Data { get; init; }
    public IJobRunner? Jobs { get; init; }
    public required IProgress<PipelineEvent> Progress { get; init; }
    public CancellationToken Cancel { get; init; }

    public void Report(string stage, string message, double? fraction = null, bool milestone = true) =>
        Progress.Report(new PipelineEvent(stage, message, fraction, milestone));

    /// <summary>Relays a training's epochs and steps as progress of <paramref name="stage"/>.</summary>
    public IProgress<TrainProgress> Relay(string stage) =>
        new Reporter<TrainProgress>(p => Progress.Report(PipelineEvent.OfTraining(stage, p)));
}

/// <summary>
/// DNA end to end in a run folder (Li et al., CVPR 2020): train a teacher, cache its block outputs, train every
/// block's cell to reproduce them, rate every candidate, search the best architecture under the budget exactly,
/// retrain it and a hand-designed baseline with the same recipe, and write a report. The run is a list of stage
/// objects over one <see cref="DnaRunContext"/>; each is recorded as done only after its output is on disk, so
/// <c>--resume</c> restarts a killed run at the stage (and block) it was in.
/// </summary>
public sealed class DnaRun(string folder, DnaConfig config)
{
    public DnaConfig Config { get; } = config;
    public DnaRunLayout Layout { get; } = DnaRunLayout.Of(folder, config);
    public string Folder => Layout.Folder;

    /// <summary>Where independent trainings run (the blocks; the searched network beside the baseline): null or one job at a time trains them here.</summary>
    public IJobRunner? Jobs { get; init; }

    /// <summary>DNA's stages in order. A method that repeats or extends them (DNA+'s generations) builds its own list from these.</summary>
    public static IReadOnlyList<IStage<DnaRunContext>> Stages { get; } =
        [new TeacherStage(), new FeatureStage(), new BlockStage(), new RatingStage(), new SearchStage(), new RetrainStage(), new BaselineStage(), new ReportStage()];

    /// <summary>DNA++'s stages: one self-supervised stage trains and rates the blocks in order, with no teacher; search, retraining and report as DNA's.</summary>
    public static IReadOnlyList<IStage<DnaRunContext>> SelfSupervisedStages { get; } =
        [new SelfSupervisedBlockStage(), new SearchStage(), new RetrainStage(), new BaselineStage(), new ReportStage()];

    public static IReadOnlyList<IStage<DnaRunContext>> StagesFor(DnaConfig config) => config.SelfSupervision is null ? Stages : SelfSupervisedStages;

    public static IReadOnlyList<string> StageNames { get; } = Stages.Select(s => s.Name).ToList();

    /// <summary>A started run, from its folder's config.json (for a job, or for dna search).</summary>
    public static DnaRun Open(string folder) => new(folder, new DnaRunLayout(folder, false).ReadConfig());

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(Config, JsonOptions.Compact));

    private StagedRun Staged => new(Folder, Fingerprint(), "DNA run");

    /// <param name="until">The last stage to run (a ranking study needs the ratings only); null runs them all.</param>
    /// <param name="loaded">The data of <see cref="DnaConfig.Data"/>, when the caller has loaded it already; null loads it.</param>
    public StageState Run(bool resume, IProgress<PipelineEvent> progress, CancellationToken cancel = default, string? until = null,
        DatasetSplits? loaded = null)
    {
        var state = Staged.Load(resume);
        Directory.CreateDirectory(Folder);
        AtomicFile.WriteAllText(Layout.ConfigPath, JsonSerializer.Serialize(Config, JsonOptions.Indented));
        AtomicFile.WriteAllText(Layout.EnvironmentPath, JsonSerializer.Serialize(RunEnvironment.Capture(), JsonOptions.Indented));
        Staged.Save(state);

        var stages = StagesFor(Config);
        if (loaded is null) progress.Report(new PipelineEvent(stages[0].Name, $"loading {Datasets.KindName(Config.Data.Kind)}"));
        var data = loaded ?? Datasets.Load(Config.Data);
        var space = TrainRun.SpaceFor(Config.SpaceName, data);
        AtomicFile.WriteAllText(Layout.SpacePath, SpaceFile.ToJson(space));
        CheckBudget(space);

        var context = new DnaRunContext { Layout = Layout, Config = Config, Space = space, Data = data, Jobs = Jobs, Progress = progress, Cancel = cancel };
        int last = until is null ? stages.Count - 1 : stages.Select(s => s.Name).ToList().IndexOf(until);
        if (last < 0) throw new ArgumentException($"unknown DNA stage \"{until}\": use {string.Join(", ", stages.Select(s => s.Name))}");
        return Staged.Run(state, stages.Take(last + 1), context, (stage, message) => progress.Report(new PipelineEvent(stage, message, 1)), cancel);
    }

    /// <summary>The stages a finished run has recorded (a job process checks what it may rely on).</summary>
    internal static void RequireDone(DnaRunLayout layout, string stage, string what)
    {
        if (!File.Exists(layout.StatePath) || !layout.ReadState().IsDone(stage))
            throw new TrainingException($"{layout.Folder}: {what}; resume the run with dna run --resume");
    }

    /// <summary>An infeasible budget fails before half an hour of training, not at the search stage.</summary>
    private void CheckBudget(SearchSpace space)
    {
        var cheapest = CostModel.SpaceRange(space).Min;
        long min = cheapest.In(Config.BudgetKind);
        if (Config.Budget < min)
            throw new TrainingException($"no architecture fits {new Budget(Config.BudgetKind, Config.Budget)}: the cheapest has {new Budget(Config.BudgetKind, min)}");
    }
}
