using System.Text.Json.Serialization;

namespace DnaNas.Data;

/// <summary>What to load and how to shape it.</summary>
/// <param name="Kind">Which reader to use.</param>
/// <param name="Path">Folder or file to read; null picks the reader's default location.</param>
/// <param name="InputSize">Images are resized to InputSize x InputSize.</param>
/// <param name="Channels">1 (gray) or 3 (RGB).</param>
public sealed record DatasetRequest(DatasetKind Kind, string? Path, int InputSize, int Channels)
{
    /// <summary>Share of the training images held out as validation: 1/6 is 10k of the 60k Fashion-MNIST images.</summary>
    public double ValidationFraction { get; init; } = 1.0 / 6;

    /// <summary>
    /// Seeds every split and subset, so the same seed always gives the same images. Kept apart from a run's seed
    /// (fixed at 0 by default), so runs compared across seeds rate and test on the same images. All 64 bits count.
    /// </summary>
    public long SplitSeed { get; init; } = 0;

    /// <summary>Cache folder; null uses <see cref="Datasets.DefaultCacheDirectory"/>.</summary>
    public string? CacheDir { get; init; }

    /// <summary>False decodes from the source files every time and writes no cache file.</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>
    /// Decoded pixel bytes held in memory at most; a larger set streams from the decoded cache file image by image.
    /// Null: <see cref="Datasets.DefaultInMemoryLimit"/>. Not part of the JSON: where pixels live changes no result.
    /// </summary>
    [JsonIgnore]
    public long? InMemoryLimitBytes { get; init; }

    /// <summary>Keep at most this many training images (stratified, after the validation split).</summary>
    public int? MaxTrain { get; init; }

    /// <summary>Keep at most this many validation images (stratified, after the validation split).</summary>
    public int? MaxValidation { get; init; }

    /// <summary>Keep at most this many test images (stratified).</summary>
    public int? MaxTest { get; init; }

    /// <summary>
    /// Declares that a left-right mirror changes what an image shows (text, arrows, left/right classes), for data
    /// whose reader assumes it does not (an image folder): the loaded sets are then never flipped. It can only
    /// forbid flips, never allow them on data that forbids them itself (digits).
    /// Left out of the JSON when false, so configurations written before it keep their fingerprints.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool MirrorChangesLabels { get; init; }

    /// <summary>
    /// What makes this request another data set than <paramref name="other"/>, or another split of it (subsets of the
    /// same training split are the same data), in a few words; null when they are the same.
    /// </summary>
    public string? DifferenceFrom(DatasetRequest other)
    {
        static string? Full(string? path) => path is null ? null : System.IO.Path.GetFullPath(path).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if (Kind != other.Kind) return $"{Datasets.KindName(Kind)}, not {Datasets.KindName(other.Kind)}";
        if (Full(Path) != Full(other.Path)) return $"{Path ?? "the default location"}, not {other.Path ?? "the default location"}";
        if (InputSize != other.InputSize || Channels != other.Channels)
            return $"{InputSize}x{InputSize}x{Channels}, not {other.InputSize}x{other.InputSize}x{other.Channels}";
        if (SplitSeed != other.SplitSeed || ValidationFraction != other.ValidationFraction)
            return $"split seed {SplitSeed} and validation fraction {ValidationFraction:0.###}, not {other.SplitSeed} and {other.ValidationFraction:0.###}";
        return null;
    }
}
