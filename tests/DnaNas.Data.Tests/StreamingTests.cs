namespace DnaNas.Data.Tests;

/// <summary>
/// Sets larger than the in-memory limit stream from the decoded cache file: the same images, labels, statistics and
/// batches as a load held in memory, whatever the source. The limit is set low so real data sets of a few hundred KB
/// take the streamed path.
/// </summary>
public sealed class StreamingTests : IDisposable
{
    private readonly TempDirectory _memoryCache = new();
    private readonly TempDirectory _streamCache = new();
    private readonly TempDirectory _images = new();

    public void Dispose()
    {
        _memoryCache.Dispose();
        _streamCache.Dispose();
        _images.Dispose();
    }

    // 1,797 digits at 16x16 are 460 KB: over this limit, under the default one.
    private const long SmallLimit = 100_000;

    private DatasetRequest Digits(string cache, long? limit = null) =>
        new(DatasetKind.Digits, null, 16, 1) { CacheDir = cache, InMemoryLimitBytes = limit };

    private static byte[] Image(ImageSet set, int index)
    {
        var pixels = new byte[set.ImageSize];
        set.CopyImage(index, pixels);
        return pixels;
    }

    private static void AssertSameImages(ImageSet expected, ImageSet actual)
    {
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal((expected.Channels, expected.Height, expected.Width), (actual.Channels, actual.Height, actual.Width));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(Image(expected, i), Image(actual, i));
    }

    private static void AssertSameSplits(DatasetSplits expected, DatasetSplits actual)
    {
        AssertSameImages(expected.Train, actual.Train);
        AssertSameImages(expected.Validation, actual.Validation);
        AssertSameImages(expected.Test, actual.Test);
        Assert.Equal(expected.Mean, actual.Mean);
        Assert.Equal(expected.Std, actual.Std);
    }

    private static List<(float[] X, long[] Y)> Epoch(DatasetSplits data, ImageSet set, int epoch) =>
        BatchLoaderTests.Collect(new BatchLoader(set, 64, data.Mean, data.Std, shuffle: true, new AugmentOptions(), seed: 3), epoch);

    [Fact]
    public void Digits_over_the_limit_stream_from_the_cache_with_the_same_images_statistics_and_batches()
    {
        var held = Datasets.Load(Digits(_memoryCache.Path));
        var streamed = Datasets.Load(Digits(_streamCache.Path, SmallLimit), out bool firstFromCache);

        Assert.False(held.Train.IsStreamed);
        Assert.True(streamed.Train.IsStreamed && streamed.Validation.IsStreamed && streamed.Test.IsStreamed);
        Assert.False(firstFromCache);
        Assert.Throws<InvalidOperationException>(() => streamed.Train.Pixels);
        AssertSameSplits(held, streamed);
        var (heldBatches, streamedBatches) = (Epoch(held, held.Train, 1), Epoch(streamed, streamed.Train, 1));
        Assert.Equal(heldBatches.Count, streamedBatches.Count);
        for (int b = 0; b < heldBatches.Count; b++)
        {
            Assert.Equal(heldBatches[b].X, streamedBatches[b].X);
            Assert.Equal(heldBatches[b].Y, streamedBatches[b].Y);
        }

        // Train + validation (the full preset's retraining) joins two views of one file, and stays streamed.
        var joined = streamed.Train.Concat(streamed.Validation);
        Assert.True(joined.IsStreamed);
        AssertSameImages(held.Train.Concat(held.Validation), joined);

        // The next load reads the file it wrote, and streams again.
        var again = Datasets.Load(Digits(_streamCache.Path, SmallLimit), out bool secondFromCache);
        Assert.True(secondFromCache);
        Assert.True(again.Train.IsStreamed);
        AssertSameImages(held.Test, again.Test);
    }

    [Fact]
    public void A_folder_over_the_limit_is_decoded_into_the_cache_a_chunk_at_a_time_and_streams()
    {
        FolderShapeTests.WriteFashionFolder(_images.Path, 48, colour: true);
        var request = new DatasetRequest(DatasetKind.ImageFolder, _images.Path, 48, 3);
        var held = Datasets.Load(request with { CacheDir = _memoryCache.Path });
        // 30 images of 3x48x48 are 207 KB.
        var streamed = Datasets.Load(request with { CacheDir = _streamCache.Path, InMemoryLimitBytes = 50_000 });

        Assert.True(streamed.Train.IsStreamed);
        AssertSameSplits(held, streamed);
    }

    [Fact]
    public void Subsets_too_large_to_hold_stream_too_and_are_the_same_images()
    {
        var held = Datasets.Load(Digits(_memoryCache.Path) with { MaxTrain = 600, MaxTest = 200 });
        var streamed = Datasets.Load(Digits(_streamCache.Path, SmallLimit) with { MaxTrain = 600, MaxTest = 200 });

        Assert.True(streamed.Train.IsStreamed);
        Assert.Equal(600, streamed.Train.Count);
        AssertSameImages(held.Train, streamed.Train);
        AssertSameImages(held.Test, streamed.Test);
    }

    [Fact]
    public void A_damaged_streamed_cache_is_decoded_again_instead_of_read()
    {
        var held = Datasets.Load(Digits(_memoryCache.Path));
        Datasets.Load(Digits(_streamCache.Path, SmallLimit));
        string file = Assert.Single(Directory.GetFiles(_streamCache.Path));
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            // A pixel of the test set's last images, far past the header and the labels.
            stream.Position = stream.Length - 100;
            int value = stream.ReadByte();
            stream.Position = stream.Length - 100;
            stream.WriteByte((byte)(value ^ 0x5A));
        }

        var second = Datasets.Load(Digits(_streamCache.Path, SmallLimit), out bool fromCache);
        Assert.False(fromCache);
        Assert.True(second.Test.IsStreamed);
        AssertSameImages(held.Test, second.Test);
    }

    [Fact]
    public void Without_the_cache_a_set_too_large_to_hold_is_a_one_line_error_naming_the_fix()
    {
        var e = Assert.Throws<DatasetException>(() => Datasets.Load(Digits(_streamCache.Path, SmallLimit) with { UseCache = false }));
        Assert.Contains("1,797 images of 1x16x16", e.Message);
        Assert.Contains("turn the cache on", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
