using DnaNas.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Training;

public readonly record struct EvalResult(double Loss, double Accuracy, int Count, double ImagesPerSecond, ClassReport Classes);

/// <summary>Accuracy, per-class accuracy and mean cross-entropy of a classifier on a whole image set, in eval mode without gradients.</summary>
public static class Evaluator
{
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, ImageSet set, float[] mean, float[] std, int batchSize = 256)
    {
        bool wasTraining = model.training;
        model.eval();
        var loader = new BatchLoader(set, batchSize, mean, std, shuffle: false, augment: null, seed: 0);
        double lossSum = 0;
        long correct = 0, seen = 0;
        var truth = new List<int>(set.Count);
        var predicted = new List<int>(set.Count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (no_grad())
        {
            foreach (var (x, y) in loader.Epoch(0))
            {
                using var scope = NewDisposeScope();
                x.MoveToOtherDisposeScope(scope);
                y.MoveToOtherDisposeScope(scope);
                var logits = model.call(x);
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                var guess = logits.argmax(1);
                correct += guess.eq(y).sum().item<long>();
                foreach (long g in guess.data<long>()) predicted.Add((int)g);
                foreach (long t in y.data<long>()) truth.Add((int)t);
                seen += y.shape[0];
            }
        }
        if (wasTraining) model.train();
        double seconds = Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        return new EvalResult(lossSum / Math.Max(1, seen), (double)correct / Math.Max(1, seen), (int)seen, seen / seconds,
            ClassReport.FromPredictions(set.ClassNames, truth, predicted));
    }
}
