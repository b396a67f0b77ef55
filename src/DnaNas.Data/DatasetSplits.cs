namespace DnaNas.Data;

/// <summary>
/// The three splits of a dataset. Validation comes out of the training images and rates architectures;
/// Test is kept for final reports. <paramref name="Mean"/> and <paramref name="Std"/> are per channel,
/// in [0,1] pixel units, computed on <paramref name="Train"/>.
/// </summary>
public sealed record DatasetSplits(ImageSet Train, ImageSet Validation, ImageSet Test, string Name, float[] Mean, float[] Std);
