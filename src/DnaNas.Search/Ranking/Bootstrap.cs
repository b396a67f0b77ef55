using DnaNas.Randomness;

namespace DnaNas.Search.Ranking;

/// <summary>
/// Confidence intervals for ranking statistics by resampling architectures. A few dozen rated architectures give
/// a noisy tau; an interval says whether two rating sources really differ.
/// </summary>
public static class Bootstrap
{
    /// <summary>
    /// The statistic on the full data, with a percentile bootstrap interval: <paramref name="resamples"/> times,
    /// n architectures are drawn with replacement (as (predicted, truth) pairs, so each keeps both its scores)
    /// and the statistic is taken on the draw; the interval runs between the (1 - confidence)/2 and
    /// (1 + confidence)/2 quantiles of those values, linearly interpolated between order statistics.
    /// Draws come from a <see cref="StableRandom"/> seeded by <paramref name="seed"/>, so the same seed gives the same interval on every .NET version.
    /// Draws where the statistic is NaN (a draw of one architecture repeated, for one) are skipped; when all
    /// are, Low and High are NaN. The percentile interval need not contain Value for a biased statistic.
    /// </summary>
    /// <remarks>
    /// A draw repeats some architectures and drops others. Rank correlations treat the copies as ties, but
    /// top-k statistics count a duplicated architecture more than once (it can fill several of the k places),
    /// so their intervals describe the resampled populations only approximately.
    /// </remarks>
    public static Interval Percentile(
        IReadOnlyList<double> predicted,
        IReadOnlyList<double> truth,
        Func<IReadOnlyList<double>, IReadOnlyList<double>, double> statistic,
        int resamples = 1000,
        double confidence = 0.95,
        long seed = 0)
    {
        RankingInput.ValidatePair(predicted, truth);
        ArgumentNullException.ThrowIfNull(statistic);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie strictly between 0 and 1");

        double value = statistic(predicted, truth);
        int n = predicted.Count;
        var random = StableRandom.For(seed, 0x424F4F54); // "BOOT"
        var values = new List<double>(resamples);
        for (int r = 0; r < resamples; r++)
        {
            // Fresh arrays per draw, so a statistic that keeps its inputs never sees them change.
            var drawnPredicted = new double[n];
            var drawnTruth = new double[n];
            for (int i = 0; i < n; i++)
            {
                int pick = random.Next(n);
                drawnPredicted[i] = predicted[pick];
                drawnTruth[i] = truth[pick];
            }
            double drawn = statistic(drawnPredicted, drawnTruth);
            if (!double.IsNaN(drawn)) values.Add(drawn);
        }
        if (values.Count == 0) return new Interval(value, double.NaN, double.NaN);

        values.Sort();
        double tail = (1 - confidence) / 2;
        return new Interval(value, Quantile(values, tail), Quantile(values, 1 - tail));
    }

    /// <summary>
    /// The p-quantile of sorted values, interpolating linearly between the order statistics around position
    /// p(m - 1) (the common "type 7" definition, numpy's default).
    /// </summary>
    internal static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        double position = p * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        if (below >= sorted.Count - 1) return sorted[^1];
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
    }
}
