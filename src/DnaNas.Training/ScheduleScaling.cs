using System.Numerics;

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

    /// <summary>
    /// The fewest steps an epoch of a sized recipe takes. With drop-last, 210 images at batch 128 are one step an
    /// epoch, and 40 such steps leave the batch-norm statistics behind weights that move that fast: validation
    /// accuracy stayed at chance on a 300-icon folder while training accuracy reached 88%. Four, not more: on
    /// validation, batches 16, 32 and 64 tied on that folder and 32 tied with 128 on a 1,061-icon one
    /// (reports/batch-sizing-icons), and a smaller batch costs time (batch 32 trained the large folder's teacher
    /// 5 times slower), so the largest batch that gives enough steps wins.
    /// </summary>
    public const int MinStepsPerEpoch = 4;

    /// <summary>The smallest batch a sized recipe uses: batch-norm statistics of fewer images are too noisy.</summary>
    public const int MinBatchSize = 16;

    public static int Epochs(int referenceEpochs, long referenceImages, long images)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        if (images == referenceImages) return referenceEpochs;
        double scaled = (double)referenceEpochs * referenceImages / images;
        return (int)Math.Clamp(Math.Round(scaled, MidpointRounding.AwayFromZero), 1, Math.Max(MaxEpochs, referenceEpochs));
    }

    /// <summary>
    /// The preset's batch, or on a set too small for <see cref="MinStepsPerEpoch"/> steps of it, the largest power of
    /// two that gives them (never under <see cref="MinBatchSize"/>). Any set of 4 batches or more keeps the preset's.
    /// </summary>
    public static int BatchSize(int presetBatch, long images)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        long fits = images / MinStepsPerEpoch;
        if (fits >= presetBatch) return presetBatch;
        int batch = fits < 1 ? 1 : 1 << BitOperations.Log2((ulong)fits);
        return Math.Min(presetBatch, Math.Max(MinBatchSize, batch));
    }

    /// <summary>
    /// A recipe written for <paramref name="referenceImages"/> training images, sized for <paramref name="images"/>:
    /// the same steps (<see cref="Epochs"/>), a batch small enough for <see cref="MinStepsPerEpoch"/>, and the
    /// learning rate scaled with the batch (the linear rule of Goyal et al., 2017). On the reference data, unchanged.
    /// </summary>
    public static TrainRecipe Sized(TrainRecipe recipe, long referenceImages, long images)
    {
        int batch = BatchSize(recipe.BatchSize, images);
        return recipe with
        {
            Epochs = Epochs(recipe.Epochs, referenceImages, images),
            BatchSize = batch,
            LearningRate = batch == recipe.BatchSize ? recipe.LearningRate : recipe.LearningRate * batch / recipe.BatchSize,
        };
    }
}
