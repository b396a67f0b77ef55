using DnaNas.Randomness;
namespace DnaNas.Data;

/// <summary>Entry point of the dataset layer: read, resize, split and cache.</summary>
public static class Datasets
{
    public const string DefaultFashionMnistDir = "/usr/share/datasets/fashion-mnist";

    private const int MaxInputSize = 1024;

    private static readonly (string Name, DatasetKind Kind)[] KindNames =
    [
        ("fashion-mnist", DatasetKind.FashionMnist),
        ("folder", DatasetKind.ImageFolder),
        ("digits", DatasetKind.Digits),
    ];

    /// <summary>
    /// Cache folder used when a request names none: $DNANAS_CACHE, else $XDG_CACHE_HOME/dnanas, else ~/.cache/dnanas.
    /// </summary>
    public static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("DNANAS_CACHE") is { Length: > 0 } explicitDirectory) return explicitDirectory;
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "dnanas");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dnanas");
    }

    /// <summary>"fashion-mnist", "folder" or "digits" (any case).</summary>
    public static DatasetKind ParseKind(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (kindName, kind) in KindNames)
        {
            if (string.Equals(kindName, name.Trim(), StringComparison.OrdinalIgnoreCase)) return kind;
        }
        throw new DatasetException(
            $"Unknown dataset '{name}': use one of {string.Join(", ", KindNames.Select(entry => entry.Name))}.");
    }

    /// <summary>The name <see cref="ParseKind"/> accepts for <paramref name="kind"/>.</summary>
    public static string KindName(DatasetKind kind) =>
        KindNames.First(entry => entry.Kind == kind).Name;

    public static DatasetSplits Load(DatasetRequest request) => Load(request, out _);

    /// <summary>
    /// Reads the dataset (or its cache file), resized to InputSize x InputSize with the requested channels, and
    /// splits it: validation is a stratified share of the training images, then the Max* limits apply.
    /// </summary>
    /// <remarks>
    /// With Max* limits and no cache file of the whole set at this shape, the images are chosen from the labels
    /// first and only the chosen ones are resized or decoded: 16 images at 224x224 must not cost (or overflow) a
    /// 9 GB array of all 60,000. The images chosen are the same either way, and so are their bytes, because every
    /// split depends on labels only and resizing works image by image.
    /// A set whose images need more than the in-memory limit (<see cref="DatasetRequest.InMemoryLimitBytes"/>) is
    /// decoded a chunk at a time into the cache file and its splits read images from there on demand
    /// (<see cref="ImageSet.IsStreamed"/>): memory stays flat whatever the set's size, and the batches are the same.
    /// </remarks>
    /// <param name="fromCache">True when the decoded images came from the cache file, not the source files.</param>
    public static DatasetSplits Load(DatasetRequest request, out bool fromCache)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);

        DatasetSource source = request.Kind switch
        {
            DatasetKind.FashionMnist => FashionMnistSource.Locate(request.Path),
            DatasetKind.ImageFolder => ImageFolderSource.Locate(request.Path),
            DatasetKind.Digits => DigitsSource.Locate(request.Path),
            _ => throw new DatasetException($"Unknown dataset kind {request.Kind}."),
        };
        // The declaration comes from the source and the request, never from the cache file, so an old cache
        // file cannot re-enable flips.
        bool mirrorKeepsLabels = source.MirrorKeepsLabels && !request.MirrorChangesLabels;

        long inMemoryLimit = request.InMemoryLimitBytes ?? DefaultInMemoryLimit();
        OpenedSource? opened = null;
        if (HasLimits(request) && !CacheHoldsWholeSet(source, request))
        {
            opened = source.Open(request.SplitSeed);
            var chosen = Choose(opened.PoolLabels, opened.TestLabels, opened.ClassNames.Count, request);
            // Too many chosen images to hold: decode the whole set into the cache file once and stream from it.
            int chosenImages = chosen.Train.Length + chosen.Validation.Length + chosen.Test.Length;
            if (OpenedSource.BytesOf(chosenImages, request.InputSize, request.Channels) <= inMemoryLimit)
            {
                fromCache = false;
                ImageSet Decode(bool test, int[] indices) =>
                    opened.Decode(test, indices, request.InputSize, request.Channels).WithMirrorKeepsLabels(mirrorKeepsLabels);
                return Finish(Decode(false, chosen.Train), Decode(false, chosen.Validation), Decode(true, chosen.Test), source.Name);
            }
        }

        var data = ReadThroughCache(source, opened, request, inMemoryLimit, out fromCache);
        var pool = data.TrainPool.WithMirrorKeepsLabels(mirrorKeepsLabels);
        var test = data.Test.WithMirrorKeepsLabels(mirrorKeepsLabels);
        var picked = Choose(pool.Labels, test.Labels, pool.ClassCount, request);
        return Finish(pool.Subset(picked.Train), pool.Subset(picked.Validation), test.Subset(picked.Test), source.Name);
    }

    /// <summary>
    /// Decoded images a load holds in memory at most (1 GiB, or $DNANAS_IN_MEMORY_MB); a larger set streams from the
    /// decoded cache file image by image, so its size never shows in a process's memory.
    /// </summary>
    public static long DefaultInMemoryLimit() =>
        Environment.GetEnvironmentVariable("DNANAS_IN_MEMORY_MB") is { Length: > 0 } text
            ? long.TryParse(text, out long megabytes) && megabytes >= 0
                ? megabytes << 20
                : throw new DatasetException($"DNANAS_IN_MEMORY_MB is '{text}': set it to a whole number of megabytes, or unset it for 1024.")
            : 1L << 30;

    private static bool HasLimits(DatasetRequest request) =>
        request.MaxTrain is not null || request.MaxValidation is not null || request.MaxTest is not null;

    private static bool CacheHoldsWholeSet(DatasetSource source, DatasetRequest request) =>
        request.UseCache && File.Exists(DatasetCache.FileFor(request.CacheDir ?? DefaultCacheDirectory(), source, DatasetCache.KeyFor(source, request)));

    private static void Validate(DatasetRequest request)
    {
        if (request.InputSize is < 1 or > MaxInputSize)
            throw new DatasetException($"Input size {request.InputSize} is out of range: use 1 to {MaxInputSize}.");
        if (request.Channels is not (1 or 3))
            throw new DatasetException($"Channel count {request.Channels} is not supported: use 1 (gray) or 3 (RGB).");
        if (!(request.ValidationFraction is >= 0 and < 1))
            throw new DatasetException($"Validation fraction {request.ValidationFraction} is out of range: use 0 or more and less than 1.");
        CheckLimit(request.MaxTrain, "MaxTrain");
        CheckLimit(request.MaxValidation, "MaxValidation");
        CheckLimit(request.MaxTest, "MaxTest");

        static void CheckLimit(int? limit, string name)
        {
            if (limit is < 1) throw new DatasetException($"{name} {limit} is out of range: use 1 or more, or leave it unset.");
        }
    }

    /// <param name="opened">The source already opened by the caller, or null: it is opened only if decoding is needed.</param>
    private static SourceData ReadThroughCache(DatasetSource source, OpenedSource? opened, DatasetRequest request, long inMemoryLimit, out bool fromCache)
    {
        fromCache = false;
        int size = request.InputSize, channels = request.Channels;
        if (!request.UseCache)
        {
            opened ??= source.Open(request.SplitSeed);
            if (opened.DecodedBytes(size, channels) > inMemoryLimit)
                throw new DatasetException(
                    $"{TooManyToHold(opened, size, channels, inMemoryLimit)}, and without the cache they cannot stream from disk: " +
                    "turn the cache on, or use fewer images (--max-train, --max-validation, --max-test) or a smaller input size.");
            return opened.DecodeAll(size, channels);
        }

        string key = DatasetCache.KeyFor(source, request);
        string file = DatasetCache.FileFor(request.CacheDir ?? DefaultCacheDirectory(), source, key);
        if (DatasetCache.TryRead(file, key, inMemoryLimit) is { } cached)
        {
            fromCache = true;
            return cached;
        }

        opened ??= source.Open(request.SplitSeed);
        if (opened.DecodedBytes(size, channels) <= inMemoryLimit)
        {
            var data = opened.DecodeAll(size, channels);
            DatasetCache.TryWrite(file, key, data);
            return data;
        }

        try
        {
            DatasetCache.WriteStreamed(file, key, opened, size, channels);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException(
                $"{TooManyToHold(opened, size, channels, inMemoryLimit)}, so they stream from '{file}', which cannot be written " +
                $"({e.Message.TrimEnd('.')}): free disk space there or point DNANAS_CACHE at a folder with room.", e);
        }
        return DatasetCache.TryRead(file, key, inMemoryLimit)
            ?? throw new DatasetException($"The decoded image cache '{file}' does not read back: delete it and run again.");
    }

    private static string TooManyToHold(OpenedSource opened, int size, int channels, long inMemoryLimit) =>
        $"{opened.PoolLabels.Length + opened.TestLabels.Length:N0} images of {channels}x{size}x{size} are " +
        $"{opened.DecodedBytes(size, channels) / 1e9:F1} GB, more than the {inMemoryLimit / 1e9:F1} GB held in memory (DNANAS_IN_MEMORY_MB)";

    /// <summary>Which images of the pool and of the test set each split keeps, from the labels alone.</summary>
    private sealed record Chosen(int[] Train, int[] Validation, int[] Test);

    private static Chosen Choose(int[] poolLabels, int[] testLabels, int classCount, DatasetRequest request)
    {
        int validationCount = StratifiedSampler.CountFor(poolLabels.Length, request.ValidationFraction);
        var (validationIndices, trainIndices) = StratifiedSampler.Split(
            poolLabels, classCount, validationCount, StableRandom.Mix(request.SplitSeed, SeedStreams.Validation));

        return new Chosen(
            Limit(poolLabels, classCount, trainIndices, request.MaxTrain, request.SplitSeed, SeedStreams.TrainSubset),
            Limit(poolLabels, classCount, validationIndices, request.MaxValidation, request.SplitSeed, SeedStreams.ValidationSubset),
            Limit(testLabels, classCount, Enumerable.Range(0, testLabels.Length).ToArray(), request.MaxTest, request.SplitSeed, SeedStreams.TestSubset));
    }

    private static DatasetSplits Finish(ImageSet train, ImageSet validation, ImageSet test, string name)
    {
        if (train.Count == 0)
            throw new DatasetException($"Dataset '{name}' leaves no training images: add images or lower the validation fraction.");
        var (mean, std) = PixelStatistics.Compute(train);
        return new DatasetSplits(train, validation, test, name, mean, std);
    }

    /// <summary>The chosen <paramref name="indices"/>, cut to a stratified, seeded subset of at most <paramref name="limit"/>.</summary>
    private static int[] Limit(int[] labels, int classCount, int[] indices, int? limit, long seed, long stream)
    {
        if (limit is { } max && max < indices.Length)
        {
            var chosenLabels = indices.Select(index => labels[index]).ToArray();
            var (kept, _) = StratifiedSampler.Split(chosenLabels, classCount, max, StableRandom.Mix(seed, stream));
            indices = kept.Select(position => indices[position]).ToArray();
        }
        return indices;
    }
}
