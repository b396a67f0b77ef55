using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;
using SkiaSharp;

namespace DnaNas.Tests;

/// <summary>
/// An RGB image folder a user could have: five classes of real Fashion-MNIST test images, each class tinted its
/// own colour and saved as 48x48 PNG, in one sub-folder per class.
/// </summary>
public sealed class RgbFolder : IDisposable
{
    public const int Side = 48, Classes = 5, PerClass = 120;
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"dna-rgb-{Guid.NewGuid():N}");

    public RgbFolder()
    {
        var fashion = Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, Side, 1) { MaxTest = 2_000 });
        var tints = new (float R, float G, float B)[] { (1, 0.35f, 0.35f), (0.35f, 1, 0.35f), (0.35f, 0.35f, 1), (1, 1, 0.35f), (0.35f, 1, 1) };
        var written = new int[Classes];
        for (int i = 0; i < fashion.Test.Count; i++)
        {
            int label = fashion.Test.Labels[i];
            if (label >= Classes || written[label] == PerClass) continue;
            var plane = fashion.Test.Pixels.AsSpan(i * Side * Side, Side * Side);
            using var bitmap = new SKBitmap(new SKImageInfo(Side, Side, SKColorType.Rgba8888, SKAlphaType.Opaque));
            var pixels = bitmap.GetPixelSpan();
            var (r, g, b) = tints[label];
            for (int p = 0; p < plane.Length; p++)
            {
                pixels[4 * p] = (byte)(plane[p] * r);
                pixels[4 * p + 1] = (byte)(plane[p] * g);
                pixels[4 * p + 2] = (byte)(plane[p] * b);
                pixels[4 * p + 3] = 255;
            }
            string file = System.IO.Path.Combine(Path, $"class{label}", $"{written[label]++:D3}.png");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(file, png.ToArray());
        }
        Assert.All(written, n => Assert.Equal(PerClass, n));
        // A user space for these images: three blocks with squeeze-excite and swish.
        SpacePath = System.IO.Path.Combine(Path + "-space.json");
        var space = BuiltinSpaces.FmnistMbconv with
        {
            Name = "rgb48-se", InputSize = Side, InputChannels = 3, Classes = Classes, SqueezeExcite = true, Activation = Activation.Swish,
            Stem = new StemSpec(16, Stride: 2),
            Blocks = [new BlockSpec(2, 24, 2, 1), new BlockSpec(2, 40, 2, 1), new BlockSpec(2, 64, 2, 1)],
            Ops = [BuiltinSpaces.FmnistMbconv.Ops[0], BuiltinSpaces.FmnistMbconv.Ops[1], BuiltinSpaces.FmnistMbconv.Ops[2]],
            Head = new HeadSpec(128),
        };
        File.WriteAllText(SpacePath, SpaceFile.ToJson(space.Validate()));
    }

    public string SpacePath { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, true);
        if (File.Exists(SpacePath)) File.Delete(SpacePath);
    }
}

/// <summary>The tiny preset end to end on a user's own RGB folder: derived space, a user space, and a study.</summary>
[Collection(Lanes.B)]
public class FolderRunTests(RgbFolder folder) : IClassFixture<RgbFolder>
{
    private static string TempFolder(string name) => Path.Combine(Path.GetTempPath(), $"dna-{name}-{Guid.NewGuid():N}");

    private static void AssertFiveClassNetworkAt48(string run, string expectedSpace)
    {
        var layout = DnaRun.Open(run).Layout;
        var space = layout.ReadSpace();
        Assert.Equal((RgbFolder.Side, 3, RgbFolder.Classes), (space.InputSize, space.InputChannels, space.Classes));
        Assert.StartsWith(expectedSpace, space.Name);
        var searched = new TrainRun(layout.RetrainFolder).ReadResult()!;
        Architecture.Parse(searched.Architecture, space);
        Assert.Equal(RgbFolder.Classes, searched.TestClasses!.Classes.Count);
        Assert.Equal(searched.TestClasses.Count, searched.TestClasses.Confusion.Sum(r => r.Sum()));
        Assert.Contains("balanced accuracy", File.ReadAllText(layout.SummaryPath));
        Assert.True(File.Exists(Path.Combine(layout.PlotsFolder, "confusion-searched.png")));
    }

    [Fact]
    public void A_tiny_run_on_an_rgb_folder_derives_a_48_pixel_rgb_space_and_ends_with_a_five_class_network()
    {
        string run = TempFolder("folder-run");
        try
        {
            var (code, output, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--dataset", "folder", "--data", folder.Path, "--out", run]);
            Assert.True(code == 0, err);
            Assert.Contains("derived space fmnist-mbconv-48rgb-5c", output);
            Assert.Contains("48x48 RGB, 5 classes", output);
            AssertFiveClassNetworkAt48(run, "fmnist-mbconv-48rgb-5c");
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, true);
        }
    }

    [Fact]
    public void A_tiny_run_searches_a_user_space_with_squeeze_excite_and_swish_on_the_folder()
    {
        string run = TempFolder("folder-space");
        try
        {
            var (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--jobs", "1", "--dataset", "folder", "--data", folder.Path, "--space", folder.SpacePath, "--out", run]);
            Assert.True(code == 0, err);
            AssertFiveClassNetworkAt48(run, "rgb48-se");
            Assert.True(DnaRun.Open(run).Layout.ReadSpace().SqueezeExcite);
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, true);
        }
    }

    [Fact]
    public void A_study_runs_on_the_user_space_and_folder()
    {
        string study = TempFolder("folder-study");
        try
        {
            var (code, output, err) = CliTests.Dna("study", "--preset", "tiny", "--threads", "1", "--dataset", "folder", "--data", folder.Path, "--space", folder.SpacePath, "--out", study);
            Assert.True(code == 0, err);
            Assert.Contains("== Report", output);
            using var scores = new DnaNas.Studies.ScoreStore(Path.Combine(study, "scores.db"));
            Assert.Contains("dna", scores.Sources());
            Assert.Equal(SpaceFile.Load(folder.SpacePath) with { Classes = RgbFolder.Classes }, SpaceFile.Load(Path.Combine(study, "dna", "space.json")));
        }
        finally
        {
            if (Directory.Exists(study)) Directory.Delete(study, true);
        }
    }

    [Theory]
    [InlineData("fmnist-mbconv", "space fmnist-mbconv takes 28x28 gray images")]
    public void A_space_that_would_shrink_colour_images_to_gray_is_refused_naming_both(string space, string expected)
    {
        var (code, _, err) = CliTests.Dna([.. DnaRunCliTests.Tiny, "--dataset", "folder", "--data", folder.Path, "--space", space, "--out", TempFolder("unused")]);
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
        Assert.Contains("48x48 RGB with 5 classes", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}
