using System.Text.Json;
using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Methods.Dna;

/// <summary>What the stages of a DNA+ run share.</summary>
public sealed class ProgressiveContext
{
    public required ProgressiveLayout Layout { get; init; }
    public required ProgressiveConfig Config { get; init; }
    public required DatasetSplits Data { get; init; }
    public IJobRunner? Jobs { get; init; }
    public required IProgress<PipelineEvent> Progress { get; init; }
    public CancellationToken Cancel { get; init; }

    /// <summary>Progress of generation <paramref name="generation"/>, under its own stage names ("Blocks (generation 2)").</summary>
    public IProgress<PipelineEvent> Of(int generation) =>
        new Reporter<PipelineEvent>(e => Progress.Report(e with { Stage = ProgressiveRun.StageOf(e.Stage, generation) }));
}

/// <summary>
/// DNA+ (progressive block-wise distillation): generation 1 is a DNA run; each later generation deepens the previous
/// generation's searched architecture (<see cref="DepthScaling"/>), retrains it as its teacher, and runs DNA again
/// with it. The answer is the last generation's searched architecture, retrained unscaled by that generation's own
/// Retrain stage. The generations are DNA's own stages run again over another folder (<see cref="DnaRun.Stages"/>),
/// each generation a DNA run folder, so a stopped run resumes inside the generation and block where it stopped.
/// </summary>
public sealed class ProgressiveRun(string folder, ProgressiveConfig config)
{
    public ProgressiveConfig Config { get; } = config.Problem() is { } problem ? throw new ArgumentException(problem) : config;
    public ProgressiveLayout Layout { get; } = new(folder);
    public IJobRunner? Jobs { get; init; }
    /// <summary>
    /// A ground truth to judge every generation's ratings against in the report; kept in the folder, so a later resume
    /// without one keeps it. It decides nothing, so it is not part of the configuration: given to a finished run, it
    /// changes only the copy and the report.
    /// </summary>
    public KnownAccuracies? GroundTruth { get; init; }

    public IReadOnlyList<IStage<ProgressiveContext>> Stages =>
    [
        ..Enumerable.Range(1, Config.Generations).SelectMany(g => g == 1
            ? new IStage<ProgressiveContext>[] { new GenerationStage(g) }
            : [new ScaledTeacherStage(g), new GenerationStage(g)]),
        new ProgressiveReportStage(),
    ];

    public static string StageOf(string dnaStage, int generation) => $"{dnaStage} (generation {generation})";

    public string Fingerprint() => TrainRunConfig.Hash(JsonSerializer.Serialize(Config, JsonOptions.Compact));

    public StageState Run(bool resume, IProgress<PipelineEvent> progress, CancellationToken cancel = default, DatasetSplits? loaded = null)
    {
        if (GroundTruth?.Problem(Config.Dna.SpaceName, Config.Dna.Data) is { } problem) throw new TrainingException(problem);
        var staged = new StagedRun(Layout.Folder, Fingerprint(), "DNA+ run");
        var state = staged.Load(resume);
        if (GroundTruth is not null && Stages.All(s => state.IsDone(s.Name)))
        {
            // A finished run given a ground truth: only the copy and the report change; what ran where stays as recorded.
            GroundTruth.Write(Layout.GroundTruthPath);
            new ProgressiveReport(Layout).Write();
            progress.Report(new PipelineEvent(ReportStage.StageName, $"rewritten with the ground truth of {GroundTruth.Source}", 1));
            return state;
        }
        Directory.CreateDirectory(Layout.Folder);
        AtomicFile.WriteAllText(Layout.ConfigPath, JsonSerializer.Serialize(Config, JsonOptions.Indented));
        AtomicFile.WriteAllText(Layout.EnvironmentPath, JsonSerializer.Serialize(RunEnvironment.Capture(), JsonOptions.Indented));
        staged.Save(state);
        GroundTruth?.Write(Layout.GroundTruthPath);
        var data = loaded ?? Datasets.Load(Config.Dna.Data);
        var context = new ProgressiveContext { Layout = Layout, Config = Config, Data = data, Jobs = Jobs, Progress = progress, Cancel = cancel };
        return staged.Run(state, Stages, context, (stage, message) => progress.Report(new PipelineEvent(stage, message, 1)), cancel);
    }
}

/// <summary>One generation's DNA run, in its own folder. A later generation reuses generation 1's baselines: same networks, recipe and seed.</summary>
public sealed class GenerationStage(int generation) : IStage<ProgressiveContext>
{
    public string Name => $"Generation {generation}";

    public void Run(ProgressiveContext c)
    {
        var config = c.Layout.ConfigOf(c.Config, generation);
        var layout = c.Layout.Generation(c.Config, generation);
        if (generation > 1)
        {
            var first = c.Layout.Generation(c.Config, 1);
            foreach (var which in new[] { Retrained.Baseline, Retrained.SecondBaseline })
            {
                var trained = new TrainRun(RetrainStage.FolderOf(first, which));
                if (trained.ReadResult() is not null && new TrainRun(RetrainStage.FolderOf(layout, which)).ReadResult() is null)
                    trained.CopyFinishedTo(RetrainStage.FolderOf(layout, which));
            }
        }
        new DnaRun(layout.Folder, config) { Jobs = c.Jobs }.Run(resume: true, c.Of(generation), c.Cancel, loaded: c.Data);
    }
}

/// <summary>
/// A later generation's teacher: the previous generation's searched architecture, deepened by the depth multiplier
/// in a deepened copy of the space, trained with the teacher's recipe and the run's seed.
/// </summary>
public sealed class ScaledTeacherStage(int generation) : IStage<ProgressiveContext>
{
    public string Name => $"Scaled teacher {generation}";

    public void Run(ProgressiveContext c)
    {
        var previous = c.Layout.Generation(c.Config, generation - 1);
        var space = previous.ReadSpace();
        var searched = Architecture.Parse(previous.ReadSearch().Best.Architecture, space);
        var deep = DepthScaling.Deepen(space, c.Config.DepthMultiplier);
        var teacher = DepthScaling.Deepen(searched, space, c.Config.DepthMultiplier);
        string spacePath = Path.GetFullPath(c.Layout.TeacherSpacePath(generation));
        Directory.CreateDirectory(Path.GetDirectoryName(spacePath)!);
        AtomicFile.WriteAllText(spacePath, SpaceFile.ToJson(deep));
        var dna = c.Config.Dna;
        var run = new TrainRun(c.Layout.ScaledTeacherFolder(generation));
        string stage = ProgressiveRun.StageOf(TeacherStage.StageName, generation);
        c.Progress.Report(new PipelineEvent(stage, $"scaled teacher {teacher}: generation {generation - 1}'s {searched}, {c.Config.DepthMultiplier:0.##}x deeper"));
        var result = run.ReadResult() ?? run.Run(new TrainRunConfig(spacePath, teacher.ToString(), dna.Data, TeacherStage.TeacherRecipe(dna), dna.Seed),
            c.Data, resume: true, new Reporter<TrainProgress>(p => c.Progress.Report(PipelineEvent.OfTraining(stage, p))), cancel: c.Cancel);
        c.Progress.Report(new PipelineEvent(stage, $"scaled teacher: validation accuracy {result.ValidationAccuracy:P2}, {result.Params:N0} params"));
    }
}
