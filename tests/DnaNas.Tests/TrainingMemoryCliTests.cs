using System.Text.Json;

namespace DnaNas.Tests;

/// <summary>
/// Peak memory of a training as `dna train` runs it: on the process's main thread, where glibc's main heap showed the
/// creep that an in-process test on a worker thread does not (there the same training grew 132 MB, not 1.1 GB).
/// </summary>
[Collection(Lanes.B)]
public class TrainingMemoryCliTests
{
    // The quick preset's searched network: before HeapGrowthLimit each of its steps left about 37 MB of fragmented
    // heap behind (2.0 GB peak at 39 steps, 3.7 GB at 117), while its live tensors stayed constant.
    private const string WideArch = "k7e6|k5e6/k5e3|k5e6|skip/k3e6|skip|skip/k3e6|k3e3";

    private static long PeakAfterSteps(int steps)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dna-memory-{Guid.NewGuid():N}");
        try
        {
            var (code, output, error) = CliTests.Dna("train", "--arch", WideArch, "--epochs", "1", "--threads", "1",
                "--max-train", (steps * 128).ToString(), "--max-validation", "256", "--max-test", "256", "--out", folder);
            Assert.True(code == 0, output + error);
            var epoch = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json"))).RootElement.GetProperty("history")[0];
            return epoch.GetProperty("peakResidentBytes").GetInt64();
        }
        finally { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Four_times_the_steps_of_a_wide_network_raise_its_peak_memory_by_less_than_the_heap_slack()
    {
        long shortPeak = PeakAfterSteps(10), longPeak = PeakAfterSteps(42);
        Assert.True(shortPeak > 0, "the run records its peak resident memory");
        Assert.True(longPeak - shortPeak < Data.HeapGrowthLimit.Slack + (150L << 20),
            $"peak {shortPeak >> 20} MB after 10 steps, {longPeak >> 20} MB after 42");
    }
}
