using System.Buffers.Binary;

namespace DnaNas.Data;

/// <summary>Fashion-MNIST in idx format (LeCun's MNIST layout), as shipped by Debian's dataset-fashion-mnist.</summary>
internal sealed class FashionMnistSource : DatasetSource
{
    private const int ImagesMagic = 2051;   // 0x00000803: unsigned bytes, 3 dimensions
    private const int LabelsMagic = 2049;   // 0x00000801: unsigned bytes, 1 dimension
    private const int MaxSide = 4096;

    private const string InstallHint = "install it with: sudo apt-get install dataset-fashion-mnist, or pass --data DIR";
    private const string ReinstallHint = "re-install with: sudo apt-get install --reinstall dataset-fashion-mnist, or pass --data DIR";

    private static readonly string[] FashionClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private readonly string _trainImages, _trainLabels, _testImages, _testLabels;

    private FashionMnistSource(string folder, string trainImages, string trainLabels, string testImages, string testLabels)
    {
        Location = folder;
        (_trainImages, _trainLabels, _testImages, _testLabels) = (trainImages, trainLabels, testImages, testLabels);
    }

    public override string Name => "fashion-mnist";
    public override string Location { get; }
    public override IReadOnlyList<string> Files => [_trainImages, _trainLabels, _testImages, _testLabels];
    public override bool TestSplitDependsOnSeed => false;

    // Clothes stay clothes in a mirror; flips are the usual Fashion-MNIST augmentation.
    public override bool MirrorKeepsLabels => true;

    public static FashionMnistSource Locate(string? path)
    {
        string folder = Path.GetFullPath(path ?? Datasets.DefaultFashionMnistDir);
        if (!Directory.Exists(folder))
            throw new DatasetException($"Fashion-MNIST folder '{folder}' does not exist: {InstallHint}.");
        return new FashionMnistSource(
            folder,
            FindFile(folder, "train-images-idx3-ubyte"),
            FindFile(folder, "train-labels-idx1-ubyte"),
            FindFile(folder, "t10k-images-idx3-ubyte"),
            FindFile(folder, "t10k-labels-idx1-ubyte"));
    }

    /// <summary>The packaged .gz file, or an unpacked copy of it.</summary>
    private static string FindFile(string folder, string baseName)
    {
        string packed = Path.Combine(folder, baseName + ".gz");
        if (File.Exists(packed)) return packed;
        string unpacked = Path.Combine(folder, baseName);
        if (File.Exists(unpacked)) return unpacked;
        throw new DatasetException($"Fashion-MNIST file '{packed}' is missing: {InstallHint}.");
    }

    // 28x28 gray is 55 MB for all 70k images: cheap to hold while the few chosen ones are resized.
    public override OpenedSource Open(long splitSeed) => new InMemorySource(ReadNative());

    /// <summary>The package's train and t10k sets at their own size; the test split is t10k, no seed involved.</summary>
    private SourceData ReadNative() => new(ReadPair(_trainImages, _trainLabels), ReadPair(_testImages, _testLabels));

    private static ImageSet ReadPair(string imagesFile, string labelsFile)
    {
        var labels = ReadLabels(labelsFile);
        var (pixels, count, rows, columns) = ReadImages(imagesFile);
        if (count != labels.Length)
            throw new DatasetException(
                $"'{imagesFile}' has {count} images but '{labelsFile}' has {labels.Length} labels: {ReinstallHint}.");
        return new ImageSet(pixels, labels, 1, rows, columns, FashionClassNames);
    }

    private static int[] ReadLabels(string file) => ReadIdx(file, stream =>
    {
        ReadHeader(stream, file, LabelsMagic, "label", dimensions: 1, out var sizes);
        var bytes = ReadPayload(stream, file, sizes[0]);
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] >= FashionClassNames.Length)
                throw new DatasetException(
                    $"'{file}' has label {bytes[i]} at index {i}, expected 0-{FashionClassNames.Length - 1}: {ReinstallHint}.");
            labels[i] = bytes[i];
        }
        return labels;
    });

    private static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string file) => ReadIdx(file, stream =>
    {
        ReadHeader(stream, file, ImagesMagic, "image", dimensions: 3, out var sizes);
        int count = sizes[0], rows = sizes[1], columns = sizes[2];
        if (rows is < 1 or > MaxSide || columns is < 1 or > MaxSide)
            throw new DatasetException($"'{file}' claims {rows}x{columns} images: {ReinstallHint}.");
        long total = (long)count * rows * columns;
        if (total > Array.MaxLength)
            throw new DatasetException($"'{file}' claims {count} images of {rows}x{columns}, too many to hold: {ReinstallHint}.");
        return (ReadPayload(stream, file, (int)total), count, rows, columns);
    });

    /// <summary>Runs <paramref name="parse"/> on the opened file and turns read failures into one-line errors.</summary>
    private static T ReadIdx<T>(string file, Func<Stream, T> parse)
    {
        try
        {
            using var stream = CompressedFile.OpenRead(file);
            var result = parse(stream);
            // Reading on to the end makes the gzip layer check its CRC, and catches files with extra data.
            if (stream.ReadByte() != -1)
                throw new DatasetException($"'{file}' has data after the last item: {ReinstallHint}.");
            return result;
        }
        catch (EndOfStreamException e)
        {
            throw new DatasetException($"'{file}' is truncated: {ReinstallHint}.", e);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"'{file}' is corrupt (its gzip data does not decode): {ReinstallHint}.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"Cannot read '{file}' ({e.Message.TrimEnd('.')}): {ReinstallHint}.", e);
        }
    }

    /// <summary>idx header: big-endian magic, then one big-endian size per dimension.</summary>
    private static void ReadHeader(Stream stream, string file, int expectedMagic, string what, int dimensions, out int[] sizes)
    {
        Span<byte> header = stackalloc byte[4 * (1 + dimensions)];
        stream.ReadExactly(header);
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic != expectedMagic)
            throw new DatasetException(
                $"'{file}' is not an idx {what} file (magic number {magic}, expected {expectedMagic}): {ReinstallHint}.");
        sizes = new int[dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            sizes[d] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * d)..]);
            if (sizes[d] < 0)
                throw new DatasetException($"'{file}' has a negative size in its header: {ReinstallHint}.");
        }
    }

    private static byte[] ReadPayload(Stream stream, string file, int length)
    {
        var bytes = new byte[length];
        int read = stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
        if (read < length)
            throw new DatasetException($"'{file}' is truncated ({read} of {length} data bytes): {ReinstallHint}.");
        return bytes;
    }
}
