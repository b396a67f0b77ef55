using System.Diagnostics;
using DnaNas.Training.Hardware;
using Microsoft.ML.OnnxRuntime;

namespace DnaNas.Export.Latency;

/// <summary>How ONNX Runtime runs a model while it is timed: its intra-op threads, one inter-op thread, sequential execution.</summary>
/// <remarks>
/// Rounds of 50 ms: on this 2-core VM, the same network timed six times in one process with 5 ms rounds gave medians
/// from 214 to 270 us, with 50 ms rounds from 212 to 217 us; the shorter rounds catch the machine's bursts.
/// </remarks>
public sealed record OnnxTimingSettings(int Threads = 1, int Rounds = 21, int WarmupRounds = 5, double RoundSeconds = 0.05)
{
    public SessionOptions SessionOptions() => new()
    {
        IntraOpNumThreads = Threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
}

/// <summary>
/// Times one ONNX model on ONNX Runtime as a deployed application calls it: one <c>Run</c> per batch on a prepared
/// input, outputs allocated by the runtime and released. Warm-up rounds first (the runtime plans memory and picks
/// kernels on the first runs), then timed rounds of enough runs to last <see cref="OnnxTimingSettings.RoundSeconds"/>;
/// their median and quartiles, per image.
/// </summary>
public static class OnnxTiming
{
    /// <param name="inputShape">[batch, ...] of the model's one float input.</param>
    public static TimingStats MicrosPerImage(byte[] model, long[] inputShape, OnnxTimingSettings settings)
    {
        using var options = settings.SessionOptions();
        using var session = new InferenceSession(model, options);
        string inputName = session.InputNames[0];
        var outputNames = session.OutputNames.ToArray();
        long count = inputShape.Aggregate(1L, (a, d) => a * d);
        // Values in the range of normalised pixels; what they are does not change the time of dense float kernels.
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = (float)Math.Sin(i * 0.7);
        using var input = OrtValue.CreateTensorValueFromMemory(data, inputShape);
        using var runOptions = new RunOptions();
        void Once()
        {
            using var outputs = session.Run(runOptions, [inputName], [input], outputNames);
        }

        for (int i = 0; i < settings.WarmupRounds; i++) Once();
        var clock = Stopwatch.StartNew();
        Once();
        int steps = (int)Math.Clamp(Math.Ceiling(settings.RoundSeconds / Math.Max(clock.Elapsed.TotalSeconds, 1e-7)), 1, 100_000);
        var rounds = new double[settings.Rounds];
        for (int r = 0; r < settings.WarmupRounds + settings.Rounds; r++)
        {
            clock.Restart();
            for (int s = 0; s < steps; s++) Once();
            clock.Stop();
            if (r >= settings.WarmupRounds) rounds[r - settings.WarmupRounds] = clock.Elapsed.TotalSeconds / steps;
        }
        Array.Sort(rounds);
        return TimingStats.Of(rounds).Scaled(1e6 / inputShape[0]);
    }
}
