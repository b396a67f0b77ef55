namespace DnaNas.Data;

/// <summary>What a reader produces before the validation split: the training pool and the test set.</summary>
internal sealed record SourceData(ImageSet TrainPool, ImageSet Test);

/// <summary>
/// A located dataset: its files are known to exist, so the cache key can be computed before anything is
/// decoded. <see cref="Read"/> decodes, resizes and converts channels.
/// </summary>
internal abstract class DatasetSource
{
    /// <summary>Short name for reports and cache file names, e.g. "fashion-mnist".</summary>
    public abstract string Name { get; }

    /// <summary>Full path of the folder or file the data comes from.</summary>
    public abstract string Location { get; }

    /// <summary>Every file whose contents end up in the data; their sizes and times key the cache.</summary>
    public abstract IReadOnlyList<string> Files { get; }

    /// <summary>True when the test split is drawn at random from the source, so it depends on the split seed.</summary>
    public abstract bool TestSplitDependsOnSeed { get; }

    public abstract SourceData Read(int inputSize, int channels, int splitSeed);

    /// <summary>Holds out a stratified, seeded share of <paramref name="all"/> as the test set.</summary>
    protected static SourceData HoldOutTest(ImageSet all, double testFraction, int splitSeed)
    {
        int testCount = StratifiedSampler.CountFor(all.Count, testFraction);
        var (test, train) = StratifiedSampler.Split(
            all.Labels, all.ClassCount, testCount, StableRandom.Mix(splitSeed, SeedStreams.TestHoldout));
        return new SourceData(all.Subset(train), all.Subset(test));
    }
}

/// <summary>Separate random streams derived from one split seed, so changing one split leaves the others alone.</summary>
internal static class SeedStreams
{
    public const long TestHoldout = 1;
    public const long Validation = 2;
    public const long TrainSubset = 3;
    public const long ValidationSubset = 4;
    public const long TestSubset = 5;
    public const long Sample = 6;
    public const long SampleOrder = 7;
}
