using Microsoft.Win32.SafeHandles;

namespace DnaNas.Data;

/// <summary>
/// Where an <see cref="ImageSet"/>'s pixels live: a managed array (<see cref="ArrayPixels"/>), or images of a decoded
/// cache file read on demand (<see cref="FilePixels"/>), for sets too large to hold in memory.
/// </summary>
internal abstract class PixelStore
{
    protected PixelStore(int imageSize) => ImageSize = imageSize;

    /// <summary>Bytes per image.</summary>
    public int ImageSize { get; }

    /// <summary>Copies image <paramref name="image"/> (C, H, W bytes) into the first <see cref="ImageSize"/> bytes of <paramref name="destination"/>.</summary>
    public abstract void Read(int image, Span<byte> destination);
}

/// <summary>All images one after another in one array.</summary>
internal sealed class ArrayPixels(byte[] pixels, int imageSize) : PixelStore(imageSize)
{
    public byte[] Pixels { get; } = pixels;

    public ReadOnlySpan<byte> Image(int image) => Pixels.AsSpan(checked((int)((long)image * ImageSize)), ImageSize);

    public override void Read(int image, Span<byte> destination) => Image(image).CopyTo(destination);
}

/// <summary>
/// Images <see cref="Rows"/> of a run of images stored back to back in a file: a view, so subsets and splits of a
/// streamed set copy indices, never pixels. Reads are positional (pread), so threads share the one handle.
/// </summary>
internal sealed class FilePixels : PixelStore
{
    private readonly StoredImages _file;

    private FilePixels(StoredImages file, int[] rows) : base(file.ImageSize)
    {
        _file = file;
        Rows = rows;
    }

    /// <summary>Images 0..count-1 of the run of images that starts at byte <paramref name="offset"/> of the open file.</summary>
    public static FilePixels Open(SafeFileHandle handle, string path, long offset, int imageSize, int count) =>
        new(new StoredImages(handle, path, offset, imageSize), Enumerable.Range(0, count).ToArray());

    /// <summary>Which stored image each image of this view is.</summary>
    public int[] Rows { get; }

    public string Path => _file.Path;

    /// <summary>This view's images <paramref name="indices"/>, in that order.</summary>
    public FilePixels Select(IReadOnlyList<int> indices) => new(_file, indices.Select(i => Rows[i]).ToArray());

    /// <summary>This view's images followed by <paramref name="other"/>'s, or null when the two read different files.</summary>
    public FilePixels? Join(FilePixels other) =>
        ReferenceEquals(_file, other._file) ? new FilePixels(_file, [.. Rows, .. other.Rows]) : null;

    public override void Read(int image, Span<byte> destination)
    {
        var target = destination[..ImageSize];
        long position = _file.Offset + (long)Rows[image] * ImageSize;
        while (!target.IsEmpty)
        {
            int read = RandomAccess.Read(_file.Handle, target, position);
            if (read == 0)
                throw new DatasetException(
                    $"The decoded image cache '{_file.Path}' ended while it was being read: delete it and run again to decode the images anew.");
            target = target[read..];
            position += read;
        }
    }

    /// <summary>The file and where its images start; the handle stays open while any view of it lives.</summary>
    private sealed record StoredImages(SafeFileHandle Handle, string Path, long Offset, int ImageSize);
}
