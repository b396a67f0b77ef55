using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DnaNas.Search;

/// <summary>Times <see cref="ExactSearch"/> on a synthetic instance the size of the official DNA space.</summary>
public static class SearchBenchmark
{
    private static readonly (string Name, double Fraction)[] Budgets = [("tight", 0.05), ("middle", 0.3), ("loose", 0.7)];

    /// <summary>
    /// Builds the synthetic 42/1554x4/6 instance and runs top-1 and top-10 at a tight, a middle and a loose
    /// budget for both cost kinds; returns one line per query (wall time, bytes allocated, frontier sizes)
    /// and the process's memory high-water marks.
    /// </summary>
    public static string RunPaperScale(int seed = 0) => Run(PaperScaleInstance.Create(seed), seed);

    internal static string Run(PaperScaleInstance instance, int seed)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"paper-scale instance (seed {seed}): blocks of {string.Join("/", instance.Blocks.Select(b => b.Count))} options, {instance.ArchitectureCount:E2} architectures");

        // One untimed query first, so that the timings do not include JIT compilation.
        ExactSearch.TopK(instance.Blocks, instance.FixedParams, instance.FixedMacs, instance.BudgetAt(CostKind.Macs, 0.3), 10);

        foreach (var kind in new[] { CostKind.Macs, CostKind.Params })
        {
            foreach (var (name, fraction) in Budgets)
            {
                var budget = instance.BudgetAt(kind, fraction);
                foreach (int k in new[] { 1, 10 })
                {
                    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                    var stopwatch = Stopwatch.StartNew();
                    var problem = SearchProblem.Validate(instance.Blocks, instance.FixedParams, instance.FixedMacs, budget, k);
                    problem.ThrowIfInfeasible();
                    var search = ExactSearch.Prepare(problem);
                    var best = search.Run();
                    stopwatch.Stop();
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                    text.AppendLine(culture,
                        $"{name,-6} {budget,-24} k={k,-2}  {stopwatch.Elapsed.TotalMilliseconds,8:F1} ms  allocated {allocated / 1048576.0,7:F1} MiB  " +
                        $"frontier {string.Join("/", search.FrontierSizes)}  best rating {best[0].Rating:F4} at {Budget.Describe(kind, best[0].Cost(kind))}");
                }
            }
        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        text.AppendLine(culture,
            $"peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB; managed heap after a full collection {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:F1} MiB");
        return text.ToString();
    }
}
