using DnaNas.Modules;
using DnaNas.Space;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Training.Hardware;

/// <summary>
/// Seconds per image that one network takes on this machine, at the threads libtorch has now: a training step
/// (forward, backward and the recipe's optimizer) and an inference pass, on random images of the space's input,
/// timed after a few warm-up steps (the median of a few rounds). What <c>dna bench train</c> prints, and what <c>dna run --time-budget</c> plans by.
/// </summary>
public sealed record NetworkThroughput(double TrainSeconds, double InferSeconds)
{
    /// <summary>Timed rounds; their median counts, so a burst of other work on a shared machine moves it little.</summary>
    public const int Rounds = 5;

    /// <param name="steps">Timed steps of each kind, split evenly over <see cref="Rounds"/> rounds (at least one step each).</param>
    public static NetworkThroughput Measure(SearchSpace space, Architecture architecture, TrainRecipe recipe, int steps = 15)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        using var scope = NewDisposeScope();
        random.manual_seed(0);
        using var model = new MBConvNet(space, architecture);
        using var optimizer = Optimizers.Create(model, recipe);
        int batch = recipe.BatchSize;
        var x = randn(batch, space.InputChannels, space.InputSize, space.InputSize);
        var y = randint(0, space.Classes, batch, dtype: int64);
        int perRound = Math.Max(1, steps / Rounds);
        double train = SecondsPerImage(perRound, batch, () =>
        {
            model.train();
            model.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            optimizer.step();
        });
        double infer = SecondsPerImage(perRound, batch, () =>
        {
            model.eval();
            using var _ = no_grad();
            model.call(x);
        });
        return new NetworkThroughput(train, infer);
    }

    /// <summary>
    /// The throughput of one of <paramref name="copies"/> trainings that run side by side, each on
    /// <paramref name="threadsEach"/> threads: the copies are timed at once, on threads of their own, and the slowest
    /// counts. Where cores share their units (hyper-threads), two such jobs together run slower each than one alone,
    /// and faster together than the probe at all the threads suggests.
    /// </summary>
    public static NetworkThroughput MeasureSideBySide(SearchSpace space, Architecture architecture, TrainRecipe recipe, int copies, int threadsEach, int steps = 15)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        // OpenMP keeps the thread count per calling thread, so each copy sets its own.
        var timings = Enumerable.Range(0, copies).Select(_ => Task.Factory.StartNew(() =>
        {
            torch.set_num_threads(threadsEach);
            return Measure(space, architecture, recipe, steps);
        }, TaskCreationOptions.LongRunning)).ToArray();
        Task.WaitAll(timings);
        return new NetworkThroughput(timings.Max(t => t.Result.TrainSeconds), timings.Max(t => t.Result.InferSeconds));
    }

    private static double SecondsPerImage(int stepsPerRound, int batch, Action step) =>
        MedianTimer.SecondsPerStep(step, warmupRounds: 1, Rounds, stepsPerRound) / batch;
}
