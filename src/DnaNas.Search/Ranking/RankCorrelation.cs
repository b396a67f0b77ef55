namespace DnaNas.Search.Ranking;

/// <summary>
/// How well one rating orders architectures like another, ignoring the scale of either: a one-shot supernet's
/// scores only need to put architectures in the order of their real accuracies. Higher is better in both lists
/// (callers negate losses); only the order matters, so that convention changes nothing here but keeps the
/// top-k statistics honest.
/// </summary>
public static class RankCorrelation
{
    /// <summary>
    /// Kendall's tau-b: (nc - nd) / sqrt((n0 - n1)(n0 - n2)) over all n0 = n(n-1)/2 pairs, where nc and nd count
    /// pairs the lists order alike and oppositely, and n1 and n2 pairs tied in <paramref name="x"/> and in
    /// <paramref name="y"/>. Tau-b rather than tau-a so that tied scores (duplicated architectures in a
    /// bootstrap resample, equal accuracies) neither count against agreement nor keep it from reaching 1.
    /// NaN when either list is constant, which orders nothing. O(n²) pairs, fine for n up to a few thousand.
    /// </summary>
    public static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        RankingInput.ValidatePair(x, y);
        int n = x.Count;
        long concordant = 0, discordant = 0, tiedInX = 0, tiedInY = 0;
        for (int i = 0; i < n; i++)
        {
            double xi = x[i], yi = y[i];
            for (int j = i + 1; j < n; j++)
            {
                int dx = xi.CompareTo(x[j]), dy = yi.CompareTo(y[j]);
                if (dx == 0) tiedInX++;
                if (dy == 0) tiedInY++;
                int product = dx * dy;
                if (product > 0) concordant++;
                else if (product < 0) discordant++;
            }
        }
        long pairs = (long)n * (n - 1) / 2;
        if (tiedInX == pairs || tiedInY == pairs) return double.NaN;
        return (concordant - discordant) / Math.Sqrt((double)(pairs - tiedInX) * (pairs - tiedInY));
    }

    /// <summary>
    /// Spearman's rho: the Pearson correlation of the two lists' average ranks, so ties get the mean of the ranks
    /// they span and the textbook 1 - 6Σd²/(n(n²-1)) is recovered when there are none. NaN when either list is
    /// constant.
    /// </summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        RankingInput.ValidatePair(x, y);
        double[] rx = AverageRanks(x), ry = AverageRanks(y);
        // Both rank lists sum to n(n+1)/2, so both means are (n+1)/2; deviations are then multiples of 1/2
        // and the sums below are exact for any realistic n.
        double mean = (rx.Length + 1) / 2.0;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            double dx = rx[i] - mean, dy = ry[i] - mean;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        if (sxx == 0 || syy == 0) return double.NaN;
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>
    /// 1-based ascending ranks, equal values sharing the mean of the ranks they span (1, 2, 2, 3 ranks as
    /// 1, 2.5, 2.5, 4), the tie rule that keeps rank sums and Spearman's rho symmetric in tied items.
    /// </summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        RankingInput.ThrowIfNaN(values, nameof(values));
        int n = values.Count;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));

        var ranks = new double[n];
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && values[order[end]].CompareTo(values[order[start]]) == 0) end++;
            // Positions start..end-1 hold rank start+1..end; their mean is (start + 1 + end) / 2.
            double rank = (start + 1 + end) / 2.0;
            for (int p = start; p < end; p++) ranks[order[p]] = rank;
            start = end;
        }
        return ranks;
    }
}
