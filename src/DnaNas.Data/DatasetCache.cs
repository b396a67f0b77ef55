using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace DnaNas.Data;

/// <summary>
/// Decoded, resized training pool and test set of one source in one binary file, so later runs skip decoding.
/// </summary>
/// <remarks>
/// The cache holds the data before the validation split and subsetting: those are cheap copies, and leaving
/// them out of the key lets runs with other fractions or Max* sizes share one file.
/// Layout (little-endian): magic "DNANASDS", int32 format version, int32 header length, header (key text,
/// then per set: class names, channels, height, width, count), then per set its int32 labels and its
/// pixels, then a <see cref="ContentChecksum"/> of header, labels and pixels. The arrays are read straight
/// into the final image sets: on this 2-core box every extra 200 MB copy costs about a second.
/// </remarks>
internal static class DatasetCache
{
    /// <summary>Bump when decoding, resizing or this layout changes, so stale files stop matching.</summary>
    public const int FormatVersion = 1;

    private static readonly byte[] Magic = "DNANASDS"u8.ToArray();
    private const int PreambleLength = 8 + 4 + 4;
    private const int ChecksumLength = 8;

    /// <summary>Everything the cached data depends on, one fact per line.</summary>
    public static string KeyFor(DatasetSource source, DatasetRequest request)
    {
        var key = new StringBuilder();
        key.AppendLine(CultureInfo.InvariantCulture, $"format {FormatVersion}");
        key.AppendLine(CultureInfo.InvariantCulture, $"kind {request.Kind}");
        key.AppendLine(CultureInfo.InvariantCulture, $"location {source.Location}");
        foreach (string file in source.Files)
        {
            var info = new FileInfo(file);
            key.AppendLine(CultureInfo.InvariantCulture, $"file {file} {info.Length} {info.LastWriteTimeUtc.Ticks}");
        }
        key.AppendLine(CultureInfo.InvariantCulture, $"size {request.InputSize} channels {request.Channels}");
        if (source.TestSplitDependsOnSeed) key.AppendLine(CultureInfo.InvariantCulture, $"test-split-seed {request.SplitSeed}");
        return key.ToString();
    }

    /// <summary>"fashion-mnist-0123456789abcdef.bin": readable prefix, hashed key.</summary>
    public static string FileFor(string cacheDirectory, DatasetSource source, string key)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        string name = string.Concat(source.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '_'));
        return Path.Combine(cacheDirectory, $"{name}-{hash}.bin");
    }

    /// <summary>The cached data, or null when the file is missing, damaged, from another format, or for another key.</summary>
    public static SourceData? TryRead(string file, string key)
    {
        try
        {
            if (!File.Exists(file)) return null;
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            return Read(stream, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
                                       or ArgumentException or OverflowException)
        {
            // Damaged, foreign or unreadable: decoding again is always a correct answer.
            return null;
        }
    }

    private static SourceData? Read(FileStream stream, string key)
    {
        using var preambleReader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (!preambleReader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) return null;
        if (preambleReader.ReadInt32() != FormatVersion) return null;
        int headerLength = preambleReader.ReadInt32();
        if (headerLength < 0 || headerLength > stream.Length - PreambleLength) return null;

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        using var headerReader = new BinaryReader(new MemoryStream(header, writable: false), Encoding.UTF8);
        if (headerReader.ReadString() != key) return null;
        var trainShape = SetShape.Read(headerReader);
        var testShape = SetShape.Read(headerReader);

        // Check the length before allocating, so a truncated file costs nothing.
        long expectedLength = PreambleLength + headerLength + trainShape.DataLength + testShape.DataLength + ChecksumLength;
        if (stream.Length != expectedLength) return null;

        var checksum = new ContentChecksum();
        checksum.Add(header);
        var trainPool = trainShape.ReadData(stream, checksum);
        var test = testShape.ReadData(stream, checksum);
        Span<byte> stored = stackalloc byte[ChecksumLength];
        stream.ReadExactly(stored);
        return BitConverter.ToUInt64(stored) == checksum.Value ? new SourceData(trainPool, test) : null;
    }

    /// <summary>
    /// Writes to a temporary name in the same folder and renames, so readers never see half a file. A cache
    /// that cannot be written (read-only or full disk) only costs the next run a decode, so it is not an error.
    /// </summary>
    public static bool TryWrite(string file, string key, SourceData data)
    {
        string temporary = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Write(stream, key, data);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, file, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            return false;
        }
    }

    private static void Write(Stream stream, string key, SourceData data)
    {
        var header = new MemoryStream();
        using (var headerWriter = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            headerWriter.Write(key);
            SetShape.Of(data.TrainPool).Write(headerWriter);
            SetShape.Of(data.Test).Write(headerWriter);
        }

        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write((int)header.Length);
        writer.Write(header.GetBuffer(), 0, (int)header.Length);

        var checksum = new ContentChecksum();
        checksum.Add(header.GetBuffer().AsSpan(0, (int)header.Length));
        foreach (var set in new[] { data.TrainPool, data.Test })
        {
            // Raw little-endian int32 labels: every platform .NET runs this on is little-endian.
            var labels = MemoryMarshal.AsBytes(set.Labels.AsSpan());
            writer.Write(labels);
            checksum.Add(labels);
            writer.Write(set.Pixels);
            checksum.Add(set.Pixels);
        }
        writer.Write(checksum.Value);
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do; *.tmp files in the cache folder are safe to delete by hand.
        }
    }

    /// <summary>What the header records about one image set.</summary>
    private sealed record SetShape(string[] ClassNames, int Channels, int Height, int Width, int Count)
    {
        public long PixelCount => checked((long)Count * Channels * Height * Width);
        public long DataLength => checked(4L * Count + PixelCount);

        public static SetShape Of(ImageSet set) =>
            new(set.ClassNames.ToArray(), set.Channels, set.Height, set.Width, set.Count);

        public static SetShape Read(BinaryReader reader)
        {
            int classCount = reader.ReadInt32();
            if (classCount is < 1 or > 1_000_000) throw new InvalidDataException("bad class count");
            var classNames = new string[classCount];
            for (int c = 0; c < classCount; c++) classNames[c] = reader.ReadString();
            return new SetShape(classNames, reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
        }

        public void Write(BinaryWriter writer)
        {
            writer.Write(ClassNames.Length);
            foreach (string name in ClassNames) writer.Write(name);
            writer.Write(Channels);
            writer.Write(Height);
            writer.Write(Width);
            writer.Write(Count);
        }

        public ImageSet ReadData(Stream stream, ContentChecksum checksum)
        {
            var labels = new int[Count];
            var labelBytes = MemoryMarshal.AsBytes(labels.AsSpan());
            stream.ReadExactly(labelBytes);
            checksum.Add(labelBytes);
            var pixels = new byte[PixelCount];
            stream.ReadExactly(pixels);
            checksum.Add(pixels);
            // The constructor rejects impossible shapes and labels (ArgumentException: treated as damage).
            return new ImageSet(pixels, labels, Channels, Height, Width, ClassNames);
        }
    }
}
