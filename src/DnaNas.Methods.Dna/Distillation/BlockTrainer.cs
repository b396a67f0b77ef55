using DnaNas.Data;
using System.Text.Json.Serialization;
using DnaNas.Training.Jobs;
using System.Diagnostics;
using DnaNas.Modules;
using DnaNas.Training;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using DnaNas.Randomness;

namespace DnaNas.Methods.Dna;

/// <summary>How each block's weight-sharing cell is trained (DNA's official defaults: Adam, lr 0.002, x0.9 per epoch).</summary>
public sealed record BlockRecipe
{
    public int Epochs { get; init; } = 4;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 0.002;
    public double WeightDecay { get; init; } = 1e-4;
    public double DecayPerEpoch { get; init; } = 0.9;

    /// <summary>
    /// How each step's candidate is drawn: uniformly over the block's candidates (DNA's rule, the default), or depth
    /// first. Left out of the JSON when uniform, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public CandidateSampling Sampling { get; init; }
}

/// <summary>Which candidate a block-training step trains.</summary>
public enum CandidateSampling
{
    /// <summary>Uniform over all candidates: a deep block's shallow exits get few steps (6 of 258 for 3 layers).</summary>
    Uniform,
    /// <summary>Depth uniform first, then ops: every depth an equal share of the steps.</summary>
    DepthFirst,
}

public sealed record BlockEpoch(int Epoch, double Loss, double Seconds);
public sealed record BlockTrainingState(int Block, int CompletedEpochs, IReadOnlyList<BlockEpoch> History);

/// <summary>
/// Trains one block's cell to reproduce the teacher's block output from the teacher's previous block output
/// (by the objective's loss: MSE for distillation), one uniformly sampled candidate per step (DNA, Sec. 3.2). Unsampled ops get no gradient: gradients are
/// cleared to none each step so Adam leaves them alone. Each epoch ends with an atomic checkpoint; a block whose
/// checkpoint shows all epochs is never retrained.
/// </summary>
public sealed class BlockTrainer(BlockRecipe recipe, long seed, IBlockObjective objective)
{
    private static readonly Checkpoint<BlockTrainingState> Format = new("DNANAS-BLOCK-1", "block");

    public BlockTrainingState Train(BlockSupernet cell, TeacherFeatures features, string checkpointPath,
        IProgress<(int Block, int Epoch, int Step, int Steps, double Loss)>? progress = null, CancellationToken cancel = default)
    {
        int block = cell.BlockIndex;
        // Before the checkpoint is read: a resumed run never trains a block an old job process still trains.
        using var lease = JobLease.Take(checkpointPath + ".lease", $"Block {block + 1} ({checkpointPath})", JobLease.DefaultWait);
        using var optimizer = optim.Adam(cell.parameters(), recipe.LearningRate, weight_decay: recipe.WeightDecay);
        var state = new BlockTrainingState(block, 0, []);
        if (File.Exists(checkpointPath)) state = Format.Load(checkpointPath, cell, optimizer);

        var space = cell.Space;
        int steps = features.Count / recipe.BatchSize;
        if (steps == 0)
            throw new TrainingException($"block {block + 1}: {features.Count} feature images are fewer than one batch of {recipe.BatchSize}; use more images or a smaller batch");
        var history = state.History.ToList();
        var heap = new HeapGrowthLimit();
        for (int epoch = state.CompletedEpochs; epoch < recipe.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lr = recipe.LearningRate * Math.Pow(recipe.DecayPerEpoch, epoch);
            Optimizers.SetLearningRate(optimizer, lr);
            // Order and paths of epoch e depend only on (seed, block, e): a resumed block repeats them.
            long stream = (seed * 1_000_003 + block) * 1_000_003 + epoch;
            var paths = StableRandom.For(seed, stream);
            using var generator = new Generator((ulong)stream, CPU);
            using var order = randperm(features.Count, generator: generator);
            cell.train();
            double lossSum = 0;
            for (int step = 0; step < steps; step++)
            {
                cancel.ThrowIfCancellationRequested();
                if (step > 0) heap.BetweenSteps(); // the previous step's scope has closed: its reading is the working set
                using var scope = NewDisposeScope();
                var rows = order.narrow(0, step * recipe.BatchSize, recipe.BatchSize);
                var candidate = recipe.Sampling == CandidateSampling.DepthFirst
                    ? space.SampleCandidateDepthFirst(block, paths)
                    : space.SampleCandidate(block, paths);
                var path = cell.PathOf(candidate);
                cell.zero_grad();
                var loss = objective.Loss(cell.call(features.Input(block, rows), path), features.Target(block, rows));
                float value = loss.item<float>();
                NonFiniteLoss.ThrowIfNotFinite(value, epoch + 1, step + 1);
                loss.backward();
                optimizer.step();
                lossSum += value;
                if (progress is not null && (step % 20 == 0 || step == steps - 1))
                    progress.Report((block, epoch + 1, step + 1, steps, lossSum / (step + 1)));
            }
            history.Add(new BlockEpoch(epoch + 1, lossSum / Math.Max(1, steps), clock.Elapsed.TotalSeconds));
            state = state with { CompletedEpochs = epoch + 1, History = history.ToArray() };
            Format.Save(checkpointPath, state, cell, optimizer);
        }
        return state;
    }

    public static bool IsFinished(string checkpointPath, BlockRecipe recipe) =>
        File.Exists(checkpointPath) && Format.ReadState(checkpointPath).CompletedEpochs >= recipe.Epochs;

    /// <summary>Loads trained weights into a cell (for rating).</summary>
    public static BlockTrainingState LoadWeights(string path, BlockSupernet cell) => Format.Load(path, cell, optimizer: null);
}
