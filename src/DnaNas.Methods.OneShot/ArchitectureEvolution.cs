using System.Diagnostics;
using DnaNas.Search.Evolution;
using DnaNas.Search;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Methods.OneShot;

public sealed record EvaluatedArchitecture(string Architecture, double Fitness, int Generation, long Params, long Macs);

/// <summary>What an evolutionary search found, and what it cost (probe measurements excluded).</summary>
public sealed record ArchitectureSearchResult(IReadOnlyList<EvaluatedArchitecture> Top, IReadOnlyList<EvaluatedArchitecture> Evaluated,
    IReadOnlyList<GenerationReport> Generations, double SearchSeconds)
{
    public EvaluatedArchitecture Best => Top[0];
}

/// <summary>
/// Evolutionary search over architectures of a space under an optional budget, with any rating source: the
/// source gets each generation's population at once (higher is better).
/// </summary>
public static class ArchitectureEvolution
{
    public static ArchitectureSearchResult Run(SearchSpace space, Budget? budget, EvolutionSettings settings, long seed,
        Func<int, IReadOnlyList<Architecture>, IReadOnlyList<double>> rate, IProgress<GenerationReport>? progress = null, CancellationToken cancel = default,
        Func<IReadOnlyList<Architecture>, IReadOnlyList<double>>? rerate = null)
    {
        var genes = new ArchitectureGenes(space);
        var geneSpace = new GeneSpace(genes.Cardinalities, genes.Canonical);
        bool Feasible(int[] g)
        {
            if (budget is null) return true;
            var cost = CostModel.Of(space, genes.Decode(g));
            return cost.In(budget.Kind) <= budget.Limit;
        }
        var clock = Stopwatch.StartNew();
        var result = new EvolutionarySearch(geneSpace, settings, Feasible, seed)
            .Run((generation, population) => rate(generation, population.Select(genes.Decode).ToList()), progress, cancel,
                rerate is null ? null : parents => rerate(parents.Select(genes.Decode).ToList()));
        if (result.Evaluated.Count == 0)
            throw new TrainingException($"no architecture of {space.Name} fits {budget}; raise the budget");
        EvaluatedArchitecture Describe(Individual i)
        {
            var a = genes.Decode(i.Genes);
            var cost = CostModel.Of(space, a);
            return new EvaluatedArchitecture(a.ToString(), i.Fitness, i.Generation, cost.Params, cost.Macs);
        }
        return new ArchitectureSearchResult(result.Top.Select(Describe).ToList(), result.Evaluated.Select(Describe).ToList(),
            result.Generations, clock.Elapsed.TotalSeconds);
    }
}
