using static TorchSharp.torch;

namespace DnaNas.Data;

/// <summary>Resizes and converts in-memory image sets with torch (idx and digits data), a chunk of images at a time.</summary>
internal static class ImageResampler
{
    // Bounds the float copy interpolate needs: 2048 images of 3x64x64 floats are 100 MB; at 224x224 the chunk is
    // cut to about 64 MB of output, so a set resized straight into a cache file never grows in memory.
    private const int ImagesPerChunk = 2048;
    private const int ChunkBytes = 64 << 20;

    /// <summary>
    /// Appends the images of <paramref name="set"/>, in order, to <paramref name="sink"/> as <paramref name="size"/>
    /// x <paramref name="size"/> images with <paramref name="channels"/> channels.
    /// </summary>
    /// <remarks>
    /// Bilinear with antialiasing (torchvision's Resize default): smooth when enlarging, averages instead of skipping
    /// pixels when shrinking, deterministic on CPU whatever the thread count, and image by image, so the bytes of an
    /// image do not depend on which chunk or subset it was resized with.
    /// </remarks>
    public static void FitInto(ImageSet set, int size, int channels, ImageSink sink)
    {
        if (set.Channels != channels && set.Channels != 1)
            throw new NotSupportedException($"Cannot convert {set.Channels}-channel images to {channels} channels.");
        bool resize = set.Height != size || set.Width != size;
        if (!resize && channels == set.Channels)
        {
            sink.Append(set.Pixels);
            return;
        }
        TorchRuntime.Initialize();
        int outputImageSize = channels * size * size;
        int perChunk = Math.Clamp(ChunkBytes / outputImageSize, 1, ImagesPerChunk);

        using var scope = NewDisposeScope();
        // from_array shares the managed array (pinned while the tensor lives) instead of copying 47 MB.
        var all = from_array(set.Pixels).view(set.Count, set.Channels, set.Height, set.Width);
        var converted = new byte[(long)perChunk * outputImageSize];
        for (int start = 0; start < set.Count; start += perChunk)
        {
            using var chunkScope = NewDisposeScope();
            int count = Math.Min(perChunk, set.Count - start);
            var chunk = all.narrow(0, start, count);
            if (resize)
            {
                chunk = nn.functional.interpolate(
                        chunk.to_type(ScalarType.Float32), size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)
                    .round_().clamp_(0, 255).to_type(ScalarType.Byte);
            }
            // Gray to RGB copies the one plane into each channel.
            if (channels != set.Channels) chunk = chunk.expand(count, channels, size, size);
            var bytes = converted.AsSpan(0, count * outputImageSize);
            chunk.contiguous().bytes.CopyTo(bytes);
            sink.Append(bytes);
        }
    }
}
