using System.Diagnostics;
using static TorchSharp.torch;

namespace DnaNas.Training.Hardware;

/// <summary>
/// The one timing loop of the hardware measurements: a few untimed warm-up rounds (libtorch allocates and picks
/// kernels on the first calls), then timed rounds whose median counts, so a burst of other work moves it little.
/// Every call of the step runs in its own dispose scope.
/// </summary>
public static class MedianTimer
{
    /// <summary>Median seconds of one step call.</summary>
    /// <param name="stepsPerRound">Calls timed together as one round (short steps are timed in groups).</param>
    /// <param name="untimed">Runs after each round, outside the clock (e.g. clearing gradients).</param>
    public static double SecondsPerStep(Action step, int warmupRounds, int rounds, int stepsPerRound = 1, Action? untimed = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerRound, 1);
        var seconds = new double[rounds];
        for (int r = 0; r < warmupRounds + rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < stepsPerRound; i++) { using var scope = NewDisposeScope(); step(); }
            clock.Stop();
            untimed?.Invoke();
            if (r >= warmupRounds) seconds[r - warmupRounds] = clock.Elapsed.TotalSeconds / stepsPerRound;
        }
        Array.Sort(seconds);
        return seconds[rounds / 2];
    }
}
