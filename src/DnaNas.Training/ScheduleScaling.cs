namespace DnaNas.Training;

/// <summary>
/// Presets are written as epochs over a reference data set (Fashion-MNIST's 50,000 training images); what they mean is
/// a number of optimisation steps. On other data the epochs are rescaled to keep the steps: a folder of 1,500 photos
/// gets many more epochs than Fashion-MNIST, 100,000 photos fewer. Small sets are capped at <see cref="MaxEpochs"/>,
/// past which they mostly memorise. On the reference data the preset's own epochs come back unchanged.
/// </summary>
public static class ScheduleScaling
{
    public const int MaxEpochs = 40;

    /// <summary>Fashion-MNIST's training split (60,000 less the 10,000 validation images): what the presets' epochs are written for.</summary>
    public const int ReferenceTrainImages = 50_000;

    public static int Epochs(int referenceEpochs, long referenceImages, long images)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        if (images == referenceImages) return referenceEpochs;
        double scaled = (double)referenceEpochs * referenceImages / images;
        return (int)Math.Clamp(Math.Round(scaled, MidpointRounding.AwayFromZero), 1, Math.Max(MaxEpochs, referenceEpochs));
    }
}
