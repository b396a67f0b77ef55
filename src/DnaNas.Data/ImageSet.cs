using DnaNas.Randomness;
namespace DnaNas.Data;

/// <summary>
/// A decoded image set held in memory: <see cref="Count"/> images of uint8 pixels in NCHW order
/// (image, channel, row, column), with one class index per image.
/// </summary>
/// <remarks>
/// The set takes ownership of the arrays it is given (no copy): a 60,000-image set is 47 MB and every
/// split would otherwise duplicate it. Treat the arrays as read-only once the set exists.
/// </remarks>
public sealed class ImageSet
{
    /// <param name="mirrorKeepsLabels">
    /// Whether a left-right mirror of an image still shows its class: true for clothes or photos, false for
    /// digits, text or left/right classes. <see cref="BatchLoader"/> never flips a set that says false.
    /// </param>
    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames,
        bool mirrorKeepsLabels = true)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (classNames.Count == 0) throw new ArgumentException("An image set needs at least one class name.", nameof(classNames));

        long imageBytes = (long)channels * height * width;
        if (pixels.LongLength != imageBytes * labels.Length)
            throw new ArgumentException(
                $"{pixels.LongLength} pixel bytes do not hold {labels.Length} images of {channels}x{height}x{width}.", nameof(pixels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException(
                    $"Label {labels[i]} of image {i} is outside the {classNames.Count} classes.", nameof(labels));
        }

        Pixels = pixels;
        Labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames.ToArray();
        MirrorKeepsLabels = mirrorKeepsLabels;
    }

    /// <summary>False when a mirrored image may belong to another class (digits, text): then nothing flips it.</summary>
    public bool MirrorKeepsLabels { get; }

    /// <summary>The same images (arrays shared, not copied) with another mirror declaration.</summary>
    public ImageSet WithMirrorKeepsLabels(bool keeps) =>
        keeps == MirrorKeepsLabels ? this : new ImageSet(Pixels, Labels, Channels, Height, Width, ClassNames, keeps);

    /// <summary>All pixels, image after image, each image channel-major (C, H, W).</summary>
    public byte[] Pixels { get; }

    /// <summary>Class index of each image, in [0, <see cref="ClassCount"/>).</summary>
    public int[] Labels { get; }

    public int Count => Labels.Length;
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int ClassCount => ClassNames.Count;

    /// <summary>Bytes per image: Channels * Height * Width.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>
    /// A zeroed pixel array for <paramref name="count"/> images, or a one-line error when one array cannot hold
    /// them (60,000 Fashion-MNIST images at 3x224x224 are 9 GB; .NET arrays stop at 2 GB).
    /// </summary>
    internal static byte[] AllocatePixels(int count, int channels, int height, int width) =>
        new byte[CheckFitsOneArray(count, channels, height, width)];

    /// <summary>The pixel count of <paramref name="count"/> images, or the one-line error of <see cref="AllocatePixels"/>.</summary>
    internal static long CheckFitsOneArray(int count, int channels, int height, int width)
    {
        long bytes = (long)count * channels * height * width;
        if (bytes > Array.MaxLength)
            throw new DatasetException(
                $"{count:N0} images of {channels}x{height}x{width} need {bytes / 1e9:F1} GB, more than one array holds (2 GB): " +
                "use fewer images (--max-train, --max-test) or a smaller input size.");
        return bytes;
    }

    /// <summary>Number of images of each class, indexed by class.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>A new set holding copies of the chosen images, in the order given.</summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int imageSize = ImageSize;
        var pixels = new byte[(long)indices.Count * imageSize];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {source} is outside the {Count} images.");
            Array.Copy(Pixels, (long)source * imageSize, pixels, (long)i * imageSize, imageSize);
            labels[i] = Labels[source];
        }
        return new ImageSet(pixels, labels, Channels, Height, Width, ClassNames, MirrorKeepsLabels);
    }

    /// <summary>The first <paramref name="count"/> images (all of them if the set is smaller), copied.</summary>
    public ImageSet Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int taken = Math.Min(count, Count);
        var pixels = Pixels.AsSpan(0, checked(taken * ImageSize)).ToArray();
        var labels = Labels.AsSpan(0, taken).ToArray();
        return new ImageSet(pixels, labels, Channels, Height, Width, ClassNames, MirrorKeepsLabels);
    }

    /// <summary>This set's images followed by <paramref name="other"/>'s, copied; both must have the same shape and classes.</summary>
    public ImageSet Concat(ImageSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Channels != Channels || other.Height != Height || other.Width != Width || !other.ClassNames.SequenceEqual(ClassNames))
            throw new ArgumentException(
                $"Cannot join a {other.Channels}x{other.Height}x{other.Width} set of {other.ClassCount} classes to a {Channels}x{Height}x{Width} set of {ClassCount}.",
                nameof(other));
        // A mirror is safe for the joined set only when it is safe for both parts.
        return new ImageSet([.. Pixels, .. other.Pixels], [.. Labels, .. other.Labels], Channels, Height, Width, ClassNames,
            MirrorKeepsLabels && other.MirrorKeepsLabels);
    }

    /// <summary>
    /// A seeded, class-stratified subset of at most <paramref name="count"/> images in shuffled order, so that any
    /// prefix of it mixes the classes too (sets read from class folders come sorted by class).
    /// </summary>
    public ImageSet Sample(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int[] indices = count < Count
            ? StratifiedSampler.Split(Labels, ClassCount, count, StableRandom.Mix(seed, SeedStreams.Sample)).Taken
            : Enumerable.Range(0, Count).ToArray();
        new StableRandom(StableRandom.Mix(seed, SeedStreams.SampleOrder)).Shuffle(indices);
        return Subset(indices);
    }
}
