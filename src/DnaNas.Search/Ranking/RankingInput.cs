namespace DnaNas.Search.Ranking;

/// <summary>
/// Checks shared by every ranking statistic, so each reports bad input the same way instead of returning a
/// number computed from it.
/// </summary>
internal static class RankingInput
{
    /// <summary>Throws unless the two lists rate the same at least two architectures, none of them with NaN.</summary>
    public static void ValidatePair(IReadOnlyList<double> predicted, IReadOnlyList<double> truth)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(truth);
        if (predicted.Count != truth.Count)
            throw new ArgumentException(
                $"predicted and truth must rate the same architectures: got {predicted.Count} predicted and {truth.Count} true scores",
                nameof(truth));
        if (predicted.Count < 2)
            throw new ArgumentException(
                $"a ranking needs at least 2 architectures: got {predicted.Count}", nameof(predicted));
        ThrowIfNaN(predicted, nameof(predicted));
        ThrowIfNaN(truth, nameof(truth));
    }

    /// <summary>Throws when any value is NaN, which has no place in an order.</summary>
    public static void ThrowIfNaN(IReadOnlyList<double> values, string paramName)
    {
        for (int i = 0; i < values.Count; i++)
            if (double.IsNaN(values[i]))
                throw new ArgumentException($"{paramName}[{i}] is NaN: every architecture needs a score to be ranked", paramName);
    }

    /// <summary>k clamped to <paramref name="count"/>; k &lt; 1 throws because an empty top set compares nothing.</summary>
    public static int ClampK(int k, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return Math.Min(k, count);
    }
}
