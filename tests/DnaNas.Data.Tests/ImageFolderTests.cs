using SkiaSharp;

namespace DnaNas.Data.Tests;

public sealed class ImageFolderTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A solid-colour image of the given size, in the format the extension names.</summary>
    internal static void WriteImage(string file, int width, int height, SKColor color)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        var format = Path.GetExtension(file) == ".jpg" ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png;
        using var data = bitmap.Encode(format, 95);
        File.WriteAllBytes(file, data.ToArray());
    }

    /// <summary>
    /// Three classes of six solid images each, in mixed sizes (both shrunk and enlarged to 16x16), one of them
    /// a JPEG, plus a note file the reader must skip.
    /// </summary>
    internal static void WriteColourClasses(string root)
    {
        var classes = new (string Name, SKColor Colour)[]
        {
            ("red", new SKColor(255, 0, 0)), ("Blue", new SKColor(0, 0, 255)), ("green", new SKColor(0, 255, 0)),
        };
        foreach (var (name, colour) in classes)
        {
            for (int i = 0; i < 6; i++)
            {
                string extension = name == "green" && i == 0 ? ".jpg" : ".png";
                WriteImage(Path.Combine(root, name, $"image{i}{extension}"), 10 + 7 * i, 40 - 5 * i, colour);
            }
        }
        File.WriteAllText(Path.Combine(root, "red", "notes.txt"), "not an image");
    }

    private DatasetRequest Request(int channels) =>
        new(DatasetKind.ImageFolder, _folder.Path, InputSize: 16, Channels: channels) { UseCache = false, ValidationFraction = 0.2 };

    [Fact]
    public void A_class_per_folder_loads_at_16x16_gray_with_ordinal_class_order_and_a_stratified_test_split()
    {
        WriteColourClasses(_folder.Path);

        var splits = Datasets.Load(Request(channels: 1));

        Assert.Equal(["Blue", "green", "red"], splits.Train.ClassNames);
        Assert.Equal("folder:" + Path.GetFileName(_folder.Path), splits.Name);
        // 18 images: 1/6 (one per class) held out as test, then 20% of the other 15 as validation.
        Assert.Equal([1, 1, 1], splits.Test.CountPerClass());
        Assert.Equal([1, 1, 1], splits.Validation.CountPerClass());
        Assert.Equal([4, 4, 4], splits.Train.CountPerClass());
        Assert.Equal((1, 16, 16), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));

        // BT.601 luma of pure blue, green and red: 29, 150, 76 (JPEG may be off by a little).
        int[] expectedGray = [29, 150, 76];
        for (int i = 0; i < splits.Train.Count; i++)
        {
            var image = splits.Train.Pixels.AsSpan(i * 256, 256).ToArray();
            int expected = expectedGray[splits.Train.Labels[i]];
            Assert.All(image, value => Assert.InRange(value, expected - 3, expected + 3));
        }
    }

    [Fact]
    public void A_class_per_folder_loads_as_rgb_with_the_colours_in_their_planes()
    {
        WriteColourClasses(_folder.Path);

        var splits = Datasets.Load(Request(channels: 3));

        var train = splits.Train;
        Assert.Equal((3, 16, 16), (train.Channels, train.Height, train.Width));
        for (int i = 0; i < train.Count; i++)
        {
            // Class order Blue, green, red: the lit plane is 2, 1, 0.
            int litPlane = 2 - train.Labels[i];
            for (int plane = 0; plane < 3; plane++)
            {
                var values = train.Pixels.AsSpan(i * 768 + plane * 256, 256).ToArray();
                Assert.All(values, value => Assert.InRange(value, plane == litPlane ? 250 : 0, plane == litPlane ? 255 : 5));
            }
        }
        Assert.Equal(3, splits.Mean.Length);
    }

    [Fact]
    public void Decoding_in_parallel_gives_the_same_images_every_time()
    {
        WriteColourClasses(_folder.Path);

        var first = Datasets.Load(Request(channels: 3));
        var second = Datasets.Load(Request(channels: 3));

        Assert.Equal(first.Train.Pixels, second.Train.Pixels);
        Assert.Equal(first.Train.Labels, second.Train.Labels);
        Assert.Equal(first.Test.Pixels, second.Test.Pixels);
    }

    [Fact]
    public void Train_and_test_folders_are_used_as_the_splits()
    {
        WriteColourClasses(_folder.Combine("train"));
        WriteImage(_folder.Combine("test", "red", "a.png"), 16, 16, SKColors.Red);
        WriteImage(_folder.Combine("test", "red", "b.png"), 16, 16, SKColors.Red);

        var splits = Datasets.Load(Request(channels: 1));

        Assert.Equal(2, splits.Test.Count);
        Assert.All(splits.Test.Labels, label => Assert.Equal(2, label));
        Assert.Equal(18, splits.Train.Count + splits.Validation.Count);
    }

    [Fact]
    public void Large_jpegs_shrink_and_transparent_pixels_come_out_over_black()
    {
        // 640x480 takes the JPEG decoder's reduced-size path; half-transparent red is premultiplied to (128, 0, 0).
        WriteImage(_folder.Combine("large", "photo.jpg"), 640, 480, new SKColor(200, 100, 50));
        WriteImage(_folder.Combine("translucent", "glass.png"), 20, 20, new SKColor(255, 0, 0, 128));

        var splits = Datasets.Load(Request(channels: 3) with { ValidationFraction = 0 });

        // Two images: a 1/6 test share rounds to none, so both are training images.
        Assert.Equal([0, 1], splits.Train.Labels);
        var large = splits.Train.Pixels[..768];
        var translucent = splits.Train.Pixels[768..];
        Assert.All(large[..256], value => Assert.InRange(value, 196, 204));
        Assert.All(large[256..512], value => Assert.InRange(value, 96, 104));
        Assert.All(large[512..], value => Assert.InRange(value, 46, 54));
        Assert.All(translucent[..256], value => Assert.InRange(value, 126, 130));
        Assert.All(translucent[256..], value => Assert.Equal(0, value));
    }

    [Fact]
    public void An_empty_class_folder_is_named_with_how_to_fix_it()
    {
        WriteColourClasses(_folder.Path);
        Directory.CreateDirectory(_folder.Combine("yellow"));

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(channels: 1)));

        Assert.Contains(_folder.Combine("yellow"), error.Message);
        Assert.Contains("add images or remove the folder", error.Message);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public void An_undecodable_image_is_named(string damage)
    {
        WriteColourClasses(_folder.Path);
        string broken = _folder.Combine("green", "image3.png");
        var content = File.ReadAllBytes(broken);
        File.WriteAllBytes(broken, damage == "garbage" ? [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5, 6, 7, 8] : content[..(content.Length / 2)]);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(channels: 1)));

        Assert.Contains(broken, error.Message);
        Assert.Contains("replace or remove the file", error.Message);
    }

    [Fact]
    public void A_folder_without_class_folders_says_how_to_lay_it_out()
    {
        WriteImage(_folder.Combine("loose.png"), 8, 8, SKColors.Red);

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(channels: 1)));

        Assert.Contains(_folder.Path, error.Message);
        Assert.Contains("one sub-folder of images per class", error.Message);
    }

    [Fact]
    public void A_missing_folder_is_named()
    {
        string missing = _folder.Combine("absent");

        var error = Assert.Throws<DatasetException>(
            () => Datasets.Load(new DatasetRequest(DatasetKind.ImageFolder, missing, 16, 1)));

        Assert.Contains(missing, error.Message);
    }
}
