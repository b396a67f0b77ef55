using DnaNas.Randomness;
namespace DnaNas.Data;

/// <summary>
/// A decoded image set: <see cref="Count"/> images of uint8 pixels in NCHW order (image, channel, row, column), with
/// one class index per image. The pixels are held in memory, or, for a set too large for that, read image by image
/// from the decoded cache file (<see cref="IsStreamed"/>); <see cref="CopyImage"/> reads either.
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
        : this(ArrayOf(pixels, labels, channels, height, width), labels, channels, height, width, classNames, mirrorKeepsLabels)
    {
    }

    private static ArrayPixels ArrayOf(byte[] pixels, int[] labels, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        long imageBytes = (long)channels * height * width;
        if (pixels.LongLength != imageBytes * labels.Length)
            throw new ArgumentException(
                $"{pixels.LongLength} pixel bytes do not hold {labels.Length} images of {channels}x{height}x{width}.", nameof(pixels));
        return new ArrayPixels(pixels, checked((int)imageBytes));
    }

    /// <summary>A set over <paramref name="store"/>'s images, one label each.</summary>
    internal ImageSet(PixelStore store, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames,
        bool mirrorKeepsLabels = true)
    {
        if (store.ImageSize != (long)channels * height * width)
            throw new ArgumentException($"Stored images of {store.ImageSize} bytes are not {channels}x{height}x{width}.", nameof(store));
        _store = store;
        Labels = CheckedLabels(labels, classNames);
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames.ToArray();
        MirrorKeepsLabels = mirrorKeepsLabels;
    }

    private static int[] CheckedLabels(int[] labels, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new ArgumentException("An image set needs at least one class name.", nameof(classNames));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException(
                    $"Label {labels[i]} of image {i} is outside the {classNames.Count} classes.", nameof(labels));
        }
        return labels;
    }

    private readonly PixelStore _store;

    /// <summary>False when a mirrored image may belong to another class (digits, text): then nothing flips it.</summary>
    public bool MirrorKeepsLabels { get; }

    /// <summary>The same images (arrays shared, not copied) with another mirror declaration.</summary>
    public ImageSet WithMirrorKeepsLabels(bool keeps) =>
        keeps == MirrorKeepsLabels ? this : new ImageSet(_store, Labels, Channels, Height, Width, ClassNames, keeps);

    /// <summary>True when the pixels are read from the decoded cache file on demand instead of held in memory.</summary>
    public bool IsStreamed => _store is FilePixels;

    /// <summary>
    /// All pixels, image after image, each image channel-major (C, H, W), for a set held in memory; a streamed set
    /// has no such array (use <see cref="CopyImage"/>).
    /// </summary>
    public byte[] Pixels => _store is ArrayPixels array
        ? array.Pixels
        : throw new InvalidOperationException($"This set of {Count:N0} images streams from '{((FilePixels)_store).Path}': read its images with CopyImage.");

    /// <summary>Copies image <paramref name="index"/> (<see cref="ImageSize"/> bytes) into <paramref name="destination"/>.</summary>
    public void CopyImage(int index, Span<byte> destination)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside the {Count} images.");
        if (destination.Length < ImageSize) throw new ArgumentException($"An image needs {ImageSize} bytes.", nameof(destination));
        _store.Read(index, destination);
    }

    /// <summary>The pixels of image <paramref name="index"/> without a copy, for a set held in memory.</summary>
    internal ReadOnlySpan<byte> ImageInMemory(int index) => ((ArrayPixels)_store).Image(index);

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

    /// <summary>
    /// A new set of the chosen images, in the order given: copies of their pixels for a set in memory, the same
    /// stored images for a streamed one (only the indices are copied).
    /// </summary>
    public ImageSet Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int source = indices[i];
            if ((uint)source >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {source} is outside the {Count} images.");
            labels[i] = Labels[source];
        }
        if (_store is FilePixels file)
            return new ImageSet(file.Select(indices), labels, Channels, Height, Width, ClassNames, MirrorKeepsLabels);

        int imageSize = ImageSize;
        var pixels = AllocatePixels(indices.Count, Channels, Height, Width);
        for (int i = 0; i < indices.Count; i++) ImageInMemory(indices[i]).CopyTo(pixels.AsSpan(i * imageSize, imageSize));
        return new ImageSet(pixels, labels, Channels, Height, Width, ClassNames, MirrorKeepsLabels);
    }

    /// <summary>The first <paramref name="count"/> images (all of them if the set is smaller), as <see cref="Subset"/> gives them.</summary>
    public ImageSet Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Subset(Enumerable.Range(0, Math.Min(count, Count)).ToArray());
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
        bool mirror = MirrorKeepsLabels && other.MirrorKeepsLabels;
        int[] labels = [.. Labels, .. other.Labels];
        return (_store, other._store) switch
        {
            (ArrayPixels a, ArrayPixels b) => new ImageSet([.. a.Pixels, .. b.Pixels], labels, Channels, Height, Width, ClassNames, mirror),
            // Training and validation images of a streamed set are views of one file: joined, they still are.
            (FilePixels a, FilePixels b) when a.Join(b) is { } joined => new ImageSet(joined, labels, Channels, Height, Width, ClassNames, mirror),
            _ => throw new InvalidOperationException("Cannot join image sets stored in different places (memory and a cache file, or two files)."),
        };
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
