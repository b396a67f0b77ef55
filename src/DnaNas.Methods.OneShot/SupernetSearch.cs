using System.Diagnostics;
using DnaNas.Modules;
using DnaNas.Search.Evolution;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.OneShot;

/// <summary>How a fixed probe set's ratings move across a search: row 0 before the first generation, row g+1 after generation g.</summary>
public sealed record ProbeTrace(IReadOnlyList<string> Probes, IReadOnlyList<double[]> Accuracies);

public sealed record SupernetSearchResult(ArchitectureSearchResult Search, ProbeTrace? Probes, long ShiftSteps, double ProbeSeconds);

/// <summary>
/// SPOS's evolutionary search with a supernet as the rating source, plain (<c>shifter</c> null) or with Supernet
/// Shifting: each generation's candidates are rated first (recalibrated validation accuracy), then train the
/// supernet, and the would-be parents are rated again on the moved supernet before they are chosen. Probes are
/// re-rated after each generation to show the shift; their time is kept out of the search time.
/// </summary>
public sealed class SupernetSearch(SinglePathSupernet supernet, PathEvaluator evaluator, SupernetShifter? shifter)
{
    public SupernetSearchResult Run(Budget? budget, EvolutionSettings settings, long seed, IReadOnlyList<Architecture>? probes = null,
        IProgress<GenerationReport>? progress = null, CancellationToken cancel = default)
    {
        var probeClock = new Stopwatch();
        var trace = new List<double[]>();
        void Probe()
        {
            if (probes is not { Count: > 0 }) return;
            probeClock.Start();
            trace.Add(probes.Select(evaluator.Accuracy).ToArray());
            probeClock.Stop();
        }
        Probe();
        var search = ArchitectureEvolution.Run(supernet.Space, budget, settings, seed, (_, population) =>
        {
            var fitness = population.Select(evaluator.Accuracy).ToList();
            shifter?.Shift(population);
            Probe();
            return fitness;
        }, progress, cancel,
            // Shifting moved the supernet: parents' older scores no longer say how it rates them.
            shifter is null ? null : parents => parents.Select(evaluator.Accuracy).ToList());
        var result = search with { SearchSeconds = search.SearchSeconds - probeClock.Elapsed.TotalSeconds };
        return new SupernetSearchResult(result, probes is { Count: > 0 } ? new ProbeTrace(probes.Select(p => p.ToString()).ToList(), trace) : null,
            shifter?.Steps ?? 0, probeClock.Elapsed.TotalSeconds);
    }
}
