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
        // Per block and stored width (0: the reference one; see RatingStore), candidate to rating, read as needed.
        var byCell = new Dictionary<(int Block, int Width), Dictionary<string, double>>();
        double Rating(int block, int width, Candidate candidate)
        {
            if (!byCell.TryGetValue((block, width), out var cell))
                byCell[(block, width)] = cell = ratings.Block(block, width).ToDictionary(r => r.Candidate, r => r.ScaledMae);
            return cell.TryGetValue(candidate.ToString(), out var r) ? r
                : throw new TrainingException($"{ratings.Path} has no rating of block {block + 1} candidate {candidate}{(width != 0 ? $" at width {width}" : "")}; resume the DNA run to finish rating");
        }
        return architectures.ToDictionary(a => a.ToString(), a => -a.Blocks.Select((c, b) =>
            Rating(b, new BlockCell(b, a.Width(b, context.Space), context.Space.Blocks[b].Channels).StoredWidth, c)).Sum());
    }
}
