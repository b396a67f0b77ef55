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
}
