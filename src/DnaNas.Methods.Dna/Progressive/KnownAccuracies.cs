using System.Text.Json;
using DnaNas.Data;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.Dna;

/// <summary>One network whose accuracy trained stand-alone is known, in the cost band it was sampled from.</summary>
public sealed record KnownAccuracy(string Architecture, string Band, double TestAccuracy);

/// <summary>
/// How far a band's networks spread against their seed noise (<see cref="SpreadOverNoise"/>, NaN until the band has
/// seed pairs): a band under the ground truth's <see cref="KnownAccuracies.JudgingRatio"/> is flat, and a tau measured
/// on it judges nothing.
/// </summary>
public sealed record KnownBand(string Name, double SpreadOverNoise);

/// <summary>
/// A ground truth as a DNA+ report judges each generation's ratings with it: the networks of the run's space whose
/// accuracy is known, by band. The run keeps a copy in its folder (<c>dna run --ground-truth</c>), taken when it was
/// given, so the report reads only the folder and a ground truth that grows later leaves an old report as it was.
/// The ground truth lives with the studies; this is the plain data the DNA side needs of it.
/// </summary>
/// <param name="Source">Where it was read from (a <c>dna ground-truth</c> folder).</param>
/// <param name="Protocol">The training protocol of its networks (quick-v1), or a description of its recipe.</param>
/// <param name="Dataset">The images its networks trained and were tested on (<see cref="DatasetOf"/>).</param>
/// <param name="JudgingRatio">The ground truth's bar for a band that can judge: its spread at least this many times its seed noise.</param>
public sealed record KnownAccuracies(string Source, string Protocol, string SpaceName, string Dataset, DateTimeOffset Taken,
    IReadOnlyList<KnownAccuracy> Networks, IReadOnlyList<KnownBand> Bands, double JudgingRatio)
{
    public const string FileName = "ground-truth.json";

    /// <summary>Fewer networks than this give no rank correlation worth a line.</summary>
    public const int MinimumNetworks = 4;

    /// <summary>A data set as a ground truth and a run name it: its reader, and its folder or file when not the reader's default.</summary>
    public static string DatasetOf(DatasetRequest data) =>
        data.Path is null ? Datasets.KindName(data.Kind) : $"{Datasets.KindName(data.Kind)} in {System.IO.Path.GetFullPath(data.Path)}";

    /// <summary>
    /// A one-line reason this ground truth cannot judge a run of <paramref name="spaceName"/> on <paramref name="data"/>,
    /// or null; with <paramref name="space"/>, every network must also be an architecture of it.
    /// </summary>
    public string? Problem(string spaceName, DatasetRequest data, SearchSpace? space = null)
    {
        if (SpaceName != spaceName) return $"the ground truth in {Source} is of space {SpaceName}, and this run searches {spaceName}; give a ground truth of {spaceName} (dna ground-truth --space {spaceName})";
        if (Dataset != DatasetOf(data)) return $"the ground truth in {Source} was trained on {Dataset}, and this run searches on {DatasetOf(data)}; give a ground truth of the same data";
        if (Networks.Count < MinimumNetworks) return $"the ground truth in {Source} has {Networks.Count} trained networks; it needs {MinimumNetworks} or more (resume dna ground-truth there)";
        if (space is null) return null;
        foreach (var n in Networks)
            try { Architecture.Parse(n.Architecture, space); }
            catch (SpaceException e) { return $"the ground truth in {Source} holds {n.Architecture}, which is not an architecture of {space.Name} ({e.Message})"; }
        return null;
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions.Indented));

    public static KnownAccuracies? Read(string path) =>
        File.Exists(path) ? DurableJson.Read<KnownAccuracies>(path, "delete it, or give the run --ground-truth again") : null;
}
