using System.Diagnostics;
using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Training;
using TorchSharp;
using static TorchSharp.torch;
using DnaNas.Randomness;

namespace DnaNas.Methods.OneShot;

/// <summary>
/// Weight-sharing supernet training: every step is the given <see cref="ISupernetStep"/> (SPOS: one drawn path,
/// label-smoothed cross-entropy), under the recipe's optimizer and warm-up + cosine schedule.
/// Gradients are cleared to none each step, so ops off the path keep their momentum and decay untouched. The
/// paths of epoch e depend only on (seed, e), and each epoch ends in an atomic checkpoint, so a resumed run
/// repeats the uninterrupted one.
/// </summary>
public sealed class SupernetTrainer(TrainRecipe recipe, long seed)
{
    private static readonly Checkpoint<TrainingState> Format = new("DNANAS-SUPERNET-1", "supernet");

    public TrainingState Train(SinglePathSupernet supernet, DatasetSplits data, ISupernetStep step, string fingerprint,
        string? checkpointPath = null, IProgress<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        using var optimizer = Optimizers.Create(supernet, recipe);
        var state = new TrainingState(fingerprint, 0, []);
        if (checkpointPath is not null && File.Exists(checkpointPath))
        {
            if (Format.ReadState(checkpointPath).Fingerprint != fingerprint)
                throw new TrainingException($"supernet checkpoint {checkpointPath} belongs to another configuration; use another folder or delete it");
            state = Format.Load(checkpointPath, supernet, optimizer);
        }
        var loader = new BatchLoader(data.Train, recipe.BatchSize, data.Mean, data.Std, shuffle: true, recipe.Augment, seed, dropLast: true);
        long stepsPerEpoch = loader.BatchCount;
        var schedule = new LearningRateSchedule(recipe.LearningRate, (long)Math.Round(recipe.WarmupEpochs * stepsPerEpoch), recipe.Epochs * stepsPerEpoch);
        var history = state.History.ToList();
        var runClock = Stopwatch.StartNew();
        for (int epoch = state.CompletedEpochs; epoch < recipe.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            random.manual_seed(seed * 1_000_003 + epoch);
            var paths = PathStream(seed, epoch);
            var totals = TrainingEpoch.Run(supernet, loader, optimizer, schedule, epoch, (x, y) => step.Step(supernet, x, y, paths), t =>
            {
                if (progress is null || (t.Steps % 10 != 0 && t.Steps != stepsPerEpoch)) return;
                long remaining = (recipe.Epochs - epoch) * stepsPerEpoch * recipe.BatchSize - t.Seen;
                progress.Report(new TrainProgress(epoch + 1, recipe.Epochs, t.Steps, (int)stepsPerEpoch, t.Loss, t.Accuracy, t.ImagesPerSecond,
                    runClock.Elapsed, TimeSpan.FromSeconds(remaining / Math.Max(1, t.ImagesPerSecond)), null));
            }, cancel);
            TorchRuntime.ReleaseFreedMemory();
            // A supernet has no single validation accuracy: paths are rated separately, after recalibration.
            var record = new EpochRecord(epoch + 1, totals.Loss, totals.Accuracy, double.NaN, double.NaN, totals.LearningRate,
                totals.Elapsed.TotalSeconds, totals.ImagesPerSecond, TorchRuntime.ResidentBytes(), Tensor.TotalCount, PeakMemory.OfThisProcess());
            history.Add(record);
            state = state with { CompletedEpochs = epoch + 1, History = history.ToArray() };
            if (checkpointPath is not null) Format.Save(checkpointPath, state, supernet, optimizer);
            progress?.Report(new TrainProgress(epoch + 1, recipe.Epochs, (int)stepsPerEpoch, (int)stepsPerEpoch, record.TrainLoss,
                record.TrainAccuracy, record.ImagesPerSecond, runClock.Elapsed, TimeSpan.Zero, record));
        }
        return state;
    }

    /// <summary>The generator of epoch <paramref name="epoch"/>'s paths: depends only on (seed, epoch).</summary>
    public static StableRandom PathStream(long seed, int epoch) => StableRandom.For(seed, 0x53504F53L << 16 | (uint)epoch); // "SPOS", epoch

    public static bool IsFinished(string checkpointPath, TrainRecipe recipe) =>
        File.Exists(checkpointPath) && Format.ReadState(checkpointPath).CompletedEpochs >= recipe.Epochs;

    /// <summary>Loads a trained supernet's weights (for rating and search).</summary>
    public static TrainingState LoadWeights(string path, SinglePathSupernet supernet) => Format.Load(path, supernet, optimizer: null);
}
