using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>How well one candidate reproduces its block's targets on held-out images (lower is better); see <see cref="BlockScore"/>.</summary>
public readonly record struct CandidateRating(int Block, Candidate Candidate, double Mse, double RelativeMse, double ScaledMae);

/// <summary>Block inputs and teacher targets for rating: calibration batches (inputs only) and validation batches.</summary>
public sealed record RatingData(IReadOnlyList<Tensor> Calibration, IReadOnlyList<Tensor> ValidationInputs, IReadOnlyList<Tensor> ValidationTargets);

/// <summary>
/// Rates every candidate of a block after batch-norm recalibration for that candidate. A layer's recalibrated
/// statistics and its outputs depend only on the ops before it, so a depth-first walk keeps each prefix's
/// outputs and extends them by one layer: a block costs sum over depths d of |ops|^d layer passes instead of
/// candidates x depth. Calibration outputs are kept as the train-mode forward produces them (batch statistics),
/// validation outputs as the eval-mode forward does, so the walk gives the same numbers as rating each
/// candidate from scratch (<see cref="RateNaively"/>).
/// </summary>
public sealed class BlockRater(BlockSupernet supernet, RatingData data, Func<IReadOnlyList<Tensor>, BlockScore> score)
{
    /// <summary>Scores candidates by the objective against the rating data's targets.</summary>
    public BlockRater(BlockSupernet supernet, RatingData data, IBlockObjective objective) : this(supernet, data, objective.ScorerFor(data.ValidationTargets)) { }

    private readonly Func<IReadOnlyList<Tensor>, BlockScore> _score = score;

    /// <summary>
    /// Walks the candidates depth-first; <paramref name="skipFirstOp"/> says which first-layer subtrees are
    /// already rated (after a resume), and <paramref name="subtreeDone"/> receives each finished subtree.
    /// </summary>
    public void RateAll(Func<int, bool> skipFirstOp, Action<int, IReadOnlyList<CandidateRating>> subtreeDone, CancellationToken cancel = default)
    {
        using var _ = no_grad();
        var space = supernet.Space;
        var spec = space.Blocks[supernet.BlockIndex];
        var (calibration, validation) = ThroughStem();
        var heap = new HeapGrowthLimit();
        try
        {
            var path = new int[spec.Layers];
            for (int op = 0; op < space.Ops.Count; op++)
            {
                if (skipFirstOp(op)) continue;
                cancel.ThrowIfCancellationRequested();
                var ratings = new List<CandidateRating>();
                Extend(0, op, calibration, validation, path, ratings, heap, cancel);
                subtreeDone(op, ratings);
            }
        }
        finally
        {
            DisposeAll(calibration);
            DisposeAll(validation);
        }
    }

    private void Extend(int layer, int op, Tensor[] calibration, Tensor[] validation, int[] path,
        List<CandidateRating> ratings, HeapGrowthLimit heap, CancellationToken cancel)
    {
        var space = supernet.Space;
        var spec = space.Blocks[supernet.BlockIndex];
        var module = supernet.Op(layer, op);
        path[layer] = op;
        var (nextCalibration, nextValidation) = Recalibrate(module, calibration, validation);
        try
        {
            if (layer + 1 >= spec.MinLayers)
            {
                for (int l = layer + 1; l < path.Length; l++) path[l] = -1;
                ratings.Add(Score(path, nextValidation));
                // Between candidates only the prefixes' outputs are live; the candidates' many differently sized
                // activations otherwise fragment the heap, as training steps do (HeapGrowthLimit).
                heap.BetweenSteps();
            }
            if (layer + 1 < spec.Layers)
                for (int next = 0; next < space.Ops.Count; next++)
                {
                    cancel.ThrowIfCancellationRequested();
                    Extend(layer + 1, next, nextCalibration, nextValidation, path, ratings, heap, cancel);
                }
        }
        finally
        {
            DisposeAll(nextCalibration);
            DisposeAll(nextValidation);
            path[layer] = -1;
        }
    }

    /// <summary>Block 0 starts with the stem, whose statistics are the same for every candidate: calibrate it once.</summary>
    private (Tensor[] Calibration, Tensor[] Validation) ThroughStem()
    {
        if (supernet.StemModule is { } stem) return Recalibrate(stem, data.Calibration, data.ValidationInputs);
        return (data.Calibration.Select(t => t.alias().DetachFromDisposeScope()).ToArray(),
                data.ValidationInputs.Select(t => t.alias().DetachFromDisposeScope()).ToArray());
    }

    /// <summary>Resets a module's batch norms to a cumulative average, forwards calibration batches in train mode, then validation in eval mode.</summary>
    private static (Tensor[] Calibration, Tensor[] Validation) Recalibrate(nn.Module<Tensor, Tensor> module,
        IReadOnlyList<Tensor> calibration, IReadOnlyList<Tensor> validation)
    {
        BatchNormCalibration.Reset(module);
        module.train();
        var c = calibration.Select(x => { using var s = NewDisposeScope(); return module.call(x).DetachFromDisposeScope(); }).ToArray();
        module.eval();
        var v = validation.Select(x => { using var s = NewDisposeScope(); return module.call(x).DetachFromDisposeScope(); }).ToArray();
        return (c, v);
    }

    /// <param name="projected">Whether <paramref name="outputs"/> went through the cell's projection already (a whole forward does that).</param>
    private CandidateRating Score(int[] path, IReadOnlyList<Tensor> outputs, bool projected = false)
    {
        var space = supernet.Space;
        var candidate = new Candidate(path.Select(p => p < 0 ? Space.Op.Skip : space.Ops[p]));
        if (supernet.Projects && !projected)
        {
            // The walk keeps the path's own outputs for its extensions; the projection reads copies of them.
            var throughProjection = outputs.Select(o => { using var s = NewDisposeScope(); return supernet.Project(o.alias()).DetachFromDisposeScope(); }).ToArray();
            try { return Rated(_score(throughProjection)); }
            finally { DisposeAll(throughProjection); }
        }
        return Rated(_score(outputs));

        CandidateRating Rated(BlockScore score) => new(supernet.BlockIndex, candidate, score.Mse, score.RelativeMse, score.ScaledMae);
    }

    /// <summary>
    /// The reference the walk must equal: every candidate from scratch (recalibrate the whole path, evaluate).
    /// Slow by design; used by tests and by <c>dna bench rating</c>.
    /// </summary>
    public IReadOnlyList<CandidateRating> RateNaively(IEnumerable<Candidate> candidates)
    {
        using var _ = no_grad();
        var result = new List<CandidateRating>();
        foreach (var candidate in candidates)
        {
            var path = supernet.PathOf(candidate);
            BatchNormCalibration.Reset(supernet);
            supernet.train();
            foreach (var x in data.Calibration) { using var s = NewDisposeScope(); supernet.call(x, path); }
            supernet.eval();
            var outputs = data.ValidationInputs.Select(x => { using var s = NewDisposeScope(); return supernet.call(x, path).DetachFromDisposeScope(); }).ToArray();
            result.Add(Score(path, outputs, projected: true));
            DisposeAll(outputs);
        }
        return result;
    }

    private static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
