namespace DnaNas.Search.Ranking;

/// <summary>
/// How well a rating source ranks Count architectures against their real accuracies, each statistic with its
/// bootstrap interval. K is the top-k size actually used (clamped to Count); TopHits counts architectures
/// (0..K), the other three are rank correlations (-1..1).
/// </summary>
public sealed record RankingQuality(int Count, int K, Interval KendallTau, Interval Spearman, Interval TopHits, Interval LocalTau);
