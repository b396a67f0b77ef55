using SkiaSharp;

namespace DnaNas.Data;

/// <summary>What an image folder holds, read from the image headers: the shape a network for it should take.</summary>
/// <param name="InputSize">The typical image side (median of each image's shorter side), rounded to a multiple of 4 and capped.</param>
/// <param name="Channels">3 when any inspected image is in colour, else 1.</param>
/// <param name="Classes">Number of class folders.</param>
/// <param name="Images">Number of image files (train and test).</param>
/// <param name="MedianSide">The median shorter side before rounding and capping.</param>
public sealed record FolderShape(int InputSize, int Channels, int Classes, int Images, int MedianSide);

public static class FolderInspector
{
    /// <summary>
    /// 64 pixels is where 2 CPU cores still train a small MBConv network in minutes; larger photos are resized down.
    /// </summary>
    public const int DefaultMaxSize = 64;

    // Headers only, but a folder of 100k files still costs seconds: an even spread of this many tells the shape.
    private const int MaxInspected = 512;
    private const int MinSize = 8;

    /// <summary>Reads the headers of (an even spread of) the folder's images; decodes no pixels.</summary>
    public static FolderShape Inspect(string folder, int maxSize = DefaultMaxSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, MinSize);
        var source = ImageFolderSource.Locate(folder);
        var files = source.Files;
        int step = Math.Max(1, files.Count / MaxInspected);
        var sides = new List<int>();
        bool colour = false;
        for (int i = 0; i < files.Count; i += step)
        {
            using var codec = SKCodec.Create(files[i], out var result)
                ?? throw new DatasetException($"Cannot read the header of image '{files[i]}' ({result}): replace or remove the file.");
            sides.Add(Math.Min(codec.Info.Width, codec.Info.Height));
            // Gray JPEGs and PNGs decode as Gray8; anything else (RGB, palette, alpha) counts as colour.
            colour |= codec.Info.ColorType != SKColorType.Gray8;
        }
        sides.Sort();
        int median = sides[sides.Count / 2];
        int size = Math.Clamp((int)Math.Round(median / 4.0, MidpointRounding.AwayFromZero) * 4, MinSize, maxSize);
        return new FolderShape(size, colour ? 3 : 1, source.ClassCount, files.Count, median);
    }
}
