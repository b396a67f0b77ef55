using System.Diagnostics;
using static TorchSharp.torch;

namespace DnaNas.Training.Hardware;

/// <summary>
/// A timing's rounds summarised: the median, which a burst of other work moves little, and the quartiles around it
/// as its spread, in the unit the caller scaled them to.
/// </summary>
public sealed record TimingStats(double Median, double LowerQuartile, double UpperQuartile, int Rounds)
{
    /// <summary>Sorted round times summarised.</summary>
    public static TimingStats Of(IReadOnlyList<double> sorted) =>
        new(Quantile(sorted, 0.5), Quantile(sorted, 0.25), Quantile(sorted, 0.75), sorted.Count);

    public TimingStats Scaled(double factor) => new(Median * factor, LowerQuartile * factor, UpperQuartile * factor, Rounds);

    /// <summary>The interquartile range relative to the median.</summary>
    public double RelativeSpread => Median > 0 ? (UpperQuartile - LowerQuartile) / Median : 0;

    /// <summary>Linear interpolation between order statistics (the median of an even count is the mean of the middle two).</summary>
    private static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}

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
    public static double SecondsPerStep(Action step, int warmupRounds, int rounds, int stepsPerRound = 1, Action? untimed = null) =>
        Time(step, warmupRounds, rounds, stepsPerRound, untimed).Median;

    /// <summary>Seconds of one step call: median and quartiles over the timed rounds.</summary>
    public static TimingStats Time(Action step, int warmupRounds, int rounds, int stepsPerRound = 1, Action? untimed = null)
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
        return TimingStats.Of(seconds);
    }

    /// <summary>
    /// How many calls of a step fill one round of at least <paramref name="roundSeconds"/>, from one untimed call
    /// after a warm-up: very short steps are timed in groups, so the clock's resolution and its own cost do not count.
    /// </summary>
    public static int StepsPerRound(Action step, double roundSeconds)
    {
        { using var warm = NewDisposeScope(); step(); }
        var clock = Stopwatch.StartNew();
        { using var once = NewDisposeScope(); step(); }
        double one = Math.Max(clock.Elapsed.TotalSeconds, 1e-7);
        return (int)Math.Clamp(Math.Ceiling(roundSeconds / one), 1, 100_000);
    }
}
