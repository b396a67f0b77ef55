using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>Trains every block's weight-sharing cell on the cached teacher features, in job processes when there are several.</summary>
public sealed class BlockStage : IStage<DnaRunContext>
{
    public const string StageName = "Blocks";
    /// <summary>The job kind of one block's training.</summary>
    public const string JobKind = "block";
    public string Name => StageName;

    public void Run(DnaRunContext c)
    {
        var space = c.Space;
        var pending = new List<int>();
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            if (BlockTrainer.IsFinished(c.Layout.BlockCheckpoint(b), c.Config.BlockRecipe)) c.Report(Name, $"block {b + 1} trained earlier");
            else pending.Add(b);
        }
        var fractions = new double[space.Blocks.Count];
        foreach (int b in Enumerable.Range(0, space.Blocks.Count).Except(pending)) fractions[b] = 1;
        void Report(JobProgress p)
        {
            fractions[p.Index] = p.Fraction;
            c.Report(Name, p.Message, fractions.Average(), p.Milestone);
        }

        if (c.Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
        {
            c.Report(Name, $"training {pending.Count} blocks, {Math.Min(jobs.Parallel, pending.Count)} jobs at a time");
            jobs.Run(JobKind, c.Layout.Folder, pending, Data.TorchRuntime.Threads, Report, c.Cancel);
            return;
        }
        using var features = TeacherFeatures.Load(c.Layout.FeaturesPath(FeatureStage.Train));
        foreach (int b in pending)
        {
            var state = Train(c.Layout, c.Config, space, b, features, Report, c.Cancel);
            c.Report(Name, $"block {b + 1}: distillation mse {state.History[^1].Loss:F4}");
        }
    }

    /// <summary>Trains one block's cell of a started run (resuming from its checkpoint): what a block job runs.</summary>
    public static BlockTrainingState TrainOne(JobRequest job, Action<JobProgress> progress, CancellationToken cancel)
    {
        var run = DnaRun.Open(job.RunFolder);
        DnaRun.RequireDone(run.Layout, "Features", "the teacher's features are not cached yet");
        var space = run.Layout.ReadSpace();
        if (job.Index < 0 || job.Index >= space.Blocks.Count) throw new ArgumentOutOfRangeException(nameof(job), $"the space has blocks 0-{space.Blocks.Count - 1}");
        using var features = TeacherFeatures.Load(run.Layout.FeaturesPath(FeatureStage.Train));
        return Train(run.Layout, run.Config, space, job.Index, features, progress, cancel);
    }

    private static BlockTrainingState Train(DnaRunLayout layout, DnaConfig config, SearchSpace space, int block, TeacherFeatures features,
        Action<JobProgress> progress, CancellationToken cancel)
    {
        // Every block seeds its own weights, so blocks come out the same in any order or process.
        random.manual_seed(config.Seed * 7919 + block);
        using var cell = new BlockSupernet(space, block);
        var trainer = new BlockTrainer(config.BlockRecipe, config.Seed, BlockObjectives.Resolve(config.Objective));
        return trainer.Train(cell, features, layout.BlockCheckpoint(block),
            new Reporter<(int Block, int Epoch, int Step, int Steps, double Loss)>(p => progress(new JobProgress(p.Block,
                ((p.Epoch - 1) + (double)p.Step / p.Steps) / config.BlockRecipe.Epochs,
                $"block {p.Block + 1}/{space.Blocks.Count} epoch {p.Epoch}/{config.BlockRecipe.Epochs} mse {p.Loss:F4}",
                Milestone: p.Step == p.Steps))), cancel);
    }
}
