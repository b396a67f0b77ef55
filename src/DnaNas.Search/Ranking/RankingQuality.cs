namespace DnaNas.Search.Ranking;

/// <summary>
/// How well a rating source ranks Count architectures against their real accuracies, each statistic with its
/// bootstrap interval. K is the top-k size actually used (clamped to Count); TopHits counts architectures
/// (0..K), the next three are rank correlations (-1..1), and Regret is in the truth's units (lower is better:
/// the true best's accuracy less the accuracy of the source's pick, <see cref="TopK.Regret"/>).
/// </summary>
public sealed record RankingQuality(int Count, int K, Interval KendallTau, Interval Spearman, Interval TopHits, Interval LocalTau, Interval Regret)
{
    /// <summary>Regret in points of accuracy, as reports and the console print it.</summary>
    public Interval RegretPoints => Regret.Times(100);
}
