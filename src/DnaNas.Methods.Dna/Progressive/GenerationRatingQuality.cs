using DnaNas.Search.Ranking;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>How well one generation's ratings order the known networks of one band (or of all of them, <see cref="AllBands"/>).</summary>
public sealed record GenerationRatingQuality(int Generation, string Band, RankingQuality Quality)
{
    public const string AllBands = "all";

    /// <summary>Bootstrap draws per interval, and the top-k of the whole ground truth, as the ranking studies use.</summary>
    public const int Resamples = 1000, TopK = 10;

    /// <summary>
    /// Generation <paramref name="generation"/>'s ratings judged against <paramref name="known"/>: every known network
    /// scored by minus its summed block ratings (what DNA's search minimises, <see cref="DnaRatingSource"/>), then
    /// Kendall tau and the rest with bootstrap intervals, on all networks and, where there are several bands, inside
    /// each band of <see cref="KnownAccuracies.MinimumNetworks"/> or more. Inside a band the top-k is its top quarter
    /// (at least 2, at most <see cref="TopK"/>), what a search under a budget keeps.
    /// </summary>
    public static IReadOnlyList<GenerationRatingQuality> Of(int generation, DnaRunLayout run, KnownAccuracies known, long seed)
    {
        var space = run.ReadSpace();
        var architectures = known.Networks.Select(n => Architecture.Parse(n.Architecture, space)).ToList();
        var context = new RatingContext(space, Path.GetDirectoryName(run.Folder)!,
            () => throw new InvalidOperationException("summed block ratings need no data"), seed);
        var scores = new DnaRatingSource($"generation {generation}", Path.GetFileName(run.Folder)).Score(context, architectures);
        var bands = known.Networks.GroupBy(n => n.Band).ToList();
        // A ground truth of one band so far is judged as that band, so the band's flatness is said of the whole.
        var groups = new List<(string Band, IReadOnlyList<KnownAccuracy> Networks)> { (bands.Count == 1 ? bands[0].Key : AllBands, known.Networks) };
        if (bands.Count > 1)
            groups.AddRange(bands.Where(g => g.Count() >= KnownAccuracies.MinimumNetworks).Select(g => (g.Key, (IReadOnlyList<KnownAccuracy>)g.ToList())));
        return groups.Select(g =>
        {
            var networks = g.Networks.OrderBy(n => n.Architecture, StringComparer.Ordinal).ToList();
            int k = g.Band == AllBands ? TopK : Math.Min(TopK, Math.Max(2, networks.Count / 4));
            var quality = RankingEvaluation.Evaluate(networks.Select(n => scores[Architecture.Parse(n.Architecture, space).ToString()]).ToList(),
                networks.Select(n => n.TestAccuracy).ToList(), k, Resamples, seed: seed);
            return new GenerationRatingQuality(generation, g.Band, quality);
        }).ToList();
    }
}
