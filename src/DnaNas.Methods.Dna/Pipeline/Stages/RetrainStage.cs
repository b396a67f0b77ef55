using DnaNas.Data;
using DnaNas.Training;
using DnaNas.Training.Jobs;

namespace DnaNas.Methods.Dna;

/// <summary>
/// The networks a run retrains with the same recipe and seed: the searched one, the hand-designed baseline, and when
/// asked for, a second hand design (<see cref="MobileNetBaseline"/>).
/// </summary>
public enum Retrained { Searched = 0, Baseline = 1, SecondBaseline = 2 }

/// <summary>
/// Retrains the searched network, and with parallel jobs the baseline beside it (same recipe and seed, so the
/// comparison stays fair); run one after another, the baseline waits for <see cref="BaselineStage"/>.
/// </summary>
public sealed class RetrainStage : IStage<DnaRunContext>
{
    public const string StageName = "Retrain";
    /// <summary>The job kind of one retraining (index 0: searched, 1: baseline).</summary>
    public const string JobKind = "retrain";
    public string Name => StageName;

    public void Run(DnaRunContext c)
    {
        var pending = Networks(c.Config, c.Space).Where(w => new TrainRun(FolderOf(c.Layout, w)).ReadResult() is null).Select(w => (int)w).ToList();
        if (c.Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
        {
            c.Report(Name, $"training side by side: {string.Join(", ", pending.Select(i => Role((Retrained)i)))}");
            var fractions = pending.ToDictionary(i => i, _ => 0.0);
            jobs.Run(JobKind, c.Layout.Folder, pending, TorchRuntime.Threads, p =>
            {
                fractions[p.Index] = p.Fraction;
                c.Report(Name, p.Message, fractions.Values.Average(), p.Milestone);
            }, c.Cancel);
        }
        Report(c, Name, Train(c.Layout, c.Config, Retrained.Searched, c.Data, c.Relay(Name), c.Cancel));
    }

    /// <summary>What the run retrains: the searched network and the baseline, and the second baseline when it has one.</summary>
    public static IReadOnlyList<Retrained> Networks(DnaConfig config, Space.SearchSpace space) =>
        MobileNetBaseline.For(space, config) is null ? [Retrained.Searched, Retrained.Baseline] : [Retrained.Searched, Retrained.Baseline, Retrained.SecondBaseline];

    public static string Role(Retrained which) => which switch
    {
        Retrained.Searched => "searched",
        Retrained.Baseline => "baseline",
        _ => "second baseline",
    };

    internal static void Report(DnaRunContext c, string stage, TrainRunResult result) =>
        c.Report(stage, $"{result.Architecture}: test accuracy {result.TestAccuracy:P2}, {result.Params:N0} params");

    public static string FolderOf(DnaRunLayout layout, Retrained which) => which switch
    {
        Retrained.Searched => layout.RetrainFolder,
        Retrained.Baseline => layout.BaselineFolder,
        _ => layout.SecondBaselineFolder,
    };

    /// <summary>Trains (or resumes) one of the two networks of a started run: what a retrain job runs.</summary>
    public static TrainRunResult TrainOne(JobRequest job, Action<JobProgress> progress, CancellationToken cancel)
    {
        if (job.Index is not (0 or 1 or 2)) throw new ArgumentOutOfRangeException(nameof(job), "0 is the searched network, 1 the baseline, 2 the second baseline");
        var which = (Retrained)job.Index;
        var run = DnaRun.Open(job.RunFolder);
        DnaRun.RequireDone(run.Layout, "Search", "nothing is searched yet");
        var data = Datasets.Load(run.Config.Data);
        return Train(run.Layout, run.Config, which, data, new Reporter<TrainProgress>(p => progress(new JobProgress(job.Index, ((p.Epoch - 1) + (double)p.Step / p.Steps) / p.Epochs,
            $"{Role(which)} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1}" + (p.Finished?.ValidationSuffix() ?? ""),
            p.Finished is not null))), cancel);
    }

    internal static TrainRunResult Train(DnaRunLayout layout, DnaConfig config, Retrained which, DatasetSplits data, IProgress<TrainProgress> progress, CancellationToken cancel)
    {
        var run = new TrainRun(FolderOf(layout, which));
        if (run.ReadResult() is { } finished) return finished;
        var space = TrainRun.SpaceFor(config.SpaceName, data);
        string architecture = which switch
        {
            Retrained.Searched => layout.ReadSearch().Best.Architecture,
            Retrained.Baseline => UniformBaseline.For(space, config).ToString(),
            _ => (MobileNetBaseline.For(space, config) ?? throw new TrainingException("this run has no second baseline")).ToString(),
        };
        var trainConfig = new TrainRunConfig(config.SpaceName, architecture, config.Data, config.RetrainRecipe, config.Seed);
        // Searched network and baseline get the same teacher when soft targets are on, so the comparison stays fair.
        var teacher = config.RetrainRecipe.DistillationWeight > 0 ? new TrainRun(layout.TeacherFolder).LoadModel(data).Model : null;
        using var _ = teacher;
        return run.Run(trainConfig, data, resume: true, progress, cancel: cancel, teacher: teacher);
    }
}

/// <summary>
/// The baselines' retraining, when they did not run beside the searched network (one job at a time, or the teacher is
/// the baseline): the uniform one, then the second one when the run has it.
/// </summary>
public sealed class BaselineStage : IStage<DnaRunContext>
{
    public string Name => "Baseline";

    public void Run(DnaRunContext c)
    {
        foreach (var which in RetrainStage.Networks(c.Config, c.Space).Where(w => w != Retrained.Searched))
            RetrainStage.Report(c, Name, RetrainStage.Train(c.Layout, c.Config, which, c.Data, c.Relay(Name), c.Cancel));
    }
}
