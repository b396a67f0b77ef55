using DnaNas.Modules;
using DnaNas.Data;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Rates every candidate of every block (at every width, with width choices) on the rating images, committing one
/// first-layer subtree at a time, so a resume loses at most one.
/// </summary>
public sealed class RatingStage : IStage<DnaRunContext>
{
    public const string StageName = "Rating";
    public string Name => StageName;

    public void Run(DnaRunContext c)
    {
        var space = c.Space;
        var objective = BlockObjectives.Resolve(c.Config.Objective);
        using var store = new RatingStore(c.Layout.RatingsPath);
        int calibrationSize = c.Config.CalibrationBatchSize;
        // Rating reads only the calibration rows of the training features (the first ones); the rest, 291 MB on the
        // quick preset, is released before the walk rather than held through every block.
        TeacherFeatures train;
        using (var all = TeacherFeatures.Load(c.Layout.FeaturesPath(FeatureStage.Train)))
            train = all.Head(c.Config.CalibrationBatches * calibrationSize);
        TorchRuntime.ReleaseFreedMemory();
        using var _ = train;
        using var rating = TeacherFeatures.Load(c.Layout.FeaturesPath(FeatureStage.Rating));
        var cells = BlockCell.Of(space);
        long total = cells.Sum(cell => (long)space.CandidateCount(cell.Block));
        long rated = Enumerable.Range(0, space.Blocks.Count).Sum(store.Count);
        foreach (var cell in cells)
        {
            int b = cell.Block;
            var done = store.CompletedFirstOps(space, b, cell.StoredWidth);
            if (done.Count == space.Ops.Count) continue;
            using var supernet = cell.Build(space);
            BlockTrainer.LoadWeights(c.Layout.CellCheckpoint(cell), supernet);
            using var scope = NewDisposeScope();
            int batches = Math.Max(1, Math.Min(c.Config.CalibrationBatches, train.Count / calibrationSize));
            var calibration = Enumerable.Range(0, batches)
                .Select(i => train.Input(b, arange(i * calibrationSize, Math.Min(train.Count, (i + 1) * calibrationSize), dtype: ScalarType.Int64)))
                .ToArray();
            var validationInputs = new List<Tensor>();
            var validationTargets = new List<Tensor>();
            for (int start = 0; start < rating.Count; start += 256)
            {
                var rows = arange(start, Math.Min(rating.Count, start + 256), dtype: ScalarType.Int64);
                validationInputs.Add(rating.Input(b, rows));
                validationTargets.Add(rating.Target(b, rows));
            }
            var rater = new BlockRater(supernet, new RatingData(calibration, validationInputs, validationTargets), objective);
            var cellSpace = cell.SpaceOf(space);
            int ofBlock = (int)space.CandidateCount(b) * space.Blocks[b].WidthChoices.Count;
            rater.RateAll(op => done.Contains(op), (op, ratings) =>
            {
                store.Add(cellSpace, op, ratings, cell.StoredWidth);
                rated += ratings.Count;
                c.Report(Name, $"block {b + 1}: {store.Count(b):N0}/{ofBlock:N0} candidates", (double)rated / total);
            }, c.Cancel);
        }
        store.SetMeta("metric", objective.Metric);
    }
}
