using DnaNas.Data;
using DnaNas.Randomness;
using DnaNas.Training;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// How DNA++ rates a block's candidates: the ensemble target on the rating images is the mean of the momentum
/// cell's L2-normalised projections over <see cref="SelfSupervisedRecipe.RatingPaths"/> sampled paths (each with
/// batch norm recalibrated for it), and a candidate's score is its own normalised projection's distance to it,
/// 2 - 2 cos, averaged over the images (lower is better). A cell whose ensemble paths have lost their spread is
/// refused: no ranking from a collapsed cell. The ensemble targets belong to the caller's dispose scope: they live
/// as long as the rating that uses them, and no longer.
/// </summary>
public static class EnsembleRating
{
    public const string Metric = "ensemble_distance";

    public static Func<IReadOnlyList<Tensor>, BlockScore> ScorerFor(SelfSupervisedCell cell, int block, SelfSupervisedRecipe recipe,
        IReadOnlyList<Tensor> calibration, IReadOnlyList<Tensor> validation, long seed)
    {
        using var _ = no_grad();
        var space = cell.Target.Space;
        var rng = StableRandom.For(seed, 7_777 + block);
        var perPath = new List<Tensor[]>();
        double spread = 0;
        // The projector's batch norm averages over every ensemble path's calibration outputs, and then serves every
        // candidate alike; each path's own layers are recalibrated for it, as the walk recalibrates each candidate's.
        BatchNormCalibration.Reset(cell.TargetProjector);
        for (int p = 0; p < recipe.RatingPaths; p++)
        {
            var path = cell.Target.PathOf(space.SampleCandidate(block, rng));
            BatchNormCalibration.Reset(cell.Target);
            cell.train();
            foreach (var x in calibration) { using var s = NewDisposeScope(); cell.TargetProjection(x, path); }
            cell.eval();
            var projections = validation.Select(x => { using var s = NewDisposeScope(); return cell.TargetProjection(x, path).DetachFromDisposeScope(); }).ToArray();
            spread += SelfSupervisedTrainer.Spread(cat(projections));
            perPath.Add(projections);
        }
        spread /= recipe.RatingPaths;
        if (spread < recipe.CollapseSpread)
            throw new TrainingException($"block {block + 1}: the momentum cell's projections have collapsed (spread {spread:F3} on the rating images, limit {recipe.CollapseSpread}); no ratings are stored from it");
        var targets = Enumerable.Range(0, validation.Count)
            .Select(i => SelfSupervisedTrainer.Ensemble(perPath.Select(p => p[i]))).ToArray();
        foreach (var p in perPath) foreach (var t in p) t.Dispose();
        return outputs =>
        {
            using var s = NewDisposeScope();
            double sum = 0;
            long count = 0;
            for (int i = 0; i < outputs.Count; i++)
            {
                var u = nn.functional.normalize(cell.TargetProjector.call(outputs[i]), dim: 1);
                sum += HeldScalars.Minus(HeldScalars.Two, HeldScalars.Two * nn.functional.cosine_similarity(u, targets[i], dim: 1)).sum().to_type(ScalarType.Float64).item<double>();
                count += u.shape[0];
            }
            double distance = sum / count;
            // One distance, in every score column: there is no teacher output to take an MSE against.
            return new BlockScore(distance, distance, distance);
        };
    }
}
