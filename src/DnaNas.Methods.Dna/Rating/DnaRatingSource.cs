using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>
/// DNA's score of an architecture: minus the sum of its blocks' ratings (the quantity DNA's search minimises), read
/// from the ratings.db of a DNA run in <see cref="RunFolder"/> under the context's folder (or, for a variant of DNA
/// that a study rates beside it, in a folder of its own).
/// </summary>
public sealed class DnaRatingSource(string name, string runFolder) : IRatingSource
{
    public const string SourceName = "dna";
    public const string RunFolder = "dna";

    public DnaRatingSource() : this(SourceName, RunFolder) { }

    public string Name => name;

    private string RatingsPath(RatingContext context) => new DnaRunLayout(Path.Combine(context.Folder, runFolder), TeacherIsBaseline: false).RatingsPath;

    public bool IsReady(RatingContext context) => File.Exists(RatingsPath(context));

    public IReadOnlyDictionary<string, double> Score(RatingContext context, IReadOnlyList<Architecture> architectures)
    {
        using var ratings = new RatingStore(RatingsPath(context));
        var byBlock = Enumerable.Range(0, context.Space.Blocks.Count).Select(b => ratings.Block(b).ToDictionary(r => r.Candidate, r => r.ScaledMae)).ToArray();
        return architectures.ToDictionary(a => a.ToString(), a => -a.Blocks.Select((c, b) =>
            byBlock[b].TryGetValue(c.ToString(), out var r) ? r
                : throw new TrainingException($"{ratings.Path} has no rating of block {b + 1} candidate {c}; resume the DNA run to finish rating")).Sum());
    }
}
