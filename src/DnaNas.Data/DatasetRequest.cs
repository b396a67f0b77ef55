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

    /// <summary>Seeds every split and subset, so the same seed always gives the same images.</summary>
    public int SplitSeed { get; init; } = 0;

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
}
