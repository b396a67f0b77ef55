using static TorchSharp.torch;

namespace DnaNas.Data.Tests;

/// <summary>A flip is applied only where the data set declares that a mirrored image keeps its class.</summary>
public sealed class MirrorSafetyTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly TempDirectory _cache = new();

    public void Dispose()
    {
        _folder.Dispose();
        _cache.Dispose();
    }

    private static readonly AugmentOptions FlipOnly = new(PadCrop: 0, HorizontalFlip: true);

    /// <summary>Every training image of epoch 0 in set order, as the loader hands them out.</summary>
    private static float[] Epoch0(ImageSet set, DatasetSplits splits, AugmentOptions? augment)
    {
        var loader = new BatchLoader(set, set.Count, splits.Mean, splits.Std, shuffle: false, augment, seed: 11);
        using var scope = NewDisposeScope();
        var (x, _) = loader.Epoch(0).Single();
        return x.data<float>().ToArray();
    }

    [Fact]
    public void Digits_are_never_flipped_even_when_a_caller_asks_for_a_flip()
    {
        var digits = Datasets.Load(new DatasetRequest(DatasetKind.Digits, null, 8, 1) { UseCache = false });
        var train = digits.Train.Take(200);

        var loader = new BatchLoader(train, 200, digits.Mean, digits.Std, shuffle: false, FlipOnly, seed: 11);

        Assert.False(digits.Train.MirrorKeepsLabels);
        Assert.Null(loader.AppliedAugment);
        Assert.Equal(Epoch0(train, digits, augment: null), Epoch0(train, digits, FlipOnly));
    }

    [Fact]
    public void Digits_keep_only_the_crop_of_an_augmentation_with_crop_and_flip()
    {
        var digits = Datasets.Load(new DatasetRequest(DatasetKind.Digits, null, 8, 1) { UseCache = false });

        var applied = AugmentOptions.For(digits.Train, new AugmentOptions(PadCrop: 2, HorizontalFlip: true));

        Assert.Equal(new AugmentOptions(PadCrop: 2, HorizontalFlip: false), applied);
    }

    [Fact]
    public void Digits_read_back_from_the_cache_still_refuse_flips()
    {
        var request = new DatasetRequest(DatasetKind.Digits, null, 8, 1) { CacheDir = _cache.Path };
        Datasets.Load(request);

        var cached = Datasets.Load(request, out bool fromCache);

        Assert.True(fromCache);
        Assert.False(cached.Train.MirrorKeepsLabels);
        Assert.False(cached.Validation.Sample(10, seed: 1).MirrorKeepsLabels);
    }

    [Fact]
    public void Fashion_mnist_is_still_flipped_about_half_the_time()
    {
        var fashion = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { UseCache = false, MaxTrain = 200 });
        var plain = Epoch0(fashion.Train, fashion, augment: null);
        var flipped = Epoch0(fashion.Train, fashion, FlipOnly);

        int mirrored = 0, unchanged = 0;
        for (int image = 0; image < fashion.Train.Count; image++)
        {
            var original = plain.AsSpan(image * 28 * 28, 28 * 28).ToArray();
            var seen = flipped.AsSpan(image * 28 * 28, 28 * 28).ToArray();
            if (seen.AsSpan().SequenceEqual(original)) unchanged++;
            else if (Enumerable.Range(0, 28 * 28).All(i => seen[i] == original[i / 28 * 28 + 27 - i % 28])) mirrored++;
        }

        Assert.True(fashion.Train.MirrorKeepsLabels);
        Assert.Equal(fashion.Train.Count, mirrored + unchanged);
        Assert.InRange(mirrored, 60, 140);
    }

    [Fact]
    public void An_image_folder_is_flipped_unless_the_request_says_a_mirror_changes_its_labels()
    {
        ImageFolderTests.WriteColourClasses(_folder.Path);
        var request = new DatasetRequest(DatasetKind.ImageFolder, _folder.Path, 16, 3) { UseCache = false, ValidationFraction = 0.2 };

        var photos = Datasets.Load(request);
        var text = Datasets.Load(request with { MirrorChangesLabels = true });

        Assert.True(photos.Train.MirrorKeepsLabels);
        Assert.NotNull(AugmentOptions.For(photos.Train, FlipOnly));
        Assert.False(text.Train.MirrorKeepsLabels);
        Assert.False(text.Test.MirrorKeepsLabels);
        Assert.Null(AugmentOptions.For(text.Train, FlipOnly));
    }
}
