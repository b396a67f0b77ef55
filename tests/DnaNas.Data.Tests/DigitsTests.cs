namespace DnaNas.Data.Tests;

public sealed class DigitsTests
{
    // Images per digit 0..9 in scikit-learn's digits data.
    private static readonly int[] SklearnClassCounts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];

    private static DatasetRequest Request(string? path = null, int inputSize = 16) =>
        new(DatasetKind.Digits, path, inputSize, Channels: 1) { UseCache = false };

    private static int[] Add(int[] a, int[] b, int[] c) => a.Select((value, i) => value + b[i] + c[i]).ToArray();

    [Fact]
    public void The_digits_load_as_1797_images_with_the_sklearn_class_counts_resized_to_16()
    {
        var splits = Datasets.Load(Request());

        Assert.Equal("digits", splits.Name);
        Assert.Equal(1797, splits.Train.Count + splits.Validation.Count + splits.Test.Count);
        Assert.Equal(SklearnClassCounts, Add(splits.Train.CountPerClass(), splits.Validation.CountPerClass(), splits.Test.CountPerClass()));
        // 1/5 held out as test, stratified: each class gives a fifth of its images, give or take one.
        Assert.Equal(359, splits.Test.Count);
        var testCounts = splits.Test.CountPerClass();
        for (int digit = 0; digit < 10; digit++)
            Assert.InRange(testCounts[digit], SklearnClassCounts[digit] / 5 - 1, SklearnClassCounts[digit] / 5 + 1);
        Assert.Equal((1, 16, 16), (splits.Train.Channels, splits.Train.Height, splits.Train.Width));
        Assert.Equal(255, splits.Train.Pixels.Max());
    }

    [Fact]
    public void At_native_size_the_pixels_are_the_csv_values_scaled_from_16_to_255()
    {
        var splits = Datasets.Load(Request(inputSize: 8));

        Assert.All(splits.Train.Pixels, value => Assert.Contains(value, Enumerable.Range(0, 17).Select(v => (byte)Math.Round(v * 255 / 16.0, MidpointRounding.AwayFromZero))));
    }

    [Fact]
    public void A_folder_holding_the_file_can_be_given_as_the_path()
    {
        var splits = Datasets.Load(Request(path: "/usr/share/datasets/digits"));

        Assert.Equal(1797 - 359, splits.Train.Count + splits.Validation.Count);
    }

    [Fact]
    public void A_row_with_the_wrong_field_count_names_the_file_and_line()
    {
        using var folder = new TempDirectory();
        string file = folder.Combine("digits.csv.gz");
        var rows = Lines().Take(5).ToList();
        rows[2] = string.Join(',', rows[2].Split(',').Skip(1));
        Gzip.Write(file, System.Text.Encoding.ASCII.GetBytes(string.Join('\n', rows)));

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(path: file)));

        Assert.Contains(file, error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("found 64", error.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_the_file_line_and_field()
    {
        using var folder = new TempDirectory();
        string file = folder.Combine("digits.csv.gz");
        var rows = Lines().Take(5).ToList();
        rows[1] = "x" + rows[1][1..];
        Gzip.Write(file, System.Text.Encoding.ASCII.GetBytes(string.Join('\n', rows)));

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(path: file)));

        Assert.Contains(file, error.Message);
        Assert.Contains("line 2", error.Message);
        Assert.Contains("field 1", error.Message);
    }

    [Fact]
    public void A_missing_file_says_how_to_get_it()
    {
        using var folder = new TempDirectory();

        var error = Assert.Throws<DatasetException>(() => Datasets.Load(Request(path: folder.Path)));

        Assert.Contains(folder.Combine("digits.csv.gz"), error.Message);
        Assert.Contains("apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb x", error.Message);
        Assert.Contains("/usr/share/datasets/digits/", error.Message);
    }

    private static IEnumerable<string> Lines() =>
        System.Text.Encoding.ASCII.GetString(Gzip.Decompress("/usr/share/datasets/digits/digits.csv.gz"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
