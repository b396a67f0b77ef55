using DnaNas.Modules;
using DnaNas.Training.Hardware;
using Google.Protobuf;
using TorchSharp;

namespace DnaNas.Export.Latency;

/// <summary>One runtime's inference time of a network at one batch size, microseconds per image, with the threads it ran on.</summary>
public sealed record InferenceTiming(string Runtime, int BatchSize, int Threads, TimingStats MicrosPerImage);

/// <summary>
/// A trained network's inference where it is deployed (ONNX Runtime, its exported model) and where it was trained
/// (TorchSharp, eval mode, no gradients), at each batch size asked for, on the same number of threads.
/// </summary>
public static class InferenceLatency
{
    public static IReadOnlyList<InferenceTiming> Compare(MBConvNet network, ExportInfo info, IReadOnlyList<int> batchSizes, OnnxTimingSettings settings)
    {
        var model = NetworkOnnxWriter.Write(network, info).ToByteArray();
        var space = network.Space.At(network.Architecture);
        var timings = new List<InferenceTiming>();
        int torchThreads = torch.get_num_threads();
        foreach (int batch in batchSizes)
        {
            long[] shape = [batch, space.InputChannels, space.InputSize, space.InputSize];
            timings.Add(new InferenceTiming("ONNX Runtime", batch, settings.Threads, OnnxTiming.MicrosPerImage(model, shape, settings)));
            timings.Add(new InferenceTiming("TorchSharp", batch, torchThreads, LatencyProfiler.InferenceMicros(network, shape, settings.Rounds)));
        }
        return timings;
    }
}
