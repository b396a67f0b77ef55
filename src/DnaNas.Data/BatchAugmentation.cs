using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Data;

/// <summary>Augmentation of whole batches, with every random draw from one generator.</summary>
public static class BatchAugmentation
{
    /// <summary>
    /// Random crop after zero padding, and a random horizontal flip, for every image at once: each output
    /// pixel is read from (row offset + r, column offset + c, or its mirror) of the padded batch through two
    /// gathers over per-image index grids. Works on any element type: raw pixels (<see cref="BatchLoader"/>) or
    /// normalised images, where the padding is the mean (a self-supervised method's views).
    /// </summary>
    public static Tensor Apply(Tensor images, AugmentOptions options, Generator generator)
    {
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        int pad = options.PadCrop;

        var rows = arange(height, dtype: ScalarType.Int64).unsqueeze(0);     // [1, H]
        var columns = arange(width, dtype: ScalarType.Int64).unsqueeze(0);   // [1, W]
        if (pad > 0)
        {
            images = nn.functional.pad(images, [pad, pad, pad, pad], PaddingModes.Constant, 0);
            rows = HeldScalars.Plus(rows, randint(0, 2 * pad + 1, [batch, 1], dtype: ScalarType.Int64, generator: generator));
            columns = HeldScalars.Plus(columns, randint(0, 2 * pad + 1, [batch, 1], dtype: ScalarType.Int64, generator: generator));
        }
        if (options.HorizontalFlip)
        {
            using var half = 0.5.ToScalar(); // held through the call (see HeldScalars)
            var flipped = rand([batch, 1], generator: generator).lt(half);
            // Mirroring the window [offset, offset + W) reads column offset + W - 1 - c for output column c.
            var offset = columns.narrow(1, 0, 1);
            using Scalar last = width - 1;
            columns = where(flipped, HeldScalars.Plus(HeldScalars.Plus(offset, offset), last).sub(columns), columns);
        }

        if (pad > 0)
        {
            long paddedWidth = images.shape[3];
            images = images.gather(2, rows.view(batch, 1, height, 1).expand(batch, channels, height, paddedWidth));
        }
        return images.gather(3, columns.expand(batch, width).reshape(batch, 1, 1, width).expand(batch, channels, height, width));
    }
}
