using SkiaSharp;

namespace DnaNas.Data.Tests;

/// <summary>The shape of an image folder, read from real images written as PNG files.</summary>
public sealed class FolderShapeTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Five classes of six real Fashion-MNIST images each, saved at <paramref name="side"/> pixels, tinted per class
    /// when <paramref name="colour"/> (so the images are truly RGB), else as 8-bit gray PNGs.
    /// </summary>
    internal static void WriteFashionFolder(string root, int side, bool colour)
    {
        var fashion = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, side, 1) { UseCache = false, MaxTrain = 10, MaxValidation = 10, MaxTest = 60 });
        var tints = new (float R, float G, float B)[] { (1, 0.3f, 0.3f), (0.3f, 1, 0.3f), (0.3f, 0.3f, 1), (1, 1, 0.3f), (0.3f, 1, 1) };
        var written = new int[5];
        for (int i = 0; i < fashion.Test.Count; i++)
        {
            int label = fashion.Test.Labels[i];
            if (label >= 5 || written[label] == 6) continue;
            var plane = fashion.Test.Pixels.AsSpan(i * side * side, side * side);
            var info = new SKImageInfo(side, side, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
            using var bitmap = new SKBitmap(info);
            var pixels = bitmap.GetPixelSpan();
            for (int p = 0; p < plane.Length; p++)
            {
                if (!colour) { pixels[p] = plane[p]; continue; }
                var (r, g, b) = tints[label];
                pixels[4 * p] = (byte)(plane[p] * r);
                pixels[4 * p + 1] = (byte)(plane[p] * g);
                pixels[4 * p + 2] = (byte)(plane[p] * b);
                pixels[4 * p + 3] = 255;
            }
            string file = Path.Combine(root, fashion.Test.ClassNames[label].Replace('/', '-'), $"image{written[label]++}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(file, data.ToArray());
        }
        Assert.All(written, count => Assert.Equal(6, count));
    }

    [Fact]
    public void A_folder_of_48x48_tinted_images_reads_as_48_pixels_rgb_with_five_classes()
    {
        WriteFashionFolder(_folder.Path, 48, colour: true);

        var shape = FolderInspector.Inspect(_folder.Path);

        Assert.Equal(new FolderShape(InputSize: 48, Channels: 3, Classes: 5, Images: 30, MedianSide: 48), shape);
    }

    [Fact]
    public void Gray_pngs_read_as_one_channel()
    {
        WriteFashionFolder(_folder.Path, 20, colour: false);

        var shape = FolderInspector.Inspect(_folder.Path);

        Assert.Equal((20, 1, 5), (shape.InputSize, shape.Channels, shape.Classes));
    }

    [Fact]
    public void Large_images_are_capped_to_the_size_two_cores_can_train()
    {
        WriteFashionFolder(_folder.Path, 150, colour: true);

        var shape = FolderInspector.Inspect(_folder.Path);

        Assert.Equal(150, shape.MedianSide);
        Assert.Equal(FolderInspector.DefaultMaxSize, shape.InputSize);
    }
}
