namespace DnaNas.Search.Ranking;

/// <summary>The ranking statistics of a rating source in one call, for reports that compare rating sources.</summary>
public static class RankingEvaluation
{
    /// <summary>
    /// Kendall's tau-b, Spearman's rho, top-k hits, local tau and regret of <paramref name="predicted"/> against
    /// <paramref name="truth"/> (higher is better in both), each with a percentile bootstrap interval. Every
    /// statistic is resampled with the same seed, so all five see the same draws.
    /// </summary>
    public static RankingQuality Evaluate(
        IReadOnlyList<double> predicted,
        IReadOnlyList<double> truth,
        int k = 10,
        int resamples = 1000,
        double confidence = 0.95,
        long seed = 0)
    {
        RankingInput.ValidatePair(predicted, truth);
        k = RankingInput.ClampK(k, predicted.Count);
        Interval Resampled(Func<IReadOnlyList<double>, IReadOnlyList<double>, double> statistic) =>
            Bootstrap.Percentile(predicted, truth, statistic, resamples, confidence, seed);

        return new RankingQuality(
            predicted.Count,
            k,
            Resampled(RankCorrelation.KendallTauB),
            Resampled(RankCorrelation.Spearman),
            Resampled((p, t) => TopK.Hits(p, t, k)),
            Resampled((p, t) => TopK.LocalTau(p, t, k)),
            Resampled(TopK.Regret));
    }
}
