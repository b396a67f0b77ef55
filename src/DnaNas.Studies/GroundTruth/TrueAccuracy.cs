namespace DnaNas.Studies;

/// <summary>
/// What the ground truth says of one architecture: its test accuracy averaged over the seeds it was trained with
/// (a second seed halves the variance a rating is judged against), its validation accuracy likewise, and its band.
/// </summary>
public sealed record TrueAccuracy(string Architecture, string Band, long Params, long Macs, double Test, double? Validation, int Seeds)
{
    /// <summary>One per trained architecture, in the order of their first rows.</summary>
    public static IReadOnlyList<TrueAccuracy> Of(IEnumerable<GroundTruthEntry> entries) =>
        entries.Where(e => e.IsTrained).GroupBy(e => e.Architecture).Select(g =>
        {
            var first = g.First();
            var validation = g.Where(e => e.ValidationAccuracy is not null).Select(e => e.ValidationAccuracy!.Value).ToList();
            return new TrueAccuracy(g.Key, first.Band, first.Params, first.Macs, g.Average(e => e.TestAccuracy!.Value),
                validation.Count > 0 ? validation.Average() : null, g.Count());
        }).ToList();
}
