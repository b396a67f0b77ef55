using System.IO.Compression;

namespace DnaNas.Data;

internal static class CompressedFile
{
    /// <summary>
    /// Opens a file for reading, decompressing it when it starts with the gzip signature, so both the
    /// packaged .gz files and unpacked copies work.
    /// </summary>
    public static Stream OpenRead(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> signature = stackalloc byte[2];
        int read = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool isGzip = read == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }
}
