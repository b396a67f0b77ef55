using static TorchSharp.torch;

namespace DnaNas.Data;

/// <summary>Resizes and converts whole in-memory image sets with torch (used for idx and digits data).</summary>
internal static class ImageResampler
{
    // Bounds the float copy interpolate needs: 2048 images of 3x64x64 floats are 100 MB.
    private const int ImagesPerChunk = 2048;

    /// <summary>
    /// Returns <paramref name="set"/> as <paramref name="size"/> x <paramref name="size"/> images with
    /// <paramref name="channels"/> channels; the set itself when it already fits.
    /// </summary>
    public static ImageSet Fit(ImageSet set, int size, int channels)
    {
        // Fail on the final shape before spending seconds on a resize whose result could not be held anyway.
        ImageSet.CheckFitsOneArray(set.Count, channels, size, size);
        var resized = set.Height == size && set.Width == size ? set : Resize(set, size);
        return resized.Channels == channels ? resized : ReplicateGray(resized, channels);
    }

    /// <summary>
    /// Bilinear with antialiasing (torchvision's Resize default): smooth when enlarging, averages instead
    /// of skipping pixels when shrinking, and deterministic on CPU whatever the thread count.
    /// </summary>
    private static ImageSet Resize(ImageSet set, int size)
    {
        TorchRuntime.Initialize();
        int targetImageSize = set.Channels * size * size;
        var pixels = ImageSet.AllocatePixels(set.Count, set.Channels, size, size);

        using var scope = NewDisposeScope();
        // from_array shares the managed array (pinned while the tensor lives) instead of copying 47 MB.
        var all = from_array(set.Pixels).view(set.Count, set.Channels, set.Height, set.Width);
        for (int start = 0; start < set.Count; start += ImagesPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            int count = Math.Min(ImagesPerChunk, set.Count - start);
            var chunk = all.narrow(0, start, count).to_type(ScalarType.Float32);
            var scaled = nn.functional.interpolate(
                chunk, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            var bytes = scaled.round_().clamp_(0, 255).to_type(ScalarType.Byte).contiguous();
            bytes.bytes.CopyTo(pixels.AsSpan((int)((long)start * targetImageSize), count * targetImageSize));
        }
        return new ImageSet(pixels, set.Labels, set.Channels, size, size, set.ClassNames, set.MirrorKeepsLabels);
    }

    /// <summary>Gray to RGB by copying the one plane into each channel.</summary>
    private static ImageSet ReplicateGray(ImageSet set, int channels)
    {
        if (set.Channels != 1)
            throw new NotSupportedException($"Cannot convert {set.Channels}-channel images to {channels} channels.");
        int planeSize = set.Height * set.Width;
        var pixels = ImageSet.AllocatePixels(set.Count, channels, set.Height, set.Width);
        for (int image = 0; image < set.Count; image++)
        {
            var plane = set.Pixels.AsSpan((int)((long)image * planeSize), planeSize);
            for (int channel = 0; channel < channels; channel++)
                plane.CopyTo(pixels.AsSpan((int)(((long)image * channels + channel) * planeSize), planeSize));
        }
        return new ImageSet(pixels, set.Labels, channels, set.Height, set.Width, set.ClassNames, set.MirrorKeepsLabels);
    }
}
