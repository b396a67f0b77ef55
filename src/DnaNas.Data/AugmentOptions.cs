namespace DnaNas.Data;

/// <summary>Training-time augmentation applied by <see cref="BatchLoader"/> to whole batches.</summary>
/// <param name="PadCrop">Zero-pad each side by this many pixels, then crop back at a random offset; 0 disables it.</param>
/// <param name="HorizontalFlip">
/// Mirror each image left-right with probability 1/2, on data whose <see cref="ImageSet.MirrorKeepsLabels"/> is true;
/// a set that declares mirrors unsafe (digits) is never flipped, whatever this says.
/// </param>
public sealed record AugmentOptions(int PadCrop = 2, bool HorizontalFlip = true)
{
    /// <summary>True when the options change any image.</summary>
    public bool ChangesImages => PadCrop > 0 || HorizontalFlip;

    /// <summary>
    /// What <paramref name="requested"/> may do to <paramref name="set"/>: the flip is dropped where the set says a
    /// mirror changes the label, so no caller (a recipe default, a hard-coded transfer step) can flip digits.
    /// Null when nothing is left to do.
    /// </summary>
    public static AugmentOptions? For(ImageSet set, AugmentOptions? requested)
    {
        ArgumentNullException.ThrowIfNull(set);
        var allowed = requested is { HorizontalFlip: true } && !set.MirrorKeepsLabels ? requested with { HorizontalFlip = false } : requested;
        return allowed is { ChangesImages: true } ? allowed : null;
    }
}
