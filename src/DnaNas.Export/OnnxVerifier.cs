using DnaNas.Data;
using DnaNas.Modules;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace DnaNas.Export;

/// <summary>How ONNX Runtime's run of an exported model compares with TorchSharp's on the same real images.</summary>
/// <param name="MaxAbsDifference">The largest |logit difference| over all images and classes.</param>
/// <param name="ClassMismatches">Images whose predicted class differs between the two.</param>
public sealed record Verification(int Images, double MaxAbsDifference, int ClassMismatches, double OnnxAccuracy, double TorchAccuracy)
{
    /// <summary>The most a logit may differ for the export to count as the same network.</summary>
    public const double Tolerance = 1e-4;

    public bool Passed => MaxAbsDifference <= Tolerance && ClassMismatches == 0;
}

/// <summary>
/// Runs an exported model with ONNX Runtime on real images (raw pixels, the model normalises them) and the trained
/// TorchSharp network on the same images (normalised as in training), and compares logits and predicted classes.
/// </summary>
public static class OnnxVerifier
{
    public static Verification Compare(byte[] model, MBConvNet network, ImageSet images, float[] mean, float[] std, int maxImages,
        int batchSize = 64)
    {
        if (images.Count == 0) throw new ExportException("no images to verify the export on: the data set's test split is empty");
        using var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, torch.get_num_threads()) };
        using var session = new InferenceSession(model, options);
        var raw = new BatchLoader(images, batchSize, new float[images.Channels], Enumerable.Repeat(1f, images.Channels).ToArray(),
            shuffle: false, augment: null, seed: 0);
        var normalised = new BatchLoader(images, batchSize, mean, std, shuffle: false, augment: null, seed: 0);

        bool wasTraining = network.training;
        network.eval();
        int seen = 0, mismatches = 0, onnxCorrect = 0, torchCorrect = 0;
        double maxDiff = 0;
        try
        {
            using var _ = no_grad();
            foreach (var ((pixels, labels), (x, y)) in raw.Epoch(0).Zip(normalised.Epoch(0)))
            {
                // The loaders' batches belong to no scope here (none was open when they were made): disposed by hand.
                using var batch = new DisposableBatch(pixels, labels, x, y);
                using var scope = NewDisposeScope();
                if (seen >= maxImages) break;
                int count = (int)Math.Min(pixels.shape[0], maxImages - seen);
                var expected = network.call(x.narrow(0, 0, count)).contiguous().data<float>().ToArray();
                var actual = RunOnnx(session, pixels.narrow(0, 0, count).contiguous());
                if (expected.Any(v => !float.IsFinite(v)))
                    throw new ExportException($"{network.Architecture} gives non-finite logits on real images: its weights are damaged; retrain it before exporting");
                long classes = expected.Length / count;
                var truth = labels.data<long>().ToArray();
                for (int i = 0; i < count; i++)
                {
                    var e = expected.AsSpan(i * (int)classes, (int)classes);
                    var a = actual.AsSpan(i * (int)classes, (int)classes);
                    for (int k = 0; k < classes; k++) maxDiff = Math.Max(maxDiff, Math.Abs(e[k] - a[k]));
                    int pe = ArgMax(e), pa = ArgMax(a);
                    if (pe != pa) mismatches++;
                    if (pe == truth[i]) torchCorrect++;
                    if (pa == truth[i]) onnxCorrect++;
                }
                seen += count;
            }
        }
        finally { network.train(wasTraining); }
        return new Verification(seen, maxDiff, mismatches, (double)onnxCorrect / seen, (double)torchCorrect / seen);
    }

    private sealed class DisposableBatch(params Tensor[] tensors) : IDisposable
    {
        public void Dispose() { foreach (var t in tensors) t.Dispose(); }
    }

    private static float[] RunOnnx(InferenceSession session, Tensor pixels)
    {
        var data = pixels.data<float>().ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, pixels.shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [ExportInfo.InputName], [input], [ExportInfo.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
