using DnaNas.Space;
using DnaNas.Training.Hardware;

namespace DnaNas.Export.Latency;

/// <summary>Whole networks timed the way a latency table's layers were: its runtime, mode, batch and threads.</summary>
public static class TableTiming
{
    /// <summary>
    /// Microseconds per image of each network (medians): on ONNX Runtime in passes over all of them, as the table was
    /// timed; on TorchSharp one after another, the caller having set libtorch's threads to the table's.
    /// </summary>
    public static IReadOnlyList<double> Measure(LatencyTable table, SearchSpace space, IReadOnlyList<Architecture> architectures) =>
        table.Runtime == LatencyRuntime.OnnxRuntime
            ? OnnxLatencyProfiler.MeasureNetworks(space, architectures, table.BatchSize, Settings(table))
            : architectures.Select(a => LatencyProfiler.MeasureNetwork(space, a, table.Mode, table.BatchSize)).ToList();

    /// <summary>The rounds the table's correction was fitted with, where it records them.</summary>
    public static OnnxTimingSettings Settings(LatencyTable table)
    {
        var defaults = new OnnxTimingSettings(table.Threads);
        return defaults with { Rounds = table.TimingRounds ?? defaults.Rounds, RoundSeconds = table.RoundMilliseconds / 1000 ?? defaults.RoundSeconds };
    }
}
