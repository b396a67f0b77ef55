using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DnaNas.Search;

/// <summary>Times <see cref="ExactSearch"/> on a synthetic instance the size of the official DNA space.</summary>
public static class SearchBenchmark
{
    private static readonly (string Name, double Fraction)[] Budgets = [("tight", 0.05), ("middle", 0.3), ("loose", 0.7)];
    private static readonly int[] Ks = [1, 10];

    /// <summary>
    /// Builds the synthetic 42/1554x4/6 instance and runs top-1 and top-10 at a tight, a middle and a loose
    /// budget (5%, 30% and 70% of the way from the cheapest architecture to the dearest) for both cost kinds.
    /// Returns one line per query: wall time, bytes allocated (an upper bound on how far the managed heap grew),
    /// frontier size after each block, dynamic programmes run, and the best architecture's rating and cost;
    /// then the slowest query and the process's memory high-water mark.
    /// </summary>
    public static string RunPaperScale(int seed = 0)
    {
        var build = Stopwatch.StartNew();
        var instance = PaperScaleInstance.Create(seed);
        build.Stop();
        var culture = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(culture,
            $"paper-scale instance (seed {seed}): blocks of {string.Join("/", instance.Blocks.Select(b => b.Count))} options, " +
            $"{instance.ArchitectureCount:E2} architectures, built in {build.Elapsed.TotalMilliseconds:F0} ms");
        text.AppendLine(culture, $"{"budget",-7}{"limit",-22}{"k",-4}{"time",10}{"allocated",13}  {"frontier per block",-26}{"runs",-6}best");

        // Untimed queries first, so that the timings do not include JIT compilation.
        foreach (var (_, fraction) in Budgets) Query(instance, instance.BudgetAt(CostKind.Macs, fraction), 10);

        double slowest = 0;
        foreach (var kind in new[] { CostKind.Macs, CostKind.Params })
        {
            foreach (var (name, fraction) in Budgets)
            {
                var budget = instance.BudgetAt(kind, fraction);
                foreach (int k in Ks)
                {
                    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                    var stopwatch = Stopwatch.StartNew();
                    var outcome = Query(instance, budget, k);
                    stopwatch.Stop();
                    double megabytes = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 1048576.0;
                    double milliseconds = stopwatch.Elapsed.TotalMilliseconds;
                    slowest = Math.Max(slowest, milliseconds);
                    var best = outcome.Ranked[0];
                    text.AppendLine(culture,
                        $"{name,-7}{budget,-22}{k,-4}{milliseconds,7:F1} ms{megabytes,9:F1} MiB  {string.Join("/", outcome.FrontierSizes),-26}" +
                        $"{outcome.Attempts,-6}rating {best.Rating:F4} at {Budget.Describe(kind, best.Cost(kind))}");
                }
            }
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        text.AppendLine(culture,
            $"slowest query {slowest:F1} ms; peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB; " +
            $"managed heap after a full collection {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:F1} MiB");
        return text.ToString();
    }

    /// <summary>What <see cref="ExactSearch.TopK"/> does, keeping the statistics it drops.</summary>
    private static ExactSearch.Outcome Query(PaperScaleInstance instance, Budget budget, int k)
    {
        var problem = SearchProblem.Validate(instance.Blocks, instance.FixedParams, instance.FixedMacs, budget, k);
        problem.ThrowIfInfeasible();
        return ExactSearch.Solve(problem);
    }
}
