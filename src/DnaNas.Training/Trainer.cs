using System.Diagnostics;
using DnaNas.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>Where a step or epoch stands, for progress displays.</summary>
public readonly record struct TrainProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy,
    double ImagesPerSecond, TimeSpan Elapsed, TimeSpan Remaining, EpochRecord? Finished);

/// <summary>
/// Trains one network stand-alone: cross-entropy with label smoothing, warm-up + cosine learning rate per step,
/// a validation pass (unless the recipe trains on the validation images) and an atomic checkpoint after every epoch. Every random draw of epoch e depends only on
/// (seed, e), so a run resumed from the checkpoint of epoch e-1 repeats the uninterrupted run.
/// </summary>
public sealed class Trainer(TrainRecipe recipe, long seed)
{
    public TrainRecipe Recipe { get; } = recipe;

    /// <param name="fingerprint">Identifies what is trained; a checkpoint with another fingerprint is not resumed.</param>
    /// <param name="checkpointPath">Null: no checkpoints.</param>
    /// <param name="stopAfterEpoch">Ends the call after that many completed epochs (for staged work and tests).</param>
    /// <param name="teacher">Soft targets for the recipe's <see cref="TrainRecipe.DistillationWeight"/>; run in eval mode.</param>
    public TrainingState Train(nn.Module<Tensor, Tensor> model, DatasetSplits data, string fingerprint,
        string? checkpointPath = null, bool resume = false, IProgress<TrainProgress>? progress = null,
        int? stopAfterEpoch = null, CancellationToken cancel = default, nn.Module<Tensor, Tensor>? teacher = null)
    {
        teacher?.eval();
        double kd = teacher is null ? 0 : Recipe.DistillationWeight;
        using var optimizer = Optimizers.Create(model, Recipe);
        var state = new TrainingState(fingerprint, 0, []);
        if (resume && checkpointPath is not null && File.Exists(checkpointPath))
        {
            var stored = Checkpoint.ReadState(checkpointPath);
            if (stored.Fingerprint != fingerprint)
                throw new TrainingException(
                    $"checkpoint {checkpointPath} belongs to another configuration; use another --out folder or delete it");
            state = Checkpoint.Load(checkpointPath, model, optimizer);
        }

        var trainSet = Recipe.TrainOnValidation ? data.Train.Concat(data.Validation) : data.Train;
        var loader = new BatchLoader(trainSet, Recipe.BatchSize, data.Mean, data.Std, shuffle: true, Recipe.Augment, seed, dropLast: true);
        long stepsPerEpoch = loader.BatchCount;
        var schedule = new LearningRateSchedule(Recipe.LearningRate,
            (long)Math.Round(Recipe.WarmupEpochs * stepsPerEpoch), Recipe.Epochs * stepsPerEpoch);
        var history = state.History.ToList();
        var runClock = Stopwatch.StartNew();
        int lastEpoch = Math.Min(Recipe.Epochs, stopAfterEpoch ?? Recipe.Epochs);

        for (int epoch = state.CompletedEpochs; epoch < lastEpoch; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            // Dropout and any other global draw restart from (seed, epoch): resuming mid-run repeats them.
            random.manual_seed(seed * 1_000_003 + epoch);
            var totals = TrainingEpoch.Run(model, loader, optimizer, schedule, epoch, (x, y) =>
            {
                var logits = model.call(x);
                var loss = nn.functional.cross_entropy(logits, y, label_smoothing: Recipe.LabelSmoothing);
                if (kd > 0)
                {
                    using Scalar keep = 1 - kd, mix = kd; // held through the calls (see HeldScalars)
                    loss = HeldScalars.Plus(keep * loss, mix * SoftTargetLoss(logits, teacher!, x));
                }
                return (logits, loss);
            }, t =>
            {
                if (progress is null || (t.Steps % 10 != 0 && t.Steps != stepsPerEpoch)) return;
                long remainingImages = (lastEpoch - epoch) * stepsPerEpoch * Recipe.BatchSize - t.Seen;
                progress.Report(new TrainProgress(epoch + 1, Recipe.Epochs, t.Steps, (int)stepsPerEpoch, t.Loss, t.Accuracy, t.ImagesPerSecond,
                    runClock.Elapsed, TimeSpan.FromSeconds(remainingImages / Math.Max(1, t.ImagesPerSecond)), null));
            }, cancel);
            var epochClock = Stopwatch.StartNew();
            var val = Recipe.TrainOnValidation ? new EvalResult(double.NaN, double.NaN, 0, 0, new ClassReport([], [])) : Evaluator.Evaluate(model, data.Validation, data.Mean, data.Std);
            TorchRuntime.ReleaseFreedMemory();
            var record = new EpochRecord(epoch + 1, totals.Loss, totals.Accuracy, val.Loss, val.Accuracy, totals.LearningRate,
                (totals.Elapsed + epochClock.Elapsed).TotalSeconds, totals.ImagesPerSecond, TorchRuntime.ResidentBytes(), Tensor.TotalCount,
                PeakMemory.OfThisProcess());
            history.Add(record);
            state = state with { CompletedEpochs = epoch + 1, History = history.ToArray() };
            if (checkpointPath is not null) Checkpoint.Save(checkpointPath, state, model, optimizer);
            progress?.Report(new TrainProgress(epoch + 1, Recipe.Epochs, (int)stepsPerEpoch, (int)stepsPerEpoch, record.TrainLoss,
                record.TrainAccuracy, record.ImagesPerSecond, runClock.Elapsed, TimeSpan.Zero, record));
        }
        return state;
    }

    /// <summary>KL divergence to the teacher's softened distribution, scaled by T^2 so its gradients keep their size.</summary>
    private Tensor SoftTargetLoss(Tensor logits, nn.Module<Tensor, Tensor> teacher, Tensor x)
    {
        double t = Recipe.Temperature;
        using Scalar temperature = t, scale = t * t / logits.shape[0]; // held through the calls (see HeldScalars)
        Tensor logTarget;
        using (no_grad()) logTarget = nn.functional.log_softmax(teacher.call(x) / temperature, 1);
        var logProbabilities = nn.functional.log_softmax(logits / temperature, 1);
        // TorchSharp's kl_div takes log targets by default; sum / batch is PyTorch's "batchmean".
        return nn.functional.kl_div(logProbabilities, logTarget, log_target: true, reduction: nn.Reduction.Sum) * scale;
    }
}
