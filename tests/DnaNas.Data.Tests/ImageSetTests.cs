namespace DnaNas.Data.Tests;

public sealed class ImageSetTests
{
    private static ImageSet ThreeImages() =>
        new([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], [0, 1, 1], channels: 1, height: 2, width: 2, ["a", "b"]);

    [Fact]
    public void Subset_copies_the_chosen_images_in_the_given_order()
    {
        var set = ThreeImages();

        var subset = set.Subset([2, 0]);

        Assert.Equal([3, 3, 3, 3, 1, 1, 1, 1], subset.Pixels);
        Assert.Equal([1, 0], subset.Labels);
        Assert.Equal(2, subset.Count);
        subset.Pixels[0] = 99;
        Assert.Equal(3, set.Pixels[8]);
    }

    [Fact]
    public void Take_returns_the_first_images_and_all_of_them_when_asked_for_more()
    {
        var set = ThreeImages();

        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2], set.Take(2).Pixels);
        Assert.Equal(3, set.Take(10).Count);
        Assert.Equal(0, set.Take(0).Count);
    }

    [Fact]
    public void Concat_appends_the_other_set_s_images_and_labels_and_refuses_another_shape()
    {
        var set = ThreeImages();

        var joined = set.Concat(set.Take(1));

        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1], joined.Pixels);
        Assert.Equal([0, 1, 1, 0], joined.Labels);
        var wider = new ImageSet(new byte[6], [0], channels: 1, height: 2, width: 3, ["a", "b"]);
        Assert.Throws<ArgumentException>(() => set.Concat(wider));
    }

    [Fact]
    public void The_constructor_rejects_pixels_that_do_not_match_the_shape_and_labels_outside_the_classes()
    {
        Assert.Throws<ArgumentException>(() => new ImageSet(new byte[11], [0, 1, 1], 1, 2, 2, ["a", "b"]));
        Assert.Throws<ArgumentException>(() => new ImageSet(new byte[12], [0, 2, 1], 1, 2, 2, ["a", "b"]));
    }

    [Fact]
    public void Count_per_class_counts_the_labels()
    {
        Assert.Equal([1, 2], ThreeImages().CountPerClass());
        Assert.Equal(2, ThreeImages().ClassCount);
    }
}

public sealed class DatasetRequestTests
{
    [Theory]
    [InlineData("fashion-mnist", DatasetKind.FashionMnist)]
    [InlineData("Folder", DatasetKind.ImageFolder)]
    [InlineData(" digits ", DatasetKind.Digits)]
    public void Dataset_names_parse_to_their_kind(string name, DatasetKind kind)
    {
        Assert.Equal(kind, Datasets.ParseKind(name));
        Assert.Equal(kind, Datasets.ParseKind(Datasets.KindName(kind)));
    }

    [Fact]
    public void An_unknown_dataset_name_lists_the_valid_ones()
    {
        var error = Assert.Throws<DatasetException>(() => Datasets.ParseKind("cifar"));

        Assert.Contains("'cifar'", error.Message);
        Assert.Contains("fashion-mnist, folder, digits", error.Message);
    }

    [Theory]
    [InlineData(0, 1, 0.2)]
    [InlineData(16, 2, 0.2)]
    [InlineData(16, 1, 1.0)]
    [InlineData(16, 1, -0.1)]
    public void Out_of_range_requests_are_refused_with_the_valid_range(int inputSize, int channels, double validationFraction)
    {
        var request = new DatasetRequest(DatasetKind.Digits, null, inputSize, channels) { ValidationFraction = validationFraction };

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(request));

        Assert.Contains("use ", error.Message);
    }

    [Fact]
    public void Validation_is_a_stratified_seeded_share_of_the_training_images()
    {
        var request = new DatasetRequest(DatasetKind.Digits, null, 8, 1) { UseCache = false, ValidationFraction = 0.25 };

        var first = Datasets.Load(request);
        var again = Datasets.Load(request);
        var otherSeed = Datasets.Load(request with { SplitSeed = 42 });

        int pool = first.Train.Count + first.Validation.Count;
        Assert.Equal((int)Math.Round(pool * 0.25), first.Validation.Count);
        var poolCounts = first.Train.CountPerClass().Zip(first.Validation.CountPerClass(), (a, b) => a + b).ToArray();
        var validationCounts = first.Validation.CountPerClass();
        for (int c = 0; c < 10; c++) Assert.InRange(validationCounts[c], poolCounts[c] / 4 - 1, poolCounts[c] / 4 + 1);
        Assert.Equal(first.Validation.Pixels, again.Validation.Pixels);
        Assert.NotEqual(first.Validation.Pixels, otherSeed.Validation.Pixels);
        Assert.NotEqual(first.Test.Pixels, otherSeed.Test.Pixels);
    }

    [Fact]
    public void Max_sizes_take_stratified_subsets()
    {
        var request = new DatasetRequest(DatasetKind.Digits, null, 8, 1) { UseCache = false, MaxTrain = 100, MaxValidation = 30, MaxTest = 20 };

        var splits = Datasets.Load(request);

        Assert.Equal((100, 30, 20), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        Assert.All(splits.Train.CountPerClass(), count => Assert.InRange(count, 9, 11));
        Assert.All(splits.Test.CountPerClass(), count => Assert.Equal(2, count));
    }
}
