namespace DnaNas.Data;

/// <summary>
/// A folder with one sub-folder of images per class (class index = position in ordinal name order), or with
/// train/ and test/ folders laid out that way. Images are decoded with SkiaSharp.
/// </summary>
internal sealed class ImageFolderSource : DatasetSource
{
    private const double TestFraction = 1.0 / 6;
    private const string LayoutHint = "pass --data DIR with one sub-folder of images per class (or train/ and test/ folders laid out that way)";

    // Formats the SkiaSharp Linux build decodes. Other files (notes, .DS_Store) are skipped instead of failing.
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".gif", ".webp", ".ico", ".wbmp",
    };

    private readonly IReadOnlyList<string> _classNames;
    private readonly IReadOnlyList<LabelledFile> _trainFiles;
    private readonly IReadOnlyList<LabelledFile>? _testFiles;

    private ImageFolderSource(string folder, IReadOnlyList<string> classNames, IReadOnlyList<LabelledFile> trainFiles,
        IReadOnlyList<LabelledFile>? testFiles)
    {
        Location = folder;
        _classNames = classNames;
        _trainFiles = trainFiles;
        _testFiles = testFiles;
    }

    private readonly record struct LabelledFile(string Path, int Label);

    public override string Name => "folder:" + Path.GetFileName(Location);
    public override string Location { get; }
    public override IReadOnlyList<string> Files =>
        _trainFiles.Concat(_testFiles ?? []).Select(file => file.Path).ToArray();
    public override bool TestSplitDependsOnSeed => _testFiles is null;

    public int ClassCount => _classNames.Count;

    // Photos of objects keep their class in a mirror; folders of text or left/right classes say otherwise
    // through DatasetRequest.MirrorChangesLabels.
    public override bool MirrorKeepsLabels => true;

    public static ImageFolderSource Locate(string? path)
    {
        if (path is null)
            throw new DatasetException($"The image-folder dataset needs a folder: {LayoutHint}.");
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!Directory.Exists(folder))
            throw new DatasetException($"Image folder '{folder}' does not exist: {LayoutHint}.");

        string trainFolder = Path.Combine(folder, "train");
        string testFolder = Path.Combine(folder, "test");
        if (Directory.Exists(testFolder) && ClassFolders(trainFolder) is { Length: > 0 } trainClasses)
        {
            var classNames = trainClasses.Select(classFolder => Path.GetFileName(classFolder)).ToArray();
            var testClasses = ClassFolders(testFolder);
            if (testClasses.Length == 0)
                throw new DatasetException($"Test folder '{testFolder}' has no class sub-folders: give it the class folders of '{trainFolder}'.");
            foreach (string testClass in testClasses)
            {
                if (Array.IndexOf(classNames, Path.GetFileName(testClass)) < 0)
                    throw new DatasetException(
                        $"Class folder '{testClass}' has no counterpart in '{trainFolder}': rename or remove it.");
            }
            return new ImageFolderSource(folder, classNames, ListImages(trainClasses, classNames), ListImages(testClasses, classNames));
        }

        var classes = ClassFolders(folder);
        if (classes.Length == 0)
            throw new DatasetException($"Image folder '{folder}' has no class sub-folders: {LayoutHint}.");
        var names = classes.Select(classFolder => Path.GetFileName(classFolder)).ToArray();
        return new ImageFolderSource(folder, names, ListImages(classes, names), testFiles: null);
    }

    /// <summary>Visible sub-folders in ordinal name order, so class indices do not depend on culture or file system.</summary>
    private static string[] ClassFolders(string folder)
    {
        if (!Directory.Exists(folder)) return [];
        var folders = Directory.GetDirectories(folder).Where(IsVisible).ToArray();
        Array.Sort(folders, StringComparer.Ordinal);
        return folders;
    }

    private static bool IsVisible(string path) => !Path.GetFileName(path).StartsWith('.');

    /// <summary>Image files of each class folder (recursively, ordinal path order); an empty class is an error.</summary>
    private static LabelledFile[] ListImages(string[] classFolders, string[] classNames)
    {
        var files = new List<LabelledFile>();
        var hidden = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };
        foreach (string classFolder in classFolders)
        {
            int label = Array.IndexOf(classNames, Path.GetFileName(classFolder));
            var images = Directory.GetFiles(classFolder, "*", hidden)
                .Where(file => IsVisible(file) && ImageExtensions.Contains(Path.GetExtension(file)))
                .ToArray();
            if (images.Length == 0)
                throw new DatasetException($"Class folder '{classFolder}' has no images: add images or remove the folder.");
            Array.Sort(images, StringComparer.Ordinal);
            files.AddRange(images.Select(image => new LabelledFile(image, label)));
        }
        return files.ToArray();
    }

    public override OpenedSource Open(long splitSeed)
    {
        if (_testFiles is not null) return new OpenedFolder(this, _trainFiles.ToArray(), _testFiles.ToArray());
        // The test images are held out from the labels, before any file is decoded.
        var labels = _trainFiles.Select(file => file.Label).ToArray();
        var (test, train) = HoldOutIndices(labels, _classNames.Count, TestFraction, splitSeed);
        return new OpenedFolder(this, train.Select(i => _trainFiles[i]).ToArray(), test.Select(i => _trainFiles[i]).ToArray());
    }

    private sealed class OpenedFolder(ImageFolderSource source, LabelledFile[] pool, LabelledFile[] test) : OpenedSource
    {
        public override int[] PoolLabels { get; } = pool.Select(file => file.Label).ToArray();
        public override int[] TestLabels { get; } = test.Select(file => file.Label).ToArray();
        public override IReadOnlyList<string> ClassNames => source._classNames;

        public override void DecodeInto(bool isTest, int[] indices, int size, int channels, ImageSink sink) =>
            DecodeFiles(indices.Select(i => (isTest ? test : pool)[i].Path).ToArray(), size, channels, sink);
    }

    // Files decoded between two appends: about 32 MB of pixels, so memory stays flat however many images there are.
    private const int ChunkBytes = 32 << 20;

    private static void DecodeFiles(string[] files, int size, int channels, ImageSink sink)
    {
        int imageSize = channels * size * size;
        int perChunk = Math.Clamp(ChunkBytes / imageSize, 64, 8192);
        var chunk = new byte[(long)Math.Min(perChunk, files.Length) * imageSize];
        for (int start = 0; start < files.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, files.Length - start);
            var failures = new DatasetException?[count];
            // Each image lands in its own slot, so the result does not depend on scheduling. Break() still runs
            // every lower index, so the error reported is always the first bad file in order.
            Parallel.For(0, count, (index, loop) =>
            {
                try
                {
                    ImageDecoder.DecodeInto(files[start + index], size, channels, chunk.AsSpan(index * imageSize, imageSize));
                }
                catch (DatasetException e)
                {
                    failures[index] = e;
                    loop.Break();
                }
            });
            if (failures.FirstOrDefault(failure => failure is not null) is { } first) throw first;
            sink.Append(chunk.AsSpan(0, count * imageSize));
        }
    }
}
