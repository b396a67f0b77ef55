using DnaNas.Data;
using DnaNas.Modules;
using DnaNas.Randomness;
using DnaNas.Space;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnaNas.Export.Tests;

/// <summary>
/// Export proven by ONNX Runtime: random architectures of every built-in space, with random weights and batch-norm
/// statistics far from their initial values (so folding is exercised), run on real test images.
/// </summary>
public class OnnxExportTests
{
    static OnnxExportTests() => TorchRuntime.Initialize(threads: 1);

    private static readonly Lazy<ImageSet> FashionTest = new(() =>
        Datasets.Load(new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1) { MaxTrain = 500, MaxValidation = 100, MaxTest = 65 }).Test);

    /// <summary>Real colour images (Debian's oxygen icons, written by scripts/make-icon-folder.sh --small, as test.sh does).</summary>
    private static readonly Lazy<DatasetSplits> Icons = new(() =>
    {
        var folder = Environment.GetEnvironmentVariable("DNANAS_ICONS_SMALL")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dnanas", "icons-oxygen-icon-theme-small");
        Assert.True(Directory.Exists(folder), $"{folder} is missing: run scripts/make-icon-folder.sh --small (test.sh does)");
        return Datasets.Load(new DatasetRequest(DatasetKind.ImageFolder, folder, 64, 3) { MaxTest = 65 });
    });

    /// <summary>The official DNA space at a quarter of its widths and a 64x64 input, for 5 icon classes: SE, swish, the stem's separable layer.</summary>
    private static SearchSpace SmallImagenetDna() => (BuiltinSpaces.ImagenetDna with
    {
        Name = "imagenet-dna-small",
        InputSize = 64,
        Classes = 5,
        Stem = BuiltinSpaces.ImagenetDna.Stem with { Channels = 8, SeparableChannels = 8 },
        Blocks = BuiltinSpaces.ImagenetDna.Blocks.Select(b => b with { Channels = Math.Max(8, b.Channels / 4) }).ToArray(),
        Head = BuiltinSpaces.ImagenetDna.Head with { Channels = 160 },
    }).Validate();

    public static TheoryData<string> Spaces => ["fmnist-mbconv", "fmnist-mbconv-widths", "imagenet-dna-small", "fmnist-vit", "fmnist-vit-widths"];

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Fifty_random_architectures_export_and_onnx_runtime_reproduces_their_logits_on_real_images(string spaceName)
    {
        var (space, images, mean, std) = spaceName == "imagenet-dna-small"
            ? (SmallImagenetDna(), Icons.Value.Train, Icons.Value.Mean, Icons.Value.Std) // the test split holds only 50 icons
            : (BuiltinSpaces.Resolve(spaceName) with { Classes = 10 }, FashionTest.Value, new[] { 0.286f }, new[] { 0.353f });
        var rng = new StableRandom(17);
        for (int i = 0; i < 50; i++)
        {
            var arch = space.Sample(rng);
            using var network = RandomlyTrained(space, arch, seed: i);
            var info = new ExportInfo(images.ClassNames, mean, std, "test");
            var model = NetworkOnnxWriter.Write(network, info);
            // 65 images: a batch of 64 and one of 1, so the dynamic batch dimension is exercised.
            var check = OnnxVerifier.Compare(Google.Protobuf.MessageExtensions.ToByteArray(model), network, images, mean, std, maxImages: 65);
            Assert.Equal(65, check.Images);
            Assert.True(check.Passed, $"{arch}: max |logit difference| {check.MaxAbsDifference:G3}, {check.ClassMismatches} classes differ");
        }
    }

    [Fact]
    public void An_export_that_does_not_reproduce_the_network_fails_and_writes_nothing()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        using var network = RandomlyTrained(space, BuiltinSpaces.DefaultArchitecture(space), seed: 3);
        var images = FashionTest.Value;
        string path = Path.Combine(Path.GetTempPath(), $"dna-export-{Guid.NewGuid():N}.onnx");
        var info = new ExportInfo(images.ClassNames, [0.286f], [0.353f], "test");
        // The model of the same architecture with other weights: what a writer that misplaced a weight would produce.
        using var other = RandomlyTrained(space, BuiltinSpaces.DefaultArchitecture(space), seed: 5);
        var wrongModel = Google.Protobuf.MessageExtensions.ToByteArray(NetworkOnnxWriter.Write(other, info));
        var e = Assert.Throws<ExportException>(() => OnnxExport.WriteVerified(wrongModel, network, info, images, path, 17, verifyImages: 65));
        Assert.Contains("does not reproduce", e.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}*"));
    }

    [Fact]
    public void A_verified_export_carries_its_classes_and_normalisation_and_runs_at_any_batch_size()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        using var network = RandomlyTrained(space, BuiltinSpaces.DefaultArchitecture(space), seed: 4);
        var images = FashionTest.Value;
        string path = Path.Combine(Path.GetTempPath(), $"dna-export-{Guid.NewGuid():N}.onnx");
        try
        {
            var outcome = OnnxExport.WriteVerified(network, new ExportInfo(images.ClassNames, [0.286f], [0.353f], "test"), images, path, verifyImages: 65);
            Assert.True(outcome.Verification.Passed);
            Assert.Equal(17, outcome.Opset);

            using var session = new InferenceSession(path);
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.Equal(images.ClassNames, metadata["dnanas.classes"].Split('\n'));
            Assert.Equal("0.286", metadata["dnanas.mean"]);
            Assert.Equal(space.Name, metadata["dnanas.space"]);
            Assert.Equal(-1, session.InputMetadata[ExportInfo.InputName].Dimensions[0]); // dynamic batch
            foreach (int batch in new[] { 1, 3 })
            {
                using var input = OrtValue.CreateTensorValueFromMemory(new float[batch * 28 * 28], [batch, 1, 28, 28]);
                using var outputs = session.Run(new RunOptions(), [ExportInfo.InputName], [input], [ExportInfo.OutputName]);
                Assert.Equal([batch, 10L], outputs[0].GetTensorTypeAndShape().Shape);
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void An_opset_older_than_layer_normalization_is_refused_with_the_range()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        using var network = new MBConvNet(space, BuiltinSpaces.DefaultArchitecture(space));
        var e = Assert.Throws<ExportException>(() => NetworkOnnxWriter.Write(network, new ExportInfo(FashionTest.Value.ClassNames, [0.286f], [0.353f], "test"), opset: 13));
        Assert.Contains("17 to 21", e.Message);
    }

    /// <summary>
    /// A network with every weight random and every batch norm's statistics and affine moved away from 0 and 1, as
    /// after training, so a wrong fold, epsilon or layout shows in the logits.
    /// </summary>
    private static MBConvNet RandomlyTrained(SearchSpace space, Architecture arch, int seed)
    {
        torch.random.manual_seed(seed);
        var network = new MBConvNet(space, arch);
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed + 1000);
        foreach (var (_, module) in network.named_modules())
        {
            switch (module)
            {
                case BatchNorm2d bn:
                    bn.running_mean!.copy_(randn(bn.running_mean.shape, generator: generator) * 0.2);
                    bn.running_var!.copy_(rand(bn.running_var.shape, generator: generator) + 0.5);
                    bn.weight!.copy_(randn(bn.weight.shape, generator: generator) * 0.2 + 1);
                    bn.bias!.copy_(randn(bn.bias.shape, generator: generator) * 0.2);
                    break;
                case LayerNorm ln:
                    ln.weight!.copy_(randn(ln.weight.shape, generator: generator) * 0.2 + 1);
                    ln.bias!.copy_(randn(ln.bias.shape, generator: generator) * 0.2);
                    break;
            }
        }
        return network;
    }
}
