using System.Diagnostics;
using DnaNas.Data;
using static TorchSharp.torch;

namespace DnaNas.Training;

/// <summary>Running totals of an epoch so far.</summary>
public readonly record struct EpochTotals(int Steps, double LossSum, long Correct, long Seen, double LearningRate, TimeSpan Elapsed)
{
    public double Loss => LossSum / Math.Max(1, Seen);
    public double Accuracy => (double)Correct / Math.Max(1, Seen);
    public double ImagesPerSecond => Seen / Math.Max(1e-9, Elapsed.TotalSeconds);
}

/// <summary>
/// One epoch of supervised steps, shared by stand-alone and supernet training: learning rate per step, gradients
/// cleared to none, a per-step dispose scope, a heap kept near its working set, running loss and accuracy. What a step computes is the caller's.
/// </summary>
public static class TrainingEpoch
{
    /// <param name="step">Logits and loss of a batch (x, y); called in train mode inside the step's dispose scope.</param>
    /// <param name="onStep">After every step, with the totals so far (for progress displays).</param>
    public static EpochTotals Run(TorchSharp.torch.nn.Module model, BatchLoader loader, TorchSharp.Modules.OptimizerHelper optimizer,
        LearningRateSchedule schedule, int epoch, Func<Tensor, Tensor, (Tensor Logits, Tensor Loss)> step, Action<EpochTotals>? onStep,
        CancellationToken cancel)
    {
        model.train();
        var clock = Stopwatch.StartNew();
        long stepsPerEpoch = loader.BatchCount;
        var totals = new EpochTotals(0, 0, 0, 0, 0, TimeSpan.Zero);
        var heap = new HeapGrowthLimit();
        foreach (var (x, y) in loader.Epoch(epoch))
        {
            double lr = schedule.At(epoch * stepsPerEpoch + totals.Steps);
            double loss;
            long correct, count = y.shape[0];
            using (var scope = NewDisposeScope())
            {
                x.MoveToOtherDisposeScope(scope);
                y.MoveToOtherDisposeScope(scope);
                Optimizers.SetLearningRate(optimizer, lr);
                model.zero_grad(); // to none: ops off a supernet's path keep no stale gradient
                var (logits, lossTensor) = step(x, y);
                float value = lossTensor.item<float>();
                NonFiniteLoss.ThrowIfNotFinite(value, epoch + 1, totals.Steps + 1);
                lossTensor.backward();
                optimizer.step();
                loss = value * count;
                correct = logits.argmax(1).eq(y).sum().item<long>();
            }
            heap.BetweenSteps();
            totals = new EpochTotals(totals.Steps + 1, totals.LossSum + loss, totals.Correct + correct, totals.Seen + count, lr, clock.Elapsed);
            onStep?.Invoke(totals);
            cancel.ThrowIfCancellationRequested();
        }
        return totals with { Elapsed = clock.Elapsed };
    }
}
