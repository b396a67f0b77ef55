using System.Globalization;

namespace DnaNas.Data;

/// <summary>
/// scikit-learn's handwritten digits (UCI optdigits test set): one row per image, 64 pixel values 0..16 of
/// an 8x8 image, then the label 0..9, comma separated, no header.
/// </summary>
internal sealed class DigitsSource : DatasetSource
{
    public const string FileName = "digits.csv.gz";
    private const int Side = 8;
    private const int PixelsPerRow = Side * Side;
    private const int MaxPixelValue = 16;
    private const double TestFraction = 1.0 / 5;

    public static readonly IReadOnlyList<string> DefaultPaths =
    [
        "/usr/share/datasets/digits/digits.csv.gz",
        "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
    ];

    private const string InstallHint =
        "get it with: apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb x && " +
        "mkdir -p /usr/share/datasets/digits && " +
        "cp x/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz /usr/share/datasets/digits/ " +
        "(or pass --data FILE)";

    private static readonly string[] DigitClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private DigitsSource(string file) => Location = file;

    public override string Name => "digits";
    public override string Location { get; }
    public override IReadOnlyList<string> Files => [Location];
    public override bool TestSplitDependsOnSeed => true;

    // A mirrored 2, 3, 5 or 7 is no longer that digit.
    public override bool MirrorKeepsLabels => false;

    /// <summary><paramref name="path"/> may be the file, a folder holding digits.csv.gz, or null for the default places.</summary>
    public static DigitsSource Locate(string? path)
    {
        if (path is null)
        {
            string? found = DefaultPaths.FirstOrDefault(File.Exists);
            return found is not null
                ? new DigitsSource(found)
                : throw new DatasetException($"Digits file not found at {string.Join(" or ", DefaultPaths)}: {InstallHint}.");
        }

        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) full = Path.Combine(full, FileName);
        return File.Exists(full)
            ? new DigitsSource(full)
            : throw new DatasetException($"Digits file '{full}' does not exist: {InstallHint}.");
    }

    // The hold-out depends on labels only, so holding out at 8x8 and resizing later picks the same images.
    public override OpenedSource Open(long splitSeed) => new InMemorySource(HoldOutTest(Parse(Location), TestFraction, splitSeed));

    private static ImageSet Parse(string file)
    {
        var pixels = new List<byte>(1797 * PixelsPerRow);
        var labels = new List<int>(1797);
        try
        {
            using var reader = new StreamReader(CompressedFile.OpenRead(file));
            int lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var fields = line.Split(',');
                if (fields.Length != PixelsPerRow + 1)
                    throw BadRow(file, lineNumber, $"expected {PixelsPerRow + 1} comma-separated values (64 pixels, then the label), found {fields.Length}");
                for (int f = 0; f < PixelsPerRow; f++)
                {
                    double value = ParseNumber(file, lineNumber, f, fields[f]);
                    if (value is < 0 or > MaxPixelValue)
                        throw BadRow(file, lineNumber, $"pixel {f + 1} is {fields[f].Trim()}, expected 0-{MaxPixelValue}");
                    // 0..16 ink counts to 0..255 gray levels.
                    pixels.Add((byte)Math.Round(value * 255 / MaxPixelValue, MidpointRounding.AwayFromZero));
                }
                double label = ParseNumber(file, lineNumber, PixelsPerRow, fields[PixelsPerRow]);
                if (label != Math.Floor(label) || label is < 0 or > 9)
                    throw BadRow(file, lineNumber, $"label is {fields[PixelsPerRow].Trim()}, expected a digit 0-9");
                labels.Add((int)label);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException($"'{file}' is corrupt (its gzip data does not decode): {InstallHint}.", e);
        }
        catch (IOException e)
        {
            throw new DatasetException($"Cannot read '{file}' ({e.Message.TrimEnd('.')}): {InstallHint}.", e);
        }

        if (labels.Count == 0) throw new DatasetException($"'{file}' holds no rows: {InstallHint}.");
        return new ImageSet(pixels.ToArray(), labels.ToArray(), 1, Side, Side, DigitClassNames);
    }

    private static double ParseNumber(string file, int lineNumber, int fieldIndex, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw BadRow(file, lineNumber, $"field {fieldIndex + 1} \"{text.Trim()}\" is not a number");

    private static DatasetException BadRow(string file, int lineNumber, string problem) =>
        new($"'{file}' line {lineNumber}: {problem}; fix or replace the file ({InstallHint}).");
}
