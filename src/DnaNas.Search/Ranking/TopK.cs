namespace DnaNas.Search.Ranking;

/// <summary>
/// Agreement at the top of the ranking, the part a search actually keeps: a rating source can correlate well
/// overall yet pick the wrong best architectures. Hits is the "global order preserving" and LocalTau the "local
/// order preserving" of Supernet Shifting (CVPR 2024). Higher is better in both lists; k is clamped to the
/// count, and k &lt; 1 throws.
/// </summary>
public static class TopK
{
    /// <summary>
    /// Indices of the k highest values, highest first; equal values keep the lower index first, so the result is
    /// deterministic however many architectures tie at the cut.
    /// </summary>
    public static IReadOnlyList<int> TopIndices(IReadOnlyList<double> values, int k)
    {
        ArgumentNullException.ThrowIfNull(values);
        RankingInput.ThrowIfNaN(values, nameof(values));
        k = RankingInput.ClampK(k, values.Count);
        int[] order = new int[values.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int byValue = values[b].CompareTo(values[a]);
            return byValue != 0 ? byValue : a.CompareTo(b);
        });
        return order[..k];
    }

    /// <summary>
    /// How many of <paramref name="truth"/>'s top k are also among <paramref name="predicted"/>'s top k (0..k):
    /// whether the rating source finds the architectures that really are best, whatever their order.
    /// </summary>
    public static int Hits(IReadOnlyList<double> predicted, IReadOnlyList<double> truth, int k)
    {
        RankingInput.ValidatePair(predicted, truth);
        var predictedTop = new HashSet<int>(TopIndices(predicted, k));
        return TopIndices(truth, k).Count(predictedTop.Contains);
    }

    /// <summary>
    /// Kendall's tau-b between <paramref name="predicted"/> and <paramref name="truth"/> on truth's top k only:
    /// whether the rating source orders the really good architectures among themselves, where a search's final
    /// choice is made. NaN when fewer than two items remain (k = 1) or either restricted list is constant.
    /// </summary>
    public static double LocalTau(IReadOnlyList<double> predicted, IReadOnlyList<double> truth, int k)
    {
        RankingInput.ValidatePair(predicted, truth);
        var top = TopIndices(truth, k);
        if (top.Count < 2) return double.NaN;
        return RankCorrelation.KendallTauB([.. top.Select(i => predicted[i])], [.. top.Select(i => truth[i])]);
    }

    /// <summary>
    /// How far below the truly best architecture the rating source's pick lands: truth's maximum minus the truth of
    /// <paramref name="predicted"/>'s highest (0 when it picks the best; in truth's units, lower is better). This is
    /// what a search that trusts the ratings loses; a tie at the top of the ratings is broken toward the lower index.
    /// </summary>
    public static double Regret(IReadOnlyList<double> predicted, IReadOnlyList<double> truth)
    {
        RankingInput.ValidatePair(predicted, truth);
        int pick = TopIndices(predicted, 1)[0];
        return truth.Max() - truth[pick];
    }
}
