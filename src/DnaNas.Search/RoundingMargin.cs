namespace DnaNas.Search;

/// <summary>
/// How far a computed rating bound may be trusted. Architecture ratings are floating-point sums and the
/// relaxation's bound is computed in floating point too; each is within a few (options + blocks) units of
/// roundoff of its exact value, times the largest magnitudes involved. Pruning by bound only where the bound
/// exceeds the threshold by more than a thousand times that keeps the search exact whatever the rounding.
/// </summary>
internal static class RoundingMargin
{
    public static double For(IReadOnlyList<BlockOption[]> blocks)
    {
        double magnitude = 0;
        int terms = blocks.Count + 8;
        foreach (var options in blocks)
        {
            double largest = 0;
            foreach (var option in options) largest = Math.Max(largest, Math.Abs(option.Rating));
            magnitude += largest;
            terms += options.Length;
        }
        const double unitRoundoff = 1.0 / (1L << 53);
        return 1024.0 * 4 * terms * unitRoundoff * magnitude;
    }
}
