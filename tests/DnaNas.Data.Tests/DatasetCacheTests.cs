namespace DnaNas.Data.Tests;

public sealed class DatasetCacheTests : IDisposable
{
    private readonly TempDirectory _cache = new();
    private readonly TempDirectory _images = new();

    public void Dispose()
    {
        _cache.Dispose();
        _images.Dispose();
    }

    private DatasetRequest DigitsRequest() => new(DatasetKind.Digits, null, 16, 1) { CacheDir = _cache.Path };

    private DatasetRequest FolderRequest() => new(DatasetKind.ImageFolder, _images.Path, 16, 3) { CacheDir = _cache.Path };

    private static void AssertSameSplits(DatasetSplits expected, DatasetSplits actual)
    {
        Assert.Equal(expected.Train.Pixels, actual.Train.Pixels);
        Assert.Equal(expected.Train.Labels, actual.Train.Labels);
        Assert.Equal(expected.Validation.Pixels, actual.Validation.Pixels);
        Assert.Equal(expected.Test.Pixels, actual.Test.Pixels);
        Assert.Equal(expected.Test.Labels, actual.Test.Labels);
        Assert.Equal(expected.Train.ClassNames, actual.Train.ClassNames);
        Assert.Equal(expected.Mean, actual.Mean);
        Assert.Equal(expected.Std, actual.Std);
        Assert.Equal(expected.Name, actual.Name);
    }

    [Fact]
    public void A_second_load_comes_from_the_cache_with_identical_splits()
    {
        var first = Datasets.Load(DigitsRequest(), out bool firstFromCache);
        var second = Datasets.Load(DigitsRequest(), out bool secondFromCache);

        Assert.False(firstFromCache);
        Assert.True(secondFromCache);
        AssertSameSplits(first, second);
        Assert.Single(Directory.GetFiles(_cache.Path));
        Assert.StartsWith("digits-", Path.GetFileName(Directory.GetFiles(_cache.Path)[0]));
    }

    [Fact]
    public void A_cached_load_does_not_read_the_image_files()
    {
        ImageFolderTests.WriteColourClasses(_images.Path);
        var first = Datasets.Load(FolderRequest());

        // Garbage of the same size and time: only a load that decodes the file would notice.
        string image = _images.Combine("red", "image2.png");
        var info = new FileInfo(image);
        var (length, time) = (info.Length, info.LastWriteTimeUtc);
        File.WriteAllBytes(image, new byte[length]);
        File.SetLastWriteTimeUtc(image, time);
        var second = Datasets.Load(FolderRequest(), out bool fromCache);

        Assert.True(fromCache);
        AssertSameSplits(first, second);
    }

    [Fact]
    public void Changing_a_source_file_invalidates_the_cache()
    {
        ImageFolderTests.WriteColourClasses(_images.Path);
        Datasets.Load(FolderRequest());

        File.SetLastWriteTimeUtc(_images.Combine("red", "image2.png"), DateTime.UtcNow.AddMinutes(1));
        Datasets.Load(FolderRequest(), out bool fromCache);

        Assert.False(fromCache);
    }

    [Fact]
    public void Another_input_size_or_channel_count_is_cached_separately()
    {
        Datasets.Load(DigitsRequest());

        Datasets.Load(DigitsRequest() with { InputSize = 12 }, out bool otherSizeFromCache);
        Datasets.Load(DigitsRequest() with { Channels = 3 }, out bool otherChannelsFromCache);

        Assert.False(otherSizeFromCache);
        Assert.False(otherChannelsFromCache);
        Assert.Equal(3, Directory.GetFiles(_cache.Path).Length);
    }

    [Fact]
    public void Other_validation_and_subset_settings_reuse_the_cached_images()
    {
        Datasets.Load(DigitsRequest());

        var smaller = Datasets.Load(DigitsRequest() with { ValidationFraction = 0.1, MaxTrain = 100, MaxTest = 50 }, out bool fromCache);

        Assert.True(fromCache);
        Assert.Equal((100, 50), (smaller.Train.Count, smaller.Test.Count));
    }

    [Theory]
    [InlineData("flip a byte")]
    [InlineData("truncate")]
    [InlineData("empty")]
    public void A_damaged_cache_file_is_ignored_and_rebuilt(string damage)
    {
        var original = Datasets.Load(DigitsRequest());
        string cacheFile = Directory.GetFiles(_cache.Path).Single();
        var content = File.ReadAllBytes(cacheFile);
        switch (damage)
        {
            case "flip a byte": content[content.Length / 2] ^= 0x40; break;
            case "truncate": content = content[..(content.Length / 3)]; break;
            case "empty": content = []; break;
        }
        File.WriteAllBytes(cacheFile, content);

        var rebuilt = Datasets.Load(DigitsRequest(), out bool rebuiltFromCache);
        var reread = Datasets.Load(DigitsRequest(), out bool rereadFromCache);

        Assert.False(rebuiltFromCache);
        Assert.True(rereadFromCache);
        AssertSameSplits(original, rebuilt);
        AssertSameSplits(original, reread);
    }

    [Fact]
    public void Writing_the_cache_leaves_no_temporary_files()
    {
        Datasets.Load(DigitsRequest());

        Assert.Empty(Directory.GetFiles(_cache.Path, "*.tmp"));
    }

    [Fact]
    public void Without_the_cache_nothing_is_written()
    {
        Datasets.Load(DigitsRequest() with { UseCache = false }, out bool fromCache);

        Assert.False(fromCache);
        Assert.Empty(Directory.GetFiles(_cache.Path));
    }
}
