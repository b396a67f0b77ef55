using System.Buffers.Binary;

namespace DnaNas.Data.Tests;

public sealed class FashionMnistTests
{
    private static readonly string[] FileNames =
    [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ];

    private static DatasetRequest Request(string? path = null) =>
        new(DatasetKind.FashionMnist, path, InputSize: 28, Channels: 1) { UseCache = false };

    /// <summary>The installed files copied into <paramref name="folder"/>, so a test can damage one.</summary>
    private static void CopyInstalledFiles(TempDirectory folder)
    {
        foreach (string name in FileNames)
            File.Copy(Path.Combine(Datasets.DefaultFashionMnistDir, name), folder.Combine(name));
    }

    [Fact]
    public void The_installed_files_load_as_50k_train_10k_validation_and_10k_test_images()
    {
        var splits = Datasets.Load(Request());

        Assert.Equal("fashion-mnist", splits.Name);
        Assert.Equal((50_000, 10_000, 10_000), (splits.Train.Count, splits.Validation.Count, splits.Test.Count));
        foreach (var set in new[] { splits.Train, splits.Validation, splits.Test })
        {
            Assert.Equal((1, 28, 28), (set.Channels, set.Height, set.Width));
            Assert.Equal(set.Count * 28 * 28, set.Pixels.Length);
            Assert.All(set.Labels, label => Assert.InRange(label, 0, 9));
            Assert.Equal("T-shirt/top", set.ClassNames[0]);
            Assert.Equal("Ankle boot", set.ClassNames[9]);
        }
        // Stratified: the 6,000 training images per class split 5,000 / 1,000; t10k has 1,000 per class.
        Assert.All(splits.Train.CountPerClass(), count => Assert.Equal(5_000, count));
        Assert.All(splits.Validation.CountPerClass(), count => Assert.Equal(1_000, count));
        Assert.All(splits.Test.CountPerClass(), count => Assert.Equal(1_000, count));
        // Published Fashion-MNIST statistics: mean 0.286, std 0.353.
        Assert.Equal(0.286, splits.Mean[0], 0.005);
        Assert.Equal(0.353, splits.Std[0], 0.005);
    }

    [Fact]
    public void Another_split_seed_picks_other_validation_images_but_the_same_test_set()
    {
        var first = Datasets.Load(Request() with { MaxValidation = 200, MaxTest = 50 });
        var again = Datasets.Load(Request() with { MaxValidation = 200, MaxTest = 50 });
        var other = Datasets.Load(Request() with { MaxValidation = 200, MaxTest = 50, SplitSeed = 1 });

        Assert.Equal(first.Validation.Pixels, again.Validation.Pixels);
        Assert.NotEqual(first.Validation.Pixels, other.Validation.Pixels);
        Assert.All(first.Validation.CountPerClass(), count => Assert.Equal(20, count));
        Assert.Equal(50, first.Test.Count);
    }

    [Fact]
    public void Split_seeds_that_differ_only_above_32_bits_pick_other_validation_images()
    {
        var low = Datasets.Load(Request() with { MaxTrain = 100, MaxValidation = 200, MaxTest = 50, SplitSeed = 7 });
        var high = Datasets.Load(Request() with { MaxTrain = 100, MaxValidation = 200, MaxTest = 50, SplitSeed = 7 + (1L << 32) });

        // Cut to 32 bits, the two seeds would be one seed and give one split.
        Assert.NotEqual(low.Validation.Pixels, high.Validation.Pixels);
        Assert.NotEqual(low.Train.Pixels, high.Train.Pixels);
    }

    [Fact]
    public void A_resized_rgb_request_gives_32x32_images_with_three_equal_channels()
    {
        var splits = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 32, 3)
        {
            UseCache = false, MaxTrain = 100, MaxValidation = 20, MaxTest = 20,
        });

        var train = splits.Train;
        Assert.Equal((100, 3, 32, 32), (train.Count, train.Channels, train.Height, train.Width));
        var firstImage = train.Pixels.AsSpan(0, 3 * 32 * 32);
        Assert.True(firstImage[..1024].SequenceEqual(firstImage[1024..2048]));
        Assert.True(firstImage[..1024].SequenceEqual(firstImage[2048..]));
        Assert.Equal(splits.Mean[0], splits.Mean[2]);
    }

    [Theory]
    [InlineData("train-labels-idx1-ubyte.gz")]
    [InlineData("t10k-images-idx3-ubyte.gz")]
    public void A_truncated_file_is_named_with_how_to_reinstall(string damaged)
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        string file = folder.Combine(damaged);
        using (var stream = new FileStream(file, FileMode.Open)) stream.SetLength(stream.Length / 2);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(folder.Path)));

        Assert.Contains(file, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("sudo apt-get install --reinstall dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void A_wrong_magic_number_names_the_file()
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        string file = folder.Combine("train-labels-idx1-ubyte.gz");
        var content = Gzip.Decompress(file);
        BinaryPrimitives.WriteInt32BigEndian(content, 2051);
        Gzip.Write(file, content);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(folder.Path)));

        Assert.Contains(file, error.Message);
        Assert.Contains("magic number 2051, expected 2049", error.Message);
    }

    [Fact]
    public void A_label_outside_the_ten_classes_names_the_file_and_index()
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        string file = folder.Combine("train-labels-idx1-ubyte.gz");
        var content = Gzip.Decompress(file);
        content[8 + 5] = 10;
        Gzip.Write(file, content);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(folder.Path)));

        Assert.Contains(file, error.Message);
        Assert.Contains("label 10 at index 5", error.Message);
    }

    [Fact]
    public void Image_and_label_counts_that_differ_name_both_files()
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        string labels = folder.Combine("t10k-labels-idx1-ubyte.gz");
        var content = Gzip.Decompress(labels);
        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), 9_999);
        Gzip.Write(labels, content[..^1]);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(folder.Path)));

        Assert.Contains("10000 images", error.Message);
        Assert.Contains(folder.Combine("t10k-images-idx3-ubyte.gz"), error.Message);
        Assert.Contains(labels, error.Message);
    }

    [Fact]
    public void A_missing_folder_is_named_with_how_to_install()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-such-fashion-mnist-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(missing)));

        Assert.Contains(missing, error.Message);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("--data DIR", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named_with_how_to_install()
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        File.Delete(folder.Combine("t10k-labels-idx1-ubyte.gz"));

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(folder.Path)));

        Assert.Contains(folder.Combine("t10k-labels-idx1-ubyte.gz"), error.Message);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void Unpacked_idx_files_load_like_the_packed_ones()
    {
        using var folder = new TempDirectory();
        CopyInstalledFiles(folder);
        foreach (string name in FileNames)
        {
            File.WriteAllBytes(folder.Combine(name[..^3]), Gzip.Decompress(folder.Combine(name)));
            File.Delete(folder.Combine(name));
        }

        var unpacked = Datasets.Load(Request(folder.Path) with { MaxTrain = 500, MaxTest = 100 });
        var packed = Datasets.Load(Request() with { MaxTrain = 500, MaxTest = 100 });

        Assert.Equal(packed.Train.Pixels, unpacked.Train.Pixels);
        Assert.Equal(packed.Test.Labels, unpacked.Test.Labels);
    }
}
