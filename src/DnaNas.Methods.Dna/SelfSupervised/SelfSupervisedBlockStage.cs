using DnaNas.Data;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// DNA++'s block stage, in place of DNA's Teacher, Features, Blocks and Rating: with no teacher, block b reads the
/// output of the blocks before it, so the blocks go one after another: train block b self-supervised on top of the
/// fixed earlier blocks, rate every candidate against its ensemble target, and fix its best candidate for the
/// blocks after it. A block is resumed from its epoch checkpoint and its committed rating subtrees; a collapsed
/// block stops the run before any of its ratings are stored.
/// </summary>
public sealed class SelfSupervisedBlockStage : IStage<DnaRunContext>
{
    public string Name => BlockStage.StageName;

    public void Run(DnaRunContext c)
    {
        var recipe = c.Config.SelfSupervision ?? throw new InvalidOperationException("a DNA++ stage in a run without self-supervision");
        var space = c.Space;
        var sample = c.Data.Train.Sample(c.Config.FeatureImages, c.Config.Seed);
        var (mean, std) = (c.Data.Mean, c.Data.Std);
        using var images = Normalised(sample, mean, std);
        using var ratingImages = Normalised(c.Data.Validation.Sample(c.Config.RatingImages, c.Config.Seed), mean, std);
        int calibrationCount = Math.Min((int)images.shape[0], c.Config.CalibrationBatches * c.Config.CalibrationBatchSize);
        using var store = new RatingStore(c.Layout.RatingsPath);
        var trainer = new SelfSupervisedTrainer(c.Config.BlockRecipe, recipe, c.Config.Seed);
        for (int b = 0; b < space.Blocks.Count; b++)
        {
            var done = store.CompletedFirstOps(space, b);
            if (done.Count == space.Ops.Count) { c.Report(Name, $"block {b + 1} trained and rated earlier"); continue; }
            using var front = FixedFront.Build(c.Layout, c.Config, b, store, images.narrow(0, 0, calibrationCount));
            // Every block seeds its own weights, as DNA's blocks do.
            random.manual_seed(c.Config.Seed * 7919 + b);
            using var cell = new SelfSupervisedCell(space, b, recipe);
            int block = b;
            var state = trainer.Train(cell, b, images, front, sample.MirrorKeepsLabels, c.Layout.BlockCheckpoint(b),
                new Reporter<(int Epoch, int Step, int Steps, double Loss, double Spread)>(p => c.Report(Name,
                    $"block {block + 1}/{space.Blocks.Count} epoch {p.Epoch}/{c.Config.BlockRecipe.Epochs} loss {p.Loss:F4} spread {p.Spread:F2}",
                    (block + ((p.Epoch - 1) + (double)p.Step / p.Steps) / c.Config.BlockRecipe.Epochs) / space.Blocks.Count, milestone: p.Step == p.Steps)), c.Cancel);
            c.Report(Name, $"block {b + 1}: self-supervised loss {state.History[^1].Loss:F4}");
            // The stage trains and rates every block in one process: the training's freed activations go back to
            // the OS before the walk keeps its prefixes' outputs (the next block's training trims as it starts).
            TorchRuntime.ReleaseFreedMemory();
            Rate(c, cell, b, front, images.narrow(0, 0, calibrationCount), ratingImages, store, done);
        }
        store.SetMeta("metric", EnsembleRating.Metric);
    }

    private void Rate(DnaRunContext c, SelfSupervisedCell cell, int block, FixedFront front, Tensor calibrationImages, Tensor ratingImages,
        RatingStore store, IReadOnlySet<int> done)
    {
        using var scope = NewDisposeScope();
        int size = c.Config.CalibrationBatchSize;
        var calibration = Batches(calibrationImages, size).Select(front.Forward).ToArray();
        var validation = Batches(ratingImages, 256).Select(front.Forward).ToArray();
        var score = EnsembleRating.ScorerFor(cell, block, c.Config.SelfSupervision!, calibration, validation, c.Config.Seed);
        var rater = new BlockRater(cell.Target, new RatingData(calibration, validation, []), score);
        var space = c.Space;
        rater.RateAll(done.Contains, (op, ratings) =>
        {
            store.Add(space, op, ratings);
            c.Report(Name, $"block {block + 1}: {store.Count(block):N0}/{space.CandidateCount(block):N0} candidates rated", milestone: false);
        }, c.Cancel);
        c.Report(Name, $"block {block + 1}: every candidate rated; best {store.Block(block).MinBy(r => r.ScaledMae)!.Candidate}");
    }

    private static IEnumerable<Tensor> Batches(Tensor images, int size)
    {
        for (long start = 0; start < images.shape[0]; start += size)
            yield return images.narrow(0, start, Math.Min(size, images.shape[0] - start));
    }

    /// <summary>A set as one normalised float tensor, in its order.</summary>
    private static Tensor Normalised(ImageSet set, float[] mean, float[] std)
    {
        var loader = new BatchLoader(set, 512, mean, std, shuffle: false, augment: null, seed: 0);
        using var scope = NewDisposeScope();
        return cat(loader.Epoch(0).Select(b => b.X).ToArray()).DetachFromDisposeScope();
    }
}
