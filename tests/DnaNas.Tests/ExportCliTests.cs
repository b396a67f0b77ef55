using System.Globalization;
using DnaNas.Data;
using DnaNas.Export;
using DnaNas.Methods.Dna;
using DnaNas.Training;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace DnaNas.Tests;

/// <summary><c>dna export</c> on the tiny reference run: the shipped file classifies the test split as the run reported.</summary>
[Collection(Lanes.A)]
public class ExportCliTests(TinyReferenceRun reference)
{
    [Fact]
    public void The_searched_network_exports_and_onnx_runtime_reproduces_the_runs_test_accuracy_over_the_whole_test_split()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dna-export-{Guid.NewGuid():N}.onnx");
        try
        {
            var (code, output, err) = CliTests.Dna("export", reference.Folder, "--out", path, "--verify-images", "100000");
            Assert.True(code == 0, err);
            var layout = DnaRun.Open(reference.Folder).Layout;
            var trained = new TrainRun(layout.RetrainFolder).ReadResult()!;
            Assert.Contains($"searched ({trained.Architecture})", output);

            // Every test image verified, so ONNX Runtime's accuracy is the whole split's: the one the run reported.
            var line = output.Split('\n').Single(l => l.StartsWith("verified by ONNX Runtime", StringComparison.Ordinal));
            Assert.Contains("0 classes differ", line);
            Assert.Contains($"accuracy {trained.TestAccuracy:P2} (TorchSharp {trained.TestAccuracy:P2})", line);

            using var session = new InferenceSession(path);
            Assert.Equal(trained.Architecture, session.ModelMetadata.CustomMetadataMap["dnanas.architecture"]);
        }
        finally { File.Delete(path); }
    }

    /// <summary>
    /// dna bench inference times the run's searched network on both runtimes at batch 1 and the batch asked for: one
    /// row each, quartiles around the median, and the ratio line of each batch computed from those rows.
    /// </summary>
    [Fact]
    public void Inference_is_timed_on_both_runtimes_at_batch_one_and_the_batch_asked_for()
    {
        var (code, output, err) = CliTests.Dna("bench", "inference", reference.Folder, "--batch-size", "8", "--repeats", "3");
        Assert.True(code == 0, err);
        var rows = output.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l,
            @"^(ONNX Runtime|TorchSharp)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)-([\d.]+) \(3 rounds\)")).Where(m => m.Success).ToList();
        Assert.Equal(["ONNX Runtime/1", "TorchSharp/1", "ONNX Runtime/8", "TorchSharp/8"], rows.Select(m => $"{m.Groups[1].Value}/{m.Groups[2].Value}"));
        double Number(System.Text.RegularExpressions.Match m, int group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        foreach (var m in rows)
        {
            Assert.Equal("1", m.Groups[3].Value);
            Assert.True(Number(m, 5) <= Number(m, 4) && Number(m, 4) <= Number(m, 6) && Number(m, 5) > 0, m.Value);
        }
        foreach (var batch in new[] { 1, 8 })
        {
            var pair = rows.Where(m => m.Groups[2].Value == batch.ToString(CultureInfo.InvariantCulture)).ToList();
            var ratio = System.Text.RegularExpressions.Regex.Match(output, $@"batch {batch}: ONNX Runtime takes ([\d.]+)x TorchSharp's time");
            Assert.True(ratio.Success, output);
            // The rows print medians to 0.1 us: their ratio agrees with the line's to within that rounding.
            Assert.Equal(Number(pair[0], 4) / Number(pair[1], 4), Number(ratio, 1), 0.02 * Number(ratio, 1) + 0.01);
        }
    }

    [Fact]
    public void A_network_is_chosen_by_name_or_architecture_and_an_unknown_one_is_a_one_line_error_listing_the_choices()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dna-export-{Guid.NewGuid():N}.onnx");
        try
        {
            var layout = DnaRun.Open(reference.Folder).Layout;
            var baseline = new TrainRun(layout.BaselineFolder).ReadConfig().Architecture;
            var (code, output, err) = CliTests.Dna("export", reference.Folder, "--arch", baseline, "--verify-images", "64", "--out", path);
            Assert.True(code == 0, err);
            Assert.Contains("baseline (", output);

            (code, _, err) = CliTests.Dna("export", reference.Folder, "--arch", "biggest", "--out", path);
            Assert.NotEqual(0, code);
            Assert.Single(err.Trim().Split('\n'));
            Assert.Contains("no trained network \"biggest\"", err);
            Assert.Contains("searched (", err);

            (code, _, err) = CliTests.Dna("export", reference.Folder, "--opset", "12", "--out", path + ".12");
            Assert.NotEqual(0, code);
            Assert.Contains($"{NetworkOnnxWriter.MinOpset} to {NetworkOnnxWriter.MaxOpset}", err);
            Assert.False(File.Exists(path + ".12"));
        }
        finally { File.Delete(path); }
    }

    /// <summary>
    /// The README's path from a run to an .onnx file used by both consumers: the ONNX Runtime program and the ML.NET
    /// pipeline in examples/ (built by test.sh with the solution) classify the run's first test images, written as PNG
    /// files, exactly as the export's own check on the same images did.
    /// </summary>
    [Theory]
    [InlineData("OnnxClassify")]
    [InlineData("MlNetClassify")]
    public void An_example_consumer_classifies_real_test_image_files_with_the_exported_model_at_the_exports_accuracy(string example)
    {
        const int images = 200;
        string model = Path.Combine(Path.GetTempPath(), $"dna-export-{Guid.NewGuid():N}.onnx");
        string folder = Path.Combine(Path.GetTempPath(), $"dna-pngs-{Guid.NewGuid():N}");
        try
        {
            var (code, output, err) = CliTests.Dna("export", reference.Folder, "--out", model, "--verify-images", $"{images}");
            Assert.True(code == 0, err);
            var line = output.Split('\n').Single(l => l.StartsWith("verified by ONNX Runtime", StringComparison.Ordinal));
            double exported = double.Parse(line.Split("accuracy ")[1].Split(" %")[0], CultureInfo.InvariantCulture);

            var layout = DnaRun.Open(reference.Folder).Layout;
            var test = Datasets.Load(new TrainRun(layout.RetrainFolder).ReadConfig().Data).Test;
            WritePngs(test, images, folder);

            string dll = Path.Combine(RepositoryRoot(), "examples", example, "bin", "Release", "net10.0", $"{example}.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build the solution in Release (test.sh does)");
            (code, output, err) = CliTests.Dotnet(dll, model, folder);
            Assert.True(code == 0, err);
            var summary = output.Split('\n').Single(l => l.StartsWith("accuracy ", StringComparison.Ordinal));
            Assert.Equal($"accuracy {exported.ToString("F2", CultureInfo.InvariantCulture)}% on {images} labelled images", summary.Trim());
        }
        finally
        {
            File.Delete(model);
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    /// <summary>The first images of a set as 8-bit PNG files, one sub-folder per class ('/' in a class name as '-').</summary>
    private static void WritePngs(ImageSet set, int count, string folder)
    {
        Assert.Equal(1, set.Channels);
        int side = set.Height, plane = side * side;
        var gray = new byte[plane];
        for (int i = 0; i < count; i++)
        {
            set.CopyImage(i, gray);
            using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Gray8, SKAlphaType.Opaque));
            gray.CopyTo(bitmap.GetPixelSpan());
            string file = Path.Combine(folder, set.ClassNames[set.Labels[i]].Replace('/', '-'), $"{i:D5}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(file, png.ToArray());
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DnaNas.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return dir!.FullName;
    }
}
