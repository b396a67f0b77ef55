using DnaNas.Data;
using DnaNas.Randomness;
using DnaNas.Search.Ranking;
using DnaNas.Space;

namespace DnaNas.Training.Hardware;

/// <summary>One network timed whole beside what its latency table says of it, in microseconds per image.</summary>
public sealed record NetworkTiming(string Architecture, double TableSum, double Predicted, double Measured)
{
    public double AbsolutePercentageError => Math.Abs(Predicted - Measured) / Measured * 100;
    public double SumAbsolutePercentageError => Math.Abs(TableSum - Measured) / Measured * 100;
}

/// <summary>
/// A latency predictor fitted and judged: the table with its <see cref="LatencyCorrection"/> fitted on
/// <see cref="Fitted"/>, and its error on <see cref="HeldOut"/> networks the fit never saw.
/// </summary>
public sealed record PredictorCheck(LatencyTable Table, IReadOnlyList<NetworkTiming> Fitted, IReadOnlyList<NetworkTiming> HeldOut)
{
    /// <summary>Median absolute percentage error of the corrected predictions on the held-out networks.</summary>
    public double HeldOutMedianApe => Median(HeldOut.Select(t => t.AbsolutePercentageError));
    /// <summary>The same for the table's plain sum, to show what the correction buys.</summary>
    public double HeldOutSumMedianApe => Median(HeldOut.Select(t => t.SumAbsolutePercentageError));
    public double HeldOutSpearman => RankCorrelation.Spearman(HeldOut.Select(t => t.Predicted).ToList(), HeldOut.Select(t => t.Measured).ToList());

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// Fits a table's correction on networks timed whole and checks it on others (the predictor of issue 16: the
/// table's sum plus a correction), runtime-agnostic: the caller says how a network is timed.
/// </summary>
public static class LatencyPredictor
{
    /// <summary>
    /// Random networks of the space for fitting and for checking, drawn from one seed; no architecture is in both
    /// sets, nor twice in one.
    /// </summary>
    public static (IReadOnlyList<Architecture> FitOn, IReadOnlyList<Architecture> HeldOut) Networks(SearchSpace space, int fit, int heldOut, long seed)
    {
        var rng = StableRandom.For(seed, 0x4C415443); // "LATC"
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var drawn = new List<Architecture>();
        for (int tries = 0; drawn.Count < fit + heldOut && tries < 100 * (fit + heldOut); tries++)
        {
            var a = space.Sample(rng);
            if (seen.Add(a.ToString())) drawn.Add(a);
        }
        if (drawn.Count < fit + heldOut) throw new ArgumentException($"space {space.Name} has fewer than {fit + heldOut} architectures to time");
        return (drawn.Take(fit).ToList(), drawn.Skip(fit).ToList());
    }

    /// <param name="space">The space the networks and the table are of (its widths, where it searches them).</param>
    /// <param name="measure">
    /// Microseconds per image of networks timed whole, as the table's layers were; handed the fitting and the held-out
    /// networks together, so a runtime timed in passes spreads a burst of other work over all of them.
    /// </param>
    /// <param name="line">Fit a least-squares line (<see cref="LatencyCorrection.Fit"/>) instead of a scale (<see cref="LatencyCorrection.FitScale"/>).</param>
    public static PredictorCheck FitAndCheck(SearchSpace space, LatencyTable table, IReadOnlyList<Architecture> fitOn, IReadOnlyList<Architecture> heldOut,
        Func<IReadOnlyList<Architecture>, IReadOnlyList<double>> measure, bool line = false)
    {
        var raw = table with { Correction = null };
        var measured = measure(fitOn.Concat(heldOut).ToList());
        if (measured.Count != fitOn.Count + heldOut.Count) throw new InvalidOperationException($"{measured.Count} times for {fitOn.Count + heldOut.Count} networks");
        var sums = fitOn.Select(a => raw.Sum(space, a)).ToList();
        var times = measured.Take(fitOn.Count).ToList();
        var corrected = raw with { Correction = line ? LatencyCorrection.Fit(sums, times) : LatencyCorrection.FitScale(sums, times) };
        NetworkTiming Timing(Architecture a, double us)
        {
            double sum = raw.Sum(space, a);
            return new(a.ToString(), sum, corrected.Predict(sum), us);
        }
        return new PredictorCheck(corrected, fitOn.Select((a, i) => Timing(a, measured[i])).ToList(),
            heldOut.Select((a, i) => Timing(a, measured[fitOn.Count + i])).ToList());
    }

    /// <summary>
    /// Where this machine keeps its measured tables: one file per space, runtime, mode, batch, threads and timing (<paramref name="timing"/>: repeats and rounds; fewer or shorter, a rougher table), named by
    /// the machine's fingerprint, so another machine sharing the cache folder measures its own.
    /// </summary>
    public static string CachePath(SearchSpace space, LatencyRuntime runtime, LatencyMode mode, int batchSize, int threads, string timing)
    {
        string name = string.Concat(space.Name.Split(Path.GetInvalidFileNameChars()));
        // Two space files may share a name: the space's content names its tables too.
        string shape = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SpaceFile.ToJson(space))))[..8];
        return Path.Combine(Datasets.DefaultCacheDirectory(), "latency",
            $"{name}-{shape}.{runtime.ToString().ToLowerInvariant()}.{mode.ToString().ToLowerInvariant()}.b{batchSize}.t{threads}.{timing}.{MachineFingerprint.ShortHash}.json");
    }
}
