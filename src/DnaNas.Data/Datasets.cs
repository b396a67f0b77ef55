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

        DatasetSplits splits;
        if (HasLimits(request) && !CacheHoldsWholeSet(source, request))
        {
            fromCache = false;
            splits = SplitBeforeDecoding(source.Open(request.SplitSeed), source.Name, request, mirrorKeepsLabels);
        }
        else
        {
            var data = ReadThroughCache(source, request, out fromCache);
            var pool = data.TrainPool.WithMirrorKeepsLabels(mirrorKeepsLabels);
            var test = data.Test.WithMirrorKeepsLabels(mirrorKeepsLabels);
            var chosen = Choose(pool.Labels, test.Labels, pool.ClassCount, request);
            splits = Finish(pool.Subset(chosen.Train), pool.Subset(chosen.Validation), test.Subset(chosen.Test), source.Name);
        }
        return splits;
    }

    private static bool HasLimits(DatasetRequest request) =>
        request.MaxTrain is not null || request.MaxValidation is not null || request.MaxTest is not null;

    private static bool CacheHoldsWholeSet(DatasetSource source, DatasetRequest request) =>
        request.UseCache && File.Exists(DatasetCache.FileFor(request.CacheDir ?? DefaultCacheDirectory(), source, DatasetCache.KeyFor(source, request)));

    private static DatasetSplits SplitBeforeDecoding(OpenedSource opened, string name, DatasetRequest request, bool mirrorKeepsLabels)
    {
        var chosen = Choose(opened.PoolLabels, opened.TestLabels, opened.ClassNames.Count, request);
        ImageSet Decode(bool test, int[] indices) =>
            opened.Decode(test, indices, request.InputSize, request.Channels).WithMirrorKeepsLabels(mirrorKeepsLabels);
        return Finish(Decode(false, chosen.Train), Decode(false, chosen.Validation), Decode(true, chosen.Test), name);
    }

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

    private static SourceData ReadThroughCache(DatasetSource source, DatasetRequest request, out bool fromCache)
    {
        fromCache = false;
        if (!request.UseCache) return source.Read(request.InputSize, request.Channels, request.SplitSeed);

        string key = DatasetCache.KeyFor(source, request);
        string file = DatasetCache.FileFor(request.CacheDir ?? DefaultCacheDirectory(), source, key);
        if (DatasetCache.TryRead(file, key) is { } cached)
        {
            fromCache = true;
            return cached;
        }

        var data = source.Read(request.InputSize, request.Channels, request.SplitSeed);
        DatasetCache.TryWrite(file, key, data);
        return data;
    }

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
