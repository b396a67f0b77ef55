using SkiaSharp;

namespace DnaNas.Data;

/// <summary>Decodes one image file to a square, planar uint8 image with SkiaSharp.</summary>
internal static class ImageDecoder
{
    private const string Hint = "replace or remove the file";

    // Skia's former "high" quality: mipmapped bilinear when shrinking (averages, no aliasing), Mitchell cubic when enlarging.
    private static readonly SKSamplingOptions Shrinking = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    private static readonly SKSamplingOptions Enlarging = new(SKCubicResampler.Mitchell);

    public static void DecodeInto(string file, int size, int channels, Span<byte> destination)
    {
        using var codec = SKCodec.Create(file, out var createResult)
            ?? throw new DatasetException($"Cannot decode image '{file}' ({createResult}): {Hint}.");

        // JPEG can decode straight at 1/2, 1/4 or 1/8 scale; use that while it stays at least the target size.
        var full = codec.Info.Size;
        var scaled = codec.GetScaledDimensions(Math.Min(1f, (float)size / Math.Min(full.Width, full.Height)));
        var decodeSize = scaled.Width >= size && scaled.Height >= size ? scaled : full;

        // Premultiplied RGBA: transparent areas resample correctly and end up composited onto black.
        var decodedInfo = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(decodedInfo);
        var result = codec.GetPixels(decodedInfo, decoded.GetPixels());
        if (result != SKCodecResult.Success)
            throw new DatasetException($"Cannot decode image '{file}' ({result}): {Hint}.");

        using var resized = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        bool shrinking = decodeSize.Width > size || decodeSize.Height > size;
        if (!decoded.ScalePixels(resized, shrinking ? Shrinking : Enlarging))
            throw new DatasetException($"Cannot resize image '{file}': {Hint}.");

        ToPlanar(resized.GetPixelSpan(), size * size, channels, destination);
    }

    /// <summary>Interleaved RGBA to planar gray (ITU-R BT.601 luma, as PIL's "L" mode) or planar RGB.</summary>
    private static void ToPlanar(ReadOnlySpan<byte> rgba, int planeSize, int channels, Span<byte> destination)
    {
        for (int i = 0; i < planeSize; i++)
        {
            byte r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
            if (channels == 1)
            {
                destination[i] = (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);
            }
            else
            {
                destination[i] = r;
                destination[planeSize + i] = g;
                destination[2 * planeSize + i] = b;
            }
        }
    }
}
