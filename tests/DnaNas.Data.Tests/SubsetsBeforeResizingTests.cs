namespace DnaNas.Data.Tests;

/// <summary>Max* limits choose the images before anything is resized, so a few large images of a big set are cheap.</summary>
public sealed class SubsetsBeforeResizingTests : IDisposable
{
    private readonly TempDirectory _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Sixteen_images_per_split_of_fashion_mnist_load_at_224x224_rgb()
    {
        var request = new DatasetRequest(DatasetKind.FashionMnist, null, 224, 3) { UseCache = false, MaxTrain = 16, MaxValidation = 16, MaxTest = 16 };

        var large = Datasets.Load(request);
        var native = Datasets.Load(request with { InputSize = 28, Channels = 1 });

        foreach (var (set, nativeSet) in new[] { (large.Train, native.Train), (large.Validation, native.Validation), (large.Test, native.Test) })
        {
            Assert.Equal((16, 3, 224, 224), (set.Count, set.Channels, set.Height, set.Width));
            Assert.Equal(16L * 3 * 224 * 224, set.Pixels.LongLength);
            // The same images were chosen as at 28x28, and gray became three equal planes.
            Assert.Equal(nativeSet.Labels, set.Labels);
            var first = set.Pixels.AsSpan(0, 224 * 224);
            Assert.True(first.SequenceEqual(set.Pixels.AsSpan(2 * 224 * 224, 224 * 224)));
            Assert.Contains(first.ToArray(), pixel => pixel > 0);
        }
    }

    [Fact]
    public void Choosing_before_resizing_gives_the_same_bytes_as_resizing_the_whole_set_first()
    {
        var limited = new DatasetRequest(DatasetKind.Digits, null, 20, 3) { CacheDir = _cache.Path, MaxTrain = 100, MaxValidation = 40, MaxTest = 30 };

        var chosenFirst = Datasets.Load(limited, out bool firstFromCache);
        Datasets.Load(limited with { MaxTrain = null, MaxValidation = null, MaxTest = null }); // writes the whole set's cache
        var resizedFirst = Datasets.Load(limited, out bool secondFromCache);

        Assert.False(firstFromCache);
        Assert.True(secondFromCache);
        Assert.Equal(resizedFirst.Train.Labels, chosenFirst.Train.Labels);
        Assert.Equal(resizedFirst.Train.Pixels, chosenFirst.Train.Pixels);
        Assert.Equal(resizedFirst.Validation.Pixels, chosenFirst.Validation.Pixels);
        Assert.Equal(resizedFirst.Test.Labels, chosenFirst.Test.Labels);
        Assert.Equal(resizedFirst.Test.Pixels, chosenFirst.Test.Pixels);
        Assert.Equal(resizedFirst.Mean, chosenFirst.Mean);
    }

    [Fact]
    public void Image_folders_decode_only_the_chosen_files()
    {
        using var folder = new TempDirectory();
        ImageFolderTests.WriteColourClasses(folder.Path);
        // A class of one file that cannot be decoded: decoding the whole folder fails on it, but with 6 images in
        // every other class the stratified quotas (largest remainders) give it no place in any small subset.
        Directory.CreateDirectory(Path.Combine(folder.Path, "zz-broken"));
        File.WriteAllText(Path.Combine(folder.Path, "zz-broken", "image.png"), "not a png");
        var request = new DatasetRequest(DatasetKind.ImageFolder, folder.Path, 16, 3) { UseCache = false, ValidationFraction = 0.2 };
        Assert.Throws<DatasetException>(() => Datasets.Load(request));

        var few = Datasets.Load(request with { MaxTrain = 3, MaxValidation = 1, MaxTest = 1 });

        Assert.Equal(3, few.Train.Count);
        Assert.Equal([1, 1, 1, 0], few.Train.CountPerClass());
        Assert.Equal((3, 16, 16), (few.Train.Channels, few.Train.Height, few.Train.Width));
    }

    [Fact]
    public void A_whole_set_too_large_for_one_array_is_a_one_line_error_naming_the_fix()
    {
        var request = new DatasetRequest(DatasetKind.FashionMnist, null, 224, 3) { UseCache = false };

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(request));

        Assert.Contains("3x224x224", error.Message);
        Assert.Contains("--max-train", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
