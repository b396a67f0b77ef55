namespace DnaNas.Data;

/// <summary>Training-time augmentation applied by <see cref="BatchLoader"/> to whole batches.</summary>
/// <param name="PadCrop">Zero-pad each side by this many pixels, then crop back at a random offset; 0 disables it.</param>
/// <param name="HorizontalFlip">Mirror each image left-right with probability 1/2 (wrong for digits or text).</param>
public sealed record AugmentOptions(int PadCrop = 2, bool HorizontalFlip = true)
{
    /// <summary>True when the options change any image.</summary>
    public bool ChangesImages => PadCrop > 0 || HorizontalFlip;
}
