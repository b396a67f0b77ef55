using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using DnaNas.Training.Jobs;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Trains every block's weight-sharing cell (one per width with width choices, <see cref="BlockCell"/>) on the cached
/// teacher features, in job processes when there are several.
/// </summary>
public sealed class BlockStage : IStage<DnaRunContext>
{
    public const string StageName = "Blocks";
    /// <summary>The job kind of one cell's training; a job's index is the cell's in <see cref="BlockCell.Of(SearchSpace)"/>.</summary>
    public const string JobKind = "block";
    public string Name => StageName;

    public void Run(DnaRunContext c)
    {
        var space = c.Space;
        var cells = BlockCell.Of(space);
        var pending = new List<int>();
        for (int i = 0; i < cells.Count; i++)
        {
            if (BlockTrainer.IsFinished(c.Layout.CellCheckpoint(cells[i]), c.Config.BlockRecipe)) c.Report(Name, $"{cells[i].Describe(space)} trained earlier");
            else pending.Add(i);
        }
        var fractions = new double[cells.Count];
        foreach (int i in Enumerable.Range(0, cells.Count).Except(pending)) fractions[i] = 1;
        void Report(JobProgress p)
        {
            fractions[p.Index] = p.Fraction;
            c.Report(Name, p.Message, fractions.Average(), p.Milestone);
        }

        if (c.Jobs is { Parallel: > 1 } jobs && pending.Count > 1)
        {
            c.Report(Name, $"training {pending.Count} {(space.SearchesWidths ? "cells (a block at one width each)" : "blocks")}, {Math.Min(jobs.Parallel, pending.Count)} jobs at a time");
            jobs.Run(JobKind, c.Layout.Folder, pending, Data.TorchRuntime.Threads, Report, c.Cancel);
            return;
        }
        using var features = TeacherFeatures.Load(c.Layout.FeaturesPath(FeatureStage.Train));
        foreach (int i in pending)
        {
            var state = Train(c.Layout, c.Config, space, i, features, Report, c.Cancel);
            c.Report(Name, $"{cells[i].Describe(space)}: distillation mse {state.History[^1].Loss:F4}");
        }
    }

    /// <summary>Trains one cell of a started run (resuming from its checkpoint): what a block job runs.</summary>
    public static BlockTrainingState TrainOne(JobRequest job, Action<JobProgress> progress, CancellationToken cancel)
    {
        var run = DnaRun.Open(job.RunFolder);
        DnaRun.RequireDone(run.Layout, "Features", "the teacher's features are not cached yet");
        var space = run.Layout.ReadSpace();
        int cells = BlockCell.Of(space).Count;
        if (job.Index < 0 || job.Index >= cells) throw new ArgumentOutOfRangeException(nameof(job), $"the space has cells 0-{cells - 1}");
        using var features = TeacherFeatures.Load(run.Layout.FeaturesPath(FeatureStage.Train));
        return Train(run.Layout, run.Config, space, job.Index, features, progress, cancel);
    }

    private static BlockTrainingState Train(DnaRunLayout layout, DnaConfig config, SearchSpace space, int index, TeacherFeatures features,
        Action<JobProgress> progress, CancellationToken cancel)
    {
        var cell = BlockCell.Of(space)[index];
        int block = cell.Block;
        string name = $"block {block + 1}/{space.Blocks.Count}" + (space.Blocks[block].Widths.Count > 0 ? $" at width {cell.Width}" : "");
        // Every cell seeds its own weights, so cells come out the same in any order or process (reference widths as before width search).
        random.manual_seed(config.Seed * 7919 + block + (cell.IsReference ? 0 : 104_729L * cell.Width));
        using var supernet = cell.Build(space);
        var trainer = new BlockTrainer(config.BlockRecipe, config.Seed, BlockObjectives.Resolve(config.Objective));
        return trainer.Train(supernet, features, layout.CellCheckpoint(cell),
            new Reporter<(int Block, int Epoch, int Step, int Steps, double Loss)>(p => progress(new JobProgress(index,
                ((p.Epoch - 1) + (double)p.Step / p.Steps) / config.BlockRecipe.Epochs,
                $"{name} epoch {p.Epoch}/{config.BlockRecipe.Epochs} mse {p.Loss:F4}",
                Milestone: p.Step == p.Steps))), cancel);
    }
}
