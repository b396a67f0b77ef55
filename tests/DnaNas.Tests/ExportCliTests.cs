using DnaNas.Export;
using DnaNas.Methods.Dna;
using DnaNas.Training;
using Microsoft.ML.OnnxRuntime;

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
}
