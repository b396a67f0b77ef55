namespace DnaNas.Data;

/// <summary>
/// Receives decoded images in order, whole images at a time: into one array (<see cref="ArraySink"/>), or appended
/// to a cache file as they come (<see cref="DatasetCache"/>), so a set larger than memory is never held at once.
/// </summary>
internal abstract class ImageSink
{
    protected ImageSink(int imageSize) => ImageSize = imageSize;

    public int ImageSize { get; }

    /// <summary>The next images, back to back: a multiple of <see cref="ImageSize"/> bytes.</summary>
    public abstract void Append(ReadOnlySpan<byte> images);
}

/// <summary>Collects <paramref name="count"/> images into one array (at most 2 GB: see <see cref="ImageSet.CheckFitsOneArray"/>).</summary>
internal sealed class ArraySink(int count, int channels, int height, int width) : ImageSink(channels * height * width)
{
    private long _written;

    // Allocated before anything is decoded, so a set that one array cannot hold fails at once.
    public byte[] Pixels { get; } = ImageSet.AllocatePixels(count, channels, height, width);

    public override void Append(ReadOnlySpan<byte> images)
    {
        images.CopyTo(Pixels.AsSpan(checked((int)_written)));
        _written += images.Length;
    }

    /// <summary>The filled array as a set; every image must have arrived.</summary>
    public ImageSet ToSet(int[] labels, IReadOnlyList<string> classNames)
    {
        if (_written != Pixels.LongLength)
            throw new InvalidOperationException($"{_written} of {Pixels.LongLength} pixel bytes were decoded.");
        return new ImageSet(Pixels, labels, channels, height, width, classNames);
    }
}
