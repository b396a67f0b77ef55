using DnaNas.Randomness;
namespace DnaNas.Data;

/// <summary>What a reader produces before the validation split: the training pool and the test set.</summary>
internal sealed record SourceData(ImageSet TrainPool, ImageSet Test);

/// <summary>
/// A source opened for choosing images before decoding them: the labels of the training pool and of the test set
/// (after any seeded test hold-out), and a way to decode just the chosen images at the requested shape.
/// </summary>
internal abstract class OpenedSource
{
    public abstract int[] PoolLabels { get; }
    public abstract int[] TestLabels { get; }
    public abstract IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Appends images <paramref name="indices"/> of the pool (or of the test set), in that order, at size x size x
    /// channels, to <paramref name="sink"/>, a chunk at a time: a cache file can take a set larger than memory.
    /// </summary>
    public abstract void DecodeInto(bool test, int[] indices, int size, int channels, ImageSink sink);

    /// <summary>Images <paramref name="indices"/> of the pool (or of the test set), in that order, in memory.</summary>
    public ImageSet Decode(bool test, int[] indices, int size, int channels)
    {
        var sink = new ArraySink(indices.Length, channels, size, size);
        DecodeInto(test, indices, size, channels, sink);
        var labels = test ? TestLabels : PoolLabels;
        return sink.ToSet(indices.Select(i => labels[i]).ToArray(), ClassNames);
    }

    /// <summary>Every image of the pool and of the test set, in memory.</summary>
    public SourceData DecodeAll(int size, int channels) =>
        new(Decode(false, AllOf(PoolLabels), size, channels), Decode(true, AllOf(TestLabels), size, channels));

    /// <summary>Bytes of every image of the pool and the test set at size x size x channels.</summary>
    public long DecodedBytes(int size, int channels) => BytesOf(PoolLabels.Length + TestLabels.Length, size, channels);

    /// <summary>Bytes of <paramref name="images"/> decoded images at size x size x channels.</summary>
    public static long BytesOf(int images, int size, int channels) => (long)images * channels * size * size;

    public static int[] AllOf(int[] labels) => Enumerable.Range(0, labels.Length).ToArray();
}

/// <summary>An opened source whose images are already in memory at their own size (idx and digits: a few MB).</summary>
internal sealed class InMemorySource(SourceData native) : OpenedSource
{
    public override int[] PoolLabels => native.TrainPool.Labels;
    public override int[] TestLabels => native.Test.Labels;
    public override IReadOnlyList<string> ClassNames => native.TrainPool.ClassNames;

    // Resizing works image by image, so resizing the subset gives the same bytes as subsetting the resized set.
    public override void DecodeInto(bool test, int[] indices, int size, int channels, ImageSink sink) =>
        ImageResampler.FitInto((test ? native.Test : native.TrainPool).Subset(indices), size, channels, sink);
}

/// <summary>
/// A located dataset: its files are known to exist, so the cache key can be computed before anything is
/// decoded. <see cref="Open"/> reads the labels; its <see cref="OpenedSource"/> decodes, resizes and converts channels.
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

    /// <summary>The data set's own declaration of whether a left-right mirror keeps an image's class.</summary>
    public abstract bool MirrorKeepsLabels { get; }

    /// <summary>Labels first (after any seeded test hold-out), pixels on demand.</summary>
    public abstract OpenedSource Open(long splitSeed);

    /// <summary>Holds out a stratified, seeded share of <paramref name="all"/> as the test set.</summary>
    protected static SourceData HoldOutTest(ImageSet all, double testFraction, long splitSeed)
    {
        var (test, train) = HoldOutIndices(all.Labels, all.ClassCount, testFraction, splitSeed);
        return new SourceData(all.Subset(train), all.Subset(test));
    }

    /// <summary>The test and remaining indices of <see cref="HoldOutTest"/>, from the labels alone.</summary>
    protected static (int[] Test, int[] Train) HoldOutIndices(int[] labels, int classCount, double testFraction, long splitSeed)
    {
        int testCount = StratifiedSampler.CountFor(labels.Length, testFraction);
        return StratifiedSampler.Split(labels, classCount, testCount, StableRandom.Mix(splitSeed, SeedStreams.TestHoldout));
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
