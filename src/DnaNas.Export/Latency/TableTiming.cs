using DnaNas.Space;
using DnaNas.Training.Hardware;

namespace DnaNas.Export.Latency;

/// <summary>A whole network timed the way a latency table's layers were: its runtime, mode, batch and threads.</summary>
public static class TableTiming
{
    /// <summary>Microseconds per image (the median); the caller has set libtorch's threads to the table's for a TorchSharp table.</summary>
    public static double Measure(LatencyTable table, SearchSpace space, Architecture architecture) =>
        table.Runtime == LatencyRuntime.OnnxRuntime
            ? OnnxLatencyProfiler.MeasureNetwork(space, architecture, table.BatchSize, new OnnxTimingSettings(table.Threads)).Median
            : LatencyProfiler.MeasureNetwork(space, architecture, table.Mode, table.BatchSize);
}
