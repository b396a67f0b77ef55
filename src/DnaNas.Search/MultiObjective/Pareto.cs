namespace DnaNas.Search.MultiObjective;

/// <summary>Pareto dominance over objective vectors, all to be minimised.</summary>
public static class Pareto
{
    /// <summary>a is no worse than b in every objective and better in one.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        bool better = false;
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] > b[i]) return false;
            if (a[i] < b[i]) better = true;
        }
        return better;
    }

    /// <summary>
    /// Fast non-dominated sorting (Deb et al., 2002): the indices of each front, best front first; front k holds the
    /// points dominated only by points of fronts before it.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Fronts(IReadOnlyList<IReadOnlyList<double>> points)
    {
        int n = points.Count;
        var dominated = new List<int>[n];
        var dominatedBy = new int[n];
        var fronts = new List<IReadOnlyList<int>>();
        var current = new List<int>();
        for (int p = 0; p < n; p++)
        {
            dominated[p] = [];
            for (int q = 0; q < n; q++)
            {
                if (p == q) continue;
                if (Dominates(points[p], points[q])) dominated[p].Add(q);
                else if (Dominates(points[q], points[p])) dominatedBy[p]++;
            }
            if (dominatedBy[p] == 0) current.Add(p);
        }
        while (current.Count > 0)
        {
            fronts.Add(current);
            var next = new List<int>();
            foreach (int p in current)
                foreach (int q in dominated[p])
                    if (--dominatedBy[q] == 0) next.Add(q);
            next.Sort();
            current = next;
        }
        return fronts;
    }

    /// <summary>
    /// Crowding distance of each point of one front: the sum over objectives of the gap between its neighbours,
    /// normalised by the front's range; the extremes of every objective are infinitely far, so they always survive.
    /// </summary>
    public static double[] Crowding(IReadOnlyList<IReadOnlyList<double>> front)
    {
        int n = front.Count;
        var distance = new double[n];
        if (n == 0) return distance;
        for (int m = 0; m < front[0].Count; m++)
        {
            var order = Enumerable.Range(0, n).OrderBy(i => front[i][m]).ThenBy(i => i).ToArray();
            double range = front[order[^1]][m] - front[order[0]][m];
            distance[order[0]] = distance[order[^1]] = double.PositiveInfinity;
            if (range <= 0) continue;
            for (int k = 1; k < n - 1; k++)
                distance[order[k]] += (front[order[k + 1]][m] - front[order[k - 1]][m]) / range;
        }
        return distance;
    }
}
