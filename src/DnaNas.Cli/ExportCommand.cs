using System.CommandLine;
using DnaNas.Export;
using DnaNas.Methods.Dna;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Cli;

/// <summary><c>dna export</c>: a run's trained network as an ONNX model, verified by ONNX Runtime before it is written.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run")
        {
            Description = "A dna train folder, or a dna run folder (DNA+: its last generation's answer), whose trained network to export.",
        };
        var arch = new Option<string?>("--arch")
        {
            Description = "Which network of a dna run folder: searched (default), baseline, mobilenet, teacher, or the architecture string of one of them.",
        };
        var output = new Option<string>("--out") { Description = "The ONNX file to write.", Required = true };
        var opset = new Option<int>("--opset")
        {
            Description = $"ONNX opset, {NetworkOnnxWriter.MinOpset}-{NetworkOnnxWriter.MaxOpset}.",
            DefaultValueFactory = _ => NetworkOnnxWriter.DefaultOpset,
        };
        var images = new Option<int>("--verify-images")
        {
            Description = "Test images ONNX Runtime and TorchSharp must agree on (logits within 1e-4, same classes).",
            DefaultValueFactory = _ => OnnxExport.DefaultVerifyImages,
        };
        var command = new Command("export",
            "Write a trained network as an ONNX model (weights included, batch norm folded, normalisation folded in, dynamic batch), " +
            "after ONNX Runtime has reproduced its logits on real test images.")
        {
            run, arch, output, opset, images,
        };
        command.SetAction(p => CommonOptions.Run(p, () =>
        {
            if (p.GetValue(images) < 1) throw new ArgumentException("--verify-images must be at least 1");
            var (name, folder) = Resolve(p.GetValue(run)!, p.GetValue(arch));
            var outcome = TrainedNetworkExport.Export(folder, p.GetValue(output)!, p.GetValue(opset), p.GetValue(images));
            var v = outcome.Verification;
            Console.WriteLine($"{name} ({new TrainRun(folder).ReadConfig().Architecture}) -> {outcome.Path}: opset {outcome.Opset}, {outcome.Bytes:N0} bytes");
            Console.WriteLine($"verified by ONNX Runtime on {v.Images} test images: max |logit difference| {v.MaxAbsDifference:G3}, " +
                              $"{v.ClassMismatches} classes differ; accuracy {v.OnnxAccuracy:P2} (TorchSharp {v.TorchAccuracy:P2})");
            Console.WriteLine($"input \"{ExportInfo.InputName}\": float32 [batch, C, H, W], pixel values / 255; output \"{ExportInfo.OutputName}\"; class names in the model's metadata (dnanas.classes)");
            return 0;
        }));
        return command;
    }

    /// <summary>An architecture of the space, or null for text that is none (a name, or a network of another space).</summary>
    private static Architecture? ParseOrNull(string text, SearchSpace space)
    {
        try { return Architecture.Parse(text, space); }
        catch (SpaceException) { return null; }
    }

    /// <summary>The training folder to export and a name for it: the folder itself, or one network of a (DNA+) run folder.</summary>
    internal static (string Name, string Folder) Resolve(string folder, string? arch)
    {
        if (!Directory.Exists(folder)) throw new ArgumentException($"{folder} does not exist: give a folder dna train or dna run wrote");
        if (File.Exists(new TrainRun(folder).ModelPath))
        {
            if (arch is not null) throw new ArgumentException($"{folder} is one training; --arch chooses among the networks of a dna run folder");
            return (Path.GetFileName(Path.GetFullPath(folder)), folder);
        }
        string runFolder = new ProgressiveLayout(folder).LastGenerationFolder() ?? folder;
        var layout = DnaRun.Open(runFolder).Layout;
        var networks = layout.TrainedNetworks();
        if (networks.Count == 0) throw new TrainingException($"{runFolder} has no trained network yet; finish it with dna run --out {folder} --resume");
        string wanted = arch ?? "searched";
        var named = networks.FirstOrDefault(n => n.Name == wanted);
        if (named.Folder is not null) return named;
        // An architecture string in any valid spelling names the network trained with it.
        var space = layout.ReadSpace();
        if (ParseOrNull(wanted, space) is { } parsed)
        {
            var match = networks.FirstOrDefault(n => parsed.Equals(ParseOrNull(new TrainRun(n.Folder).ReadConfig().Architecture, space)));
            if (match.Folder is not null) return match;
        }
        throw new ArgumentException(
            $"{runFolder} has no trained network \"{wanted}\": choose one of {string.Join(", ", networks.Select(n => $"{n.Name} ({new TrainRun(n.Folder).ReadConfig().Architecture})"))}");
    }
}
