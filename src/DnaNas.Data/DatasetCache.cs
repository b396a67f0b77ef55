using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DnaNas.Data;

/// <summary>
/// Decoded, resized training pool and test set of one source in one binary file, so later runs skip decoding.
/// </summary>
/// <remarks>
/// The cache holds the data before the validation split and subsetting: those are cheap copies, and leaving
/// them out of the key lets runs with other fractions or Max* sizes share one file.
/// Layout (little-endian): magic "DNANASDS", int32 format version, int32 header length, header (key text,
/// then per set: class names, channels, height, width, count), then per set its int32 labels and its
/// pixels, then a <see cref="ContentChecksum"/> of header, labels and each image in turn (image by image, so a
/// file is checked and written while its images stream through). A set of at most the in-memory limit is read
/// straight into arrays (on this 2-core box every extra 200 MB copy costs about a second); a larger one stays in
/// the file and its images are read on demand (<see cref="FilePixels"/>).
/// </remarks>
internal static class DatasetCache
{
    /// <summary>Bump when decoding, resizing or this layout changes, so stale files stop matching.</summary>
    public const int FormatVersion = 2;

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

    /// <summary>
    /// The cached data, or null when the file is missing, damaged, from another format, or for another key. Sets of
    /// more than <paramref name="inMemoryLimit"/> pixel bytes together stay in the file, read image by image.
    /// </summary>
    public static SourceData? TryRead(string file, string key, long inMemoryLimit)
    {
        SafeFileHandle? handle = null;
        try
        {
            if (!File.Exists(file)) return null;
            handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            var data = Read(new HandleReader(handle), file, key, inMemoryLimit);
            // A streamed set keeps the handle open for its reads; a set in memory needs it no longer.
            if (data is null || !data.TrainPool.IsStreamed) handle.Dispose();
            return data;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
                                       or ArgumentException or OverflowException)
        {
            // Damaged, foreign or unreadable: decoding again is always a correct answer.
            handle?.Dispose();
            return null;
        }
    }

    private static SourceData? Read(HandleReader reader, string file, string key, long inMemoryLimit)
    {
        Span<byte> preamble = stackalloc byte[PreambleLength];
        if (reader.Length < PreambleLength + ChecksumLength) return null;
        reader.ReadExactly(preamble);
        if (!preamble[..Magic.Length].SequenceEqual(Magic)) return null;
        if (BinaryPrimitives.ReadInt32LittleEndian(preamble[8..]) != FormatVersion) return null;
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(preamble[12..]);
        if (headerLength < 0 || headerLength > reader.Length - PreambleLength) return null;

        var header = new byte[headerLength];
        reader.ReadExactly(header);
        using var headerReader = new BinaryReader(new MemoryStream(header, writable: false), Encoding.UTF8);
        if (headerReader.ReadString() != key) return null;
        var trainShape = SetShape.Read(headerReader);
        var testShape = SetShape.Read(headerReader);

        // Check the length before allocating, so a truncated file costs nothing.
        long expectedLength = PreambleLength + headerLength + trainShape.DataLength + testShape.DataLength + ChecksumLength;
        if (reader.Length != expectedLength) return null;

        bool streamed = trainShape.PixelCount + testShape.PixelCount > inMemoryLimit;
        var checksum = new ContentChecksum();
        checksum.Add(header);
        var trainPool = trainShape.ReadData(reader, file, checksum, streamed);
        var test = testShape.ReadData(reader, file, checksum, streamed);
        Span<byte> stored = stackalloc byte[ChecksumLength];
        reader.ReadExactly(stored);
        return BitConverter.ToUInt64(stored) == checksum.Value ? new SourceData(trainPool, test) : null;
    }

    /// <summary>
    /// Writes <paramref name="data"/> to a temporary name in the same folder and renames, so readers never see half a
    /// file. A cache that cannot be written (read-only or full disk) only costs the next run a decode, so it is not an error.
    /// </summary>
    public static bool TryWrite(string file, string key, SourceData data)
    {
        try
        {
            using var writer = new CacheFileWriter(file, key, data.TrainPool.ClassNames, data.TrainPool.Channels, data.TrainPool.Height,
                data.TrainPool.Labels, data.Test.Labels);
            writer.Append(data.TrainPool.Pixels);
            writer.Append(data.Test.Pixels);
            writer.Commit();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Decodes every image of <paramref name="opened"/> straight into the cache file, a chunk at a time, so a set larger
    /// than memory never is in memory; temporary name and rename as in <see cref="TryWrite"/>. Throws IOException when
    /// the file cannot be written: such a set has nowhere else to go.
    /// </summary>
    public static void WriteStreamed(string file, string key, OpenedSource opened, int size, int channels)
    {
        using var writer = new CacheFileWriter(file, key, opened.ClassNames, channels, size, opened.PoolLabels, opened.TestLabels);
        opened.DecodeInto(false, OpenedSource.AllOf(opened.PoolLabels), size, channels, writer);
        opened.DecodeInto(true, OpenedSource.AllOf(opened.TestLabels), size, channels, writer);
        writer.Commit();
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

    /// <summary>
    /// A cache file being written: header and the pool's labels first, then the images as they arrive, the test
    /// set's labels once the pool's images are all in, and the checksum and rename at <see cref="Commit"/>.
    /// Disposed without a commit, it deletes its temporary file.
    /// </summary>
    private sealed class CacheFileWriter : ImageSink, IDisposable
    {
        private readonly string _file;
        private readonly string _temporary;
        private readonly FileStream _stream;
        private readonly int[][] _labels;
        private readonly ContentChecksum _checksum = new();
        private int _set;
        private long _imagesInSet;
        private bool _committed;

        public CacheFileWriter(string file, string key, IReadOnlyList<string> classNames, int channels, int size, int[] poolLabels, int[] testLabels)
            : base(channels * size * size)
        {
            _file = file;
            _temporary = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            _labels = [poolLabels, testLabels];
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            try
            {
                var header = new MemoryStream();
                using (var headerWriter = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
                {
                    headerWriter.Write(key);
                    new SetShape([.. classNames], channels, size, size, poolLabels.Length).Write(headerWriter);
                    new SetShape([.. classNames], channels, size, size, testLabels.Length).Write(headerWriter);
                }
                var headerBytes = header.GetBuffer().AsSpan(0, (int)header.Length);
                Span<byte> preamble = stackalloc byte[PreambleLength];
                Magic.CopyTo(preamble);
                BinaryPrimitives.WriteInt32LittleEndian(preamble[8..], FormatVersion);
                BinaryPrimitives.WriteInt32LittleEndian(preamble[12..], headerBytes.Length);
                _stream.Write(preamble);
                _stream.Write(headerBytes);
                _checksum.Add(headerBytes);
                WriteLabels();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>From the pool's images to the test set's: its labels come before its images.</summary>
        private void StartTestSet()
        {
            _set = 1;
            _imagesInSet = 0;
            WriteLabels();
        }

        // Raw little-endian int32 labels: every platform .NET runs this on is little-endian.
        private void WriteLabels()
        {
            var labels = MemoryMarshal.AsBytes(_labels[_set].AsSpan());
            _stream.Write(labels);
            _checksum.Add(labels);
        }

        public override void Append(ReadOnlySpan<byte> images)
        {
            if (images.Length % ImageSize != 0) throw new ArgumentException($"{images.Length} bytes are not whole images of {ImageSize}.", nameof(images));
            for (int offset = 0; offset < images.Length; offset += ImageSize)
            {
                if (_imagesInSet == _labels[_set].Length)
                {
                    if (_set == 1) throw new InvalidOperationException("More images than labels were written to the cache.");
                    StartTestSet();
                }
                var image = images.Slice(offset, ImageSize);
                _stream.Write(image);
                _checksum.Add(image);
                _imagesInSet++;
            }
        }

        public void Commit()
        {
            // An empty test set still has its (empty) labels written.
            if (_set == 0 && _imagesInSet == _labels[0].Length) StartTestSet();
            if (_set != 1 || _imagesInSet != _labels[1].Length) throw new InvalidOperationException("Fewer images than labels were written to the cache.");
            Span<byte> checksum = stackalloc byte[ChecksumLength];
            BinaryPrimitives.WriteUInt64LittleEndian(checksum, _checksum.Value);
            _stream.Write(checksum);
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_temporary, _file, overwrite: true);
            _committed = true;
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_committed) TryDelete(_temporary);
        }
    }

    /// <summary>Sequential reads through a file handle that may stay open afterwards for the images' own reads.</summary>
    private sealed class HandleReader(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;
        public long Length { get; } = RandomAccess.GetLength(handle);
        public long Position { get; private set; }

        public void ReadExactly(Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int read = RandomAccess.Read(Handle, destination, Position);
                if (read == 0) throw new EndOfStreamException();
                destination = destination[read..];
                Position += read;
            }
        }
    }

    /// <summary>What the header records about one image set.</summary>
    private sealed record SetShape(string[] ClassNames, int Channels, int Height, int Width, int Count)
    {
        public long PixelCount => checked((long)Count * Channels * Height * Width);
        public long DataLength => checked(4L * Count + PixelCount);


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

        private int ImageSize => checked(Channels * Height * Width);

        /// <summary>
        /// The set's labels and images, checked against the checksum: pixels read into one array, or (streamed)
        /// checked a buffer at a time and left in the file for <see cref="FilePixels"/>.
        /// </summary>
        public ImageSet ReadData(HandleReader reader, string file, ContentChecksum checksum, bool streamed)
        {
            var labels = new int[Count];
            var labelBytes = MemoryMarshal.AsBytes(labels.AsSpan());
            reader.ReadExactly(labelBytes);
            checksum.Add(labelBytes);
            int imageSize = ImageSize;
            // The constructors reject impossible shapes and labels (ArgumentException: treated as damage).
            if (!streamed)
            {
                var pixels = ImageSet.AllocatePixels(Count, Channels, Height, Width);
                reader.ReadExactly(pixels);
                checksum.AddImages(pixels, imageSize);
                return new ImageSet(pixels, labels, Channels, Height, Width, ClassNames);
            }

            long start = reader.Position;
            var buffer = new byte[Math.Max(1, (4 << 20) / imageSize) * (long)imageSize];
            for (long left = PixelCount; left > 0;)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.LongLength, left));
                reader.ReadExactly(chunk);
                checksum.AddImages(chunk, imageSize);
                left -= chunk.Length;
            }
            var stored = FilePixels.Open(reader.Handle, file, start, imageSize, Count);
            return new ImageSet(stored, labels, Channels, Height, Width, ClassNames);
        }
    }
}
