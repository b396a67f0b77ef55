using System.Diagnostics;
using DnaNas.Data;
using DnaNas.Randomness;
using DnaNas.Training;
using DnaNas.Training.Jobs;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Methods.Dna;

/// <summary>
/// Trains one DNA++ block: each step takes two augmented views of a batch, passes them through the fixed blocks
/// before this one, samples <see cref="SelfSupervisedRecipe.Paths"/> paths, and makes each online path predict the
/// other view's ensemble target (BYOL's 2 - 2 cos, both ways round) while a hinge holds every projected feature's
/// spread across the batch up to 1. The target follows by momentum after each step. Each epoch ends with a collapse
/// check (the projections' spread over the epoch's second half) and an atomic checkpoint.
/// </summary>
public sealed class SelfSupervisedTrainer(BlockRecipe recipe, SelfSupervisedRecipe self, long seed)
{
    private static readonly Checkpoint<BlockTrainingState> Format = new("DNANAS-SSL-BLOCK-1", "self-supervised block");

    /// <param name="images">The training images, normalised, [N, C, H, W].</param>
    /// <param name="front">The blocks before this one, fixed.</param>
    /// <param name="mirror">Whether a left-right mirror keeps an image's class (never for digits).</param>
    public BlockTrainingState Train(SelfSupervisedCell cell, int block, Tensor images, FixedFront front, bool mirror, string checkpointPath,
        IProgress<(int Epoch, int Step, int Steps, double Loss, double Spread)>? progress = null, CancellationToken cancel = default)
    {
        using var lease = JobLease.Take(checkpointPath + ".lease", $"Block {block + 1} ({checkpointPath})", JobLease.DefaultWait);
        using var optimizer = optim.Adam(cell.OnlineParameters(), recipe.LearningRate, weight_decay: recipe.WeightDecay);
        var state = new BlockTrainingState(block, 0, []);
        if (File.Exists(checkpointPath)) state = Format.Load(checkpointPath, cell, optimizer);
        int count = (int)images.shape[0];
        int steps = count / recipe.BatchSize;
        if (steps == 0)
            throw new TrainingException($"block {block + 1}: {count} training images are fewer than one batch of {recipe.BatchSize}; use more images or a smaller batch");
        var space = cell.Online.Space;
        var views = new AugmentOptions(PadCrop: 3, HorizontalFlip: mirror);
        var history = state.History.ToList();
        var heap = new HeapGrowthLimit();
        for (int epoch = state.CompletedEpochs; epoch < recipe.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            Optimizers.SetLearningRate(optimizer, recipe.LearningRate * Math.Pow(recipe.DecayPerEpoch, epoch));
            long stream = (seed * 1_000_003 + block) * 1_000_003 + epoch;
            var paths = StableRandom.For(seed, stream);
            using var generator = new Generator((ulong)stream, CPU);
            using var order = randperm(count, generator: generator);
            double lossSum = 0, spread = double.NaN, lateSpread = 0;
            int lateSteps = 0;
            for (int step = 0; step < steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                if (step > 0) heap.BetweenSteps(); // the previous step's scope has closed: its reading is the working set
                using var scope = NewDisposeScope();
                var batch = images.index_select(0, order.narrow(0, step * recipe.BatchSize, recipe.BatchSize));
                var x1 = front.Forward(View(batch, views, generator));
                var x2 = front.Forward(View(batch, views, generator));
                var sampled = Enumerable.Range(0, self.Paths).Select(_ => cell.Online.PathOf(recipe.Sampling == CandidateSampling.DepthFirst
                    ? space.SampleCandidateDepthFirst(block, paths) : space.SampleCandidate(block, paths))).ToArray();
                cell.train();
                Tensor t1, t2;
                using (no_grad())
                {
                    t1 = Ensemble(sampled.Select(p => cell.TargetProjection(x1, p)));
                    t2 = Ensemble(sampled.Select(p => cell.TargetProjection(x2, p)));
                }
                optimizer.zero_grad();
                Tensor loss = zeros(1);
                double spreadSum = 0;
                foreach (var path in sampled)
                {
                    var (z1, q1) = cell.Predict(x1, path);
                    var (z2, q2) = cell.Predict(x2, path);
                    loss = loss + Agreement(q1, t2) + Agreement(q2, t1);
                    if (self.VarianceWeight > 0) loss = loss + self.VarianceWeight * (VarianceHinge(z1) + VarianceHinge(z2));
                    using (no_grad()) spreadSum += Spread(z1.detach()) + Spread(z2.detach());
                }
                loss = loss / sampled.Length;
                float value = loss.item<float>();
                NonFiniteLoss.ThrowIfNotFinite(value, epoch + 1, step + 1);
                loss.backward();
                optimizer.step();
                cell.UpdateTarget(self.Momentum);
                lossSum += value;
                spread = spreadSum / (2 * sampled.Length);
                if (2 * step >= steps) { lateSpread += spread; lateSteps++; }
                if (progress is not null && (step % 20 == 0 || step == steps - 1))
                    progress.Report((epoch + 1, step + 1, steps, lossSum / (step + 1), spread));
            }
            // Measured on the training batches in train mode, as the loss sees them: eval mode would judge the
            // supernet's running batch-norm averages, which mix every path and mean little after few steps.
            lateSpread /= Math.Max(1, lateSteps);
            if (lateSpread < self.CollapseSpread)
                throw new TrainingException(
                    $"block {block + 1} collapsed in epoch {epoch + 1}: the spread of its projections fell to {lateSpread:F3} over the epoch's second half (about 1 when images stay apart; the limit is {self.CollapseSpread}); " +
                    "no ratings are stored from it: keep the variance term and the predictor on, or lower the learning rate");
            history.Add(new BlockEpoch(epoch + 1, lossSum / steps, clock.Elapsed.TotalSeconds));
            state = state with { CompletedEpochs = epoch + 1, History = history.ToArray() };
            Format.Save(checkpointPath, state, cell, optimizer);
        }
        return state;
    }

    /// <summary>Loads a trained block (for rating, or as part of a later block's fixed front).</summary>
    public static BlockTrainingState LoadWeights(string path, SelfSupervisedCell cell) => Format.Load(path, cell, optimizer: null);

    public static bool IsFinished(string checkpointPath, BlockRecipe recipe) =>
        File.Exists(checkpointPath) && Format.ReadState(checkpointPath).CompletedEpochs >= recipe.Epochs;

    /// <summary>The mean of L2-normalised projections, the ensemble target.</summary>
    internal static Tensor Ensemble(IEnumerable<Tensor> normalised) => stack(normalised.ToArray()).mean([0]);

    /// <summary>BYOL's loss: 2 - 2 cos between a prediction and a target, averaged over the batch.</summary>
    private static Tensor Agreement(Tensor prediction, Tensor target) =>
        HeldScalars.Minus(HeldScalars.Two, HeldScalars.Two * nn.functional.cosine_similarity(prediction, target, dim: 1)).mean();

    /// <summary>How far each feature's spread across the batch, of projections normalised to length sqrt(width), falls short of 1 (VICReg's hinge).</summary>
    private static Tensor VarianceHinge(Tensor z) => nn.functional.relu(HeldScalars.Minus(HeldScalars.One, Scaled(z).std(0))).mean();

    /// <summary>The spread <see cref="SelfSupervisedRecipe.CollapseSpread"/> is checked against.</summary>
    internal static double Spread(Tensor z) => Scaled(z).std(0).mean().item<float>();

    private static Tensor Scaled(Tensor z)
    {
        using var length = Math.Sqrt(z.shape[1]).ToScalar();
        return nn.functional.normalize(z, dim: 1) * length;
    }

    /// <summary>An augmented view: a random crop after padding with the mean, a mirror where it keeps the class, and a random contrast and brightness per image.</summary>
    private static Tensor View(Tensor batch, AugmentOptions options, Generator generator)
    {
        long n = batch.shape[0];
        var view = BatchAugmentation.Apply(batch, options, generator);
        var contrast = rand([n, 1, 1, 1], generator: generator) * 0.4 + 0.8;
        var brightness = rand([n, 1, 1, 1], generator: generator) * 0.4 - 0.2;
        return view * contrast + brightness;
    }
}

/// <summary>
/// The blocks before the one a DNA++ stage trains, fixed: each block's momentum cell along its best-rated candidate,
/// with batch norm recalibrated for that path on the calibration images (BossNAS fixes earlier blocks the same way).
/// </summary>
public sealed class FixedFront : IDisposable
{
    private readonly List<(SelfSupervisedCell Cell, int[] Path)> _blocks = [];

    public static FixedFront Build(DnaRunLayout layout, DnaConfig config, int block, RatingStore store, Tensor calibration)
    {
        var front = new FixedFront();
        var space = layout.ReadSpace();
        using var _ = no_grad();
        var x = calibration.alias();
        for (int b = 0; b < block; b++)
        {
            var cell = new SelfSupervisedCell(space, b, config.SelfSupervision!);
            SelfSupervisedTrainer.LoadWeights(layout.BlockCheckpoint(b), cell);
            var best = store.Block(b).MinBy(r => r.ScaledMae) ?? throw new TrainingException($"block {b + 1} has no ratings yet; resume the run");
            var path = cell.Target.PathOf(new Space.Candidate(best.Candidate.Split('|').Select(token =>
                Space.Op.TryParse(token, out var reason) ?? throw new TrainingException($"{store.Path}: candidate {best.Candidate}: {reason}"))));
            BatchNormCalibration.Reset(cell.Target);
            cell.Target.train();
            using (var scope = NewDisposeScope()) cell.Target.call(x, path);
            cell.Target.eval();
            var next = cell.Target.call(x, path);
            x.Dispose();
            x = next;
            front._blocks.Add((cell, path));
        }
        x.Dispose();
        return front;
    }

    /// <summary>Block inputs of <paramref name="images"/> (the images themselves for block 0), without gradients.</summary>
    public Tensor Forward(Tensor images)
    {
        using var _ = no_grad();
        var x = images.alias();
        foreach (var (cell, path) in _blocks)
        {
            var next = cell.Target.call(x, path);
            x.Dispose();
            x = next;
        }
        return x;
    }

    public void Dispose()
    {
        foreach (var (cell, _) in _blocks) cell.Dispose();
    }
}
