using DnaNas.Randomness;
using DnaNas.Search.Evolution;

namespace DnaNas.Search.MultiObjective;

/// <summary>NSGA-II's settings (Deb et al., 2002): population, generations, and how children are made.</summary>
public sealed record Nsga2Settings
{
    public int Population { get; init; } = 64;
    public int Generations { get; init; } = 40;
    /// <summary>Chance that a child is a uniform crossover of its two parents rather than a copy of the first.</summary>
    public double CrossoverProbability { get; init; } = 0.9;
    /// <summary>Chance per gene of being re-drawn (default: one gene a child on average).</summary>
    public double? MutationProbability { get; init; }
    /// <summary>Tries per wanted child before giving up on a duplicate or infeasible one.</summary>
    public int TriesPerChild { get; init; } = 20;

    public void Validate()
    {
        if (Population < 4 || Generations < 1) throw new ArgumentException("NSGA-II needs a population of at least 4 and 1 generation or more");
        if (CrossoverProbability is < 0 or > 1) throw new ArgumentException($"crossover probability must be in [0, 1], got {CrossoverProbability}");
        if (MutationProbability is < 0 or > 1) throw new ArgumentException($"mutation probability must be in [0, 1], got {MutationProbability}");
        if (TriesPerChild < 1) throw new ArgumentException("tries per child must be 1 or more");
    }
}

/// <summary>An evaluated individual: its genes, its objectives (each minimised) and the generation that evaluated it.</summary>
public sealed record ParetoIndividual(int[] Genes, IReadOnlyList<double> Objectives, int Generation);

/// <summary>After each generation: evaluations so far, the size of the population's first front, and the best value of each objective on it.</summary>
public sealed record ParetoGeneration(int Generation, int Evaluated, int FrontSize, IReadOnlyList<double> BestOfEach);

public sealed record ParetoResult(IReadOnlyList<ParetoIndividual> Front, IReadOnlyList<ParetoIndividual> Evaluated, IReadOnlyList<ParetoGeneration> Generations);

/// <summary>
/// NSGA-II (Deb et al., 2002) over gene vectors: parents by binary tournament on (front, crowding), children by
/// uniform crossover and per-gene mutation, survivors chosen from parents and children together by non-dominated
/// sorting and crowding distance. Objectives are computed by the caller for a whole generation at once (cheap sums
/// of ratings and costs here). Infeasible and duplicate children are redrawn; every random choice comes from the seed.
/// The front returned is the non-dominated set of everything evaluated, not only of the last population.
/// </summary>
public sealed class Nsga2(GeneSpace space, Nsga2Settings settings, Func<int[], bool> feasible, long seed)
{
    /// <param name="known">Individuals to start from besides random ones (an exact search's best, say), so the front holds them or better.</param>
    public ParetoResult Run(Func<IReadOnlyList<int[]>, IReadOnlyList<IReadOnlyList<double>>> objectives, IProgress<ParetoGeneration>? progress = null,
        CancellationToken cancel = default, IReadOnlyList<int[]>? known = null)
    {
        settings.Validate();
        var rng = StableRandom.For(seed, 0x4E534741); // "NSGA"
        double mutation = settings.MutationProbability ?? 1.0 / Math.Max(1, space.Cardinalities.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var evaluated = new List<ParetoIndividual>();
        var reports = new List<ParetoGeneration>();

        var first = new List<int[]>();
        foreach (var genes in known ?? [])
        {
            if (first.Count >= settings.Population) break;
            TryAdd(first, seen, space.Canonical(genes));
        }
        for (int tries = 0; first.Count < settings.Population && tries < settings.Population * settings.TriesPerChild * 10; tries++)
            TryAdd(first, seen, space.Random(rng));
        if (first.Count == 0) throw new ArgumentException("no feasible individual found: the constraints leave nothing to search");
        var population = Evaluate(first, 0, objectives, evaluated);

        for (int generation = 0; ; generation++)
        {
            cancel.ThrowIfCancellationRequested();
            var fronts = Pareto.Fronts(population.Select(p => p.Objectives).ToList());
            var report = new ParetoGeneration(generation, evaluated.Count, fronts[0].Count,
                Enumerable.Range(0, population[0].Objectives.Count).Select(m => fronts[0].Min(i => population[i].Objectives[m])).ToList());
            reports.Add(report);
            progress?.Report(report);
            if (generation == settings.Generations - 1) break;

            var (rank, crowding) = RankAndCrowding(population, fronts);
            var children = new List<int[]>();
            for (int tries = 0; children.Count < settings.Population && tries < settings.Population * settings.TriesPerChild; tries++)
            {
                var a = population[Tournament(rank, crowding, rng)].Genes;
                var b = population[Tournament(rank, crowding, rng)].Genes;
                var child = rng.NextDouble() < settings.CrossoverProbability ? a.Select((g, i) => rng.Next(2) == 0 ? g : b[i]).ToArray() : (int[])a.Clone();
                for (int i = 0; i < child.Length; i++)
                    if (rng.NextDouble() < mutation) child[i] = rng.Next(space.Cardinalities[i]);
                TryAdd(children, seen, space.Canonical(child));
            }
            if (children.Count == 0) break; // every reachable child was seen: the search has converged
            var merged = population.Concat(Evaluate(children, generation + 1, objectives, evaluated)).ToList();
            population = Survivors(merged, settings.Population);
        }
        var all = Pareto.Fronts(evaluated.Select(e => e.Objectives).ToList());
        var front = all[0].Select(i => evaluated[i]).OrderBy(e => e.Objectives[0]).ThenBy(e => string.Join(',', e.Genes), StringComparer.Ordinal).ToList();
        return new ParetoResult(front, evaluated, reports);
    }

    private static List<ParetoIndividual> Evaluate(List<int[]> genes, int generation, Func<IReadOnlyList<int[]>, IReadOnlyList<IReadOnlyList<double>>> objectives,
        List<ParetoIndividual> evaluated)
    {
        var values = objectives(genes);
        if (values.Count != genes.Count) throw new InvalidOperationException($"{values.Count} objective vectors for {genes.Count} individuals");
        var individuals = genes.Select((g, i) =>
        {
            if (values[i].Any(double.IsNaN)) throw new InvalidOperationException("an objective is NaN");
            return new ParetoIndividual(g, values[i], generation);
        }).ToList();
        evaluated.AddRange(individuals);
        return individuals;
    }

    /// <summary>Whole fronts while they fit, then the least crowded of the front that does not.</summary>
    private static List<ParetoIndividual> Survivors(List<ParetoIndividual> merged, int size)
    {
        var survivors = new List<ParetoIndividual>();
        foreach (var front in Pareto.Fronts(merged.Select(m => m.Objectives).ToList()))
        {
            if (survivors.Count + front.Count <= size) { survivors.AddRange(front.Select(i => merged[i])); continue; }
            var crowding = Pareto.Crowding(front.Select(i => merged[i].Objectives).ToList());
            survivors.AddRange(front.Select((i, k) => (i, k)).OrderByDescending(x => crowding[x.k]).ThenBy(x => x.i)
                .Take(size - survivors.Count).Select(x => merged[x.i]));
            break;
        }
        return survivors;
    }

    private static (int[] Rank, double[] Crowding) RankAndCrowding(List<ParetoIndividual> population, IReadOnlyList<IReadOnlyList<int>> fronts)
    {
        var rank = new int[population.Count];
        var crowding = new double[population.Count];
        for (int f = 0; f < fronts.Count; f++)
        {
            var distance = Pareto.Crowding(fronts[f].Select(i => population[i].Objectives).ToList());
            for (int k = 0; k < fronts[f].Count; k++) { rank[fronts[f][k]] = f; crowding[fronts[f][k]] = distance[k]; }
        }
        return (rank, crowding);
    }

    /// <summary>Binary tournament: the better front wins, within a front the less crowded.</summary>
    private static int Tournament(int[] rank, double[] crowding, StableRandom rng)
    {
        int a = rng.Next(rank.Length), b = rng.Next(rank.Length);
        if (rank[a] != rank[b]) return rank[a] < rank[b] ? a : b;
        return crowding[a] >= crowding[b] ? a : b;
    }

    private bool TryAdd(List<int[]> into, HashSet<string> seen, int[] genes)
    {
        if (!feasible(genes) || !seen.Add(string.Join(',', genes))) return false;
        into.Add(genes);
        return true;
    }
}
