using DnaNas.Data;
using DnaNas.Modules;
using Google.Protobuf;

namespace DnaNas.Export;

/// <summary>A written and verified ONNX model.</summary>
public sealed record ExportOutcome(string Path, int Opset, long Bytes, Verification Verification);

/// <summary>
/// Exports a trained network and proves the file: the model is written beside its destination, run by ONNX Runtime
/// on real images against TorchSharp, and moved into place only when every logit agrees within
/// <see cref="Verification.Tolerance"/> and every predicted class is the same. A failed check leaves no file.
/// </summary>
public static class OnnxExport
{
    public const int DefaultVerifyImages = 512;

    public static ExportOutcome WriteVerified(MBConvNet network, ExportInfo info, ImageSet verifyOn, string path,
        int opset = NetworkOnnxWriter.DefaultOpset, int verifyImages = DefaultVerifyImages) =>
        WriteVerified(NetworkOnnxWriter.Write(network, info, opset).ToByteArray(), network, info, verifyOn, path, opset, verifyImages);

    /// <summary>Verifies given model bytes against the network, then writes them (tests hand it a wrong model).</summary>
    internal static ExportOutcome WriteVerified(byte[] bytes, MBConvNet network, ExportInfo info, ImageSet verifyOn, string path,
        int opset, int verifyImages)
    {
        var verification = OnnxVerifier.Compare(bytes, network, verifyOn, info.Mean, info.Std, verifyImages);
        if (!verification.Passed)
            throw new ExportException(
                $"ONNX Runtime does not reproduce {network.Architecture}: logits differ by up to {verification.MaxAbsDifference:G3} " +
                $"(allowed {Verification.Tolerance:G1}) and {verification.ClassMismatches} of {verification.Images} predicted classes differ; " +
                "nothing was written: report it with the architecture and space");
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return new ExportOutcome(path, opset, bytes.LongLength, verification);
    }
}
