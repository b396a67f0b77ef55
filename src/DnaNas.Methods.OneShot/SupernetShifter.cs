using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Space;
using DnaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Methods.OneShot;

public enum ShiftingMode
{
    /// <summary>The paper's: each candidate's loss on one batch is accumulated, one update per iteration.</summary>
    PerIteration,
    /// <summary>The official code's: several SGD steps on each candidate in turn.</summary>
    PerCandidate,
}

/// <summary>
/// How the supernet keeps training during search. Defaults: SGD with momentum 0.9, weight decay 4e-5 and label
/// smoothing 0.1 as the official code; its learning rate of 1e-4 suits 20 steps per candidate on ImageNet, while the
/// paper's one update per iteration over a few dozen searches needs a larger one to move at all, so
/// <see cref="LearningRate"/> defaults to 0.01 (per candidate mode: set 1e-4 to follow the official code).
/// </summary>
public sealed record ShiftingSettings
{
    public ShiftingMode Mode { get; init; } = ShiftingMode.PerIteration;
    public double LearningRate { get; init; } = 0.01;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 4e-5;
    public double LabelSmoothing { get; init; } = 0.1;
    public int BatchSize { get; init; } = 128;
    public int StepsPerCandidate { get; init; } = 20;
}

/// <summary>
/// Supernet Shifting (Zhang et al., CVPR 2024): the candidates an evolutionary iteration evaluates also train the
/// supernet, so the paths search keeps returning to (the good ones) get more training and the top of the ranking
/// sharpens. Training batches come from an endless, seeded, augmented stream over the training images.
/// </summary>
public sealed class SupernetShifter : IDisposable
{
    private readonly SinglePathSupernet _supernet;
    private readonly ShiftingSettings _settings;
    private readonly optim.Optimizer _optimizer;
    private readonly IEnumerator<(Tensor X, Tensor Y)> _batches;

    public SupernetShifter(SinglePathSupernet supernet, DatasetSplits data, ShiftingSettings settings, long seed)
    {
        _supernet = supernet;
        _settings = settings;
        _optimizer = Optimizers.Create(supernet, new TrainRecipe
        {
            LearningRate = settings.LearningRate, Momentum = settings.Momentum, WeightDecay = settings.WeightDecay,
        });
        var loader = new BatchLoader(data.Train, settings.BatchSize, data.Mean, data.Std, shuffle: true,
            new AugmentOptions(PadCrop: 2, HorizontalFlip: true), seed, dropLast: true);
        _batches = Endless(loader).GetEnumerator();
    }

    public long Steps { get; private set; }

    private readonly HeapGrowthLimit _heap = new();

    private static IEnumerable<(Tensor X, Tensor Y)> Endless(BatchLoader loader)
    {
        for (int epoch = 0; ; epoch++)
            foreach (var batch in loader.Epoch(epoch)) yield return batch;
    }

    /// <summary>Trains the supernet on an iteration's candidates, the way <see cref="ShiftingSettings.Mode"/> says.</summary>
    public void Shift(IReadOnlyList<Architecture> candidates)
    {
        if (candidates.Count == 0) return;
        _supernet.train();
        if (_settings.Mode == ShiftingMode.PerIteration)
        {
            _supernet.zero_grad();
            foreach (var candidate in candidates) Backward(candidate, 1.0 / candidates.Count);
            _optimizer.step();
            Steps++;
            return;
        }
        foreach (var candidate in candidates)
            for (int s = 0; s < _settings.StepsPerCandidate; s++)
            {
                _supernet.zero_grad();
                Backward(candidate, 1.0);
                _optimizer.step();
                Steps++;
            }
    }

    private void Backward(Architecture candidate, double weight)
    {
        // Drawn outside the step's scope, then moved in (moving a tensor into the scope that already owns it
        // leaves it owned by a scope that no longer lists it: its finalizer then crashes the process).
        _heap.BetweenSteps(); // no step's scope is open here
        _batches.MoveNext();
        var (x, y) = _batches.Current;
        using var scope = NewDisposeScope();
        x.MoveToOtherDisposeScope(scope);
        y.MoveToOtherDisposeScope(scope);
        var loss = nn.functional.cross_entropy(_supernet.call(x, _supernet.PathOf(candidate)), y, label_smoothing: _settings.LabelSmoothing);
        using Scalar share = weight; // held through the call (see HeldScalars)
        (loss * share).backward();
    }

    public void Dispose()
    {
        _batches.Dispose();
        _optimizer.Dispose();
    }
}
