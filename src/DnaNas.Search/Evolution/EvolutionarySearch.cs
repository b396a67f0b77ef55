using DnaNas.Randomness;

namespace DnaNas.Search.Evolution;

/// <summary>
/// The searcher's view of a space: one choice per gene, gene i has <see cref="Cardinalities"/>[i] options.
/// <see cref="Canonical"/> maps gene vectors that mean the same architecture (ops past a block's depth) to one,
/// so a duplicate is never evaluated twice.
/// </summary>
public sealed record GeneSpace(IReadOnlyList<int> Cardinalities, Func<int[], int[]>? Canonicalize = null)
{
    public int[] Canonical(int[] genes) => Canonicalize is null ? genes : Canonicalize(genes);

    public int[] Random(StableRandom rng) => Canonical(Cardinalities.Select(c => rng.Next(c)).ToArray());
}

/// <summary>
/// SPOS's evolutionary search (Guo et al., 2020; official defaults: population 50, 20 generations, top-10 parents,
/// 25 mutations re-drawing each gene with probability 0.1, 25 uniform crossovers, random fill).
/// </summary>
public sealed record EvolutionSettings
{
    public int Population { get; init; } = 50;
    public int Generations { get; init; } = 20;
    public int Parents { get; init; } = 10;
    public int Mutations { get; init; } = 25;
    public double MutationProbability { get; init; } = 0.1;
    public int Crossovers { get; init; } = 25;
    /// <summary>Tries per wanted child before giving up on a duplicate or over-budget child (official: 10).</summary>
    public int TriesPerChild { get; init; } = 10;

    public void Validate()
    {
        if (Population < 1 || Generations < 1 || Parents < 1)
            throw new ArgumentException("population, generations and parents must be 1 or more");
        if (Mutations < 0 || Crossovers < 0 || TriesPerChild < 1)
            throw new ArgumentException("mutations and crossovers must be 0 or more, tries per child 1 or more");
        if (MutationProbability is < 0 or > 1) throw new ArgumentException($"mutation probability must be in [0, 1], got {MutationProbability}");
    }
}

/// <summary>One evaluated individual: its canonical genes, its fitness (higher is better) and the generation that evaluated it.</summary>
public sealed record Individual(int[] Genes, double Fitness, int Generation);

/// <summary>After each generation: the best so far and the mean fitness of the current parents.</summary>
public sealed record GenerationReport(int Generation, int Evaluated, Individual Best, double ParentMean);

public sealed record EvolutionResult(IReadOnlyList<Individual> Evaluated, IReadOnlyList<Individual> Top, IReadOnlyList<GenerationReport> Generations)
{
    public Individual Best => Top[0];
}

/// <summary>
/// Evolutionary search over any rating source. Each generation hands its whole population to
/// <c>evaluate</c> at once, so an evaluator may also learn from them (Supernet Shifting trains the supernet on
/// an iteration's candidates). Parents are the best individuals evaluated so far; children that are duplicates or
/// fail <c>feasible</c> (over budget) are rejected and redrawn, and the population is filled up with random ones.
/// </summary>
public sealed class EvolutionarySearch(GeneSpace space, EvolutionSettings settings, Func<int[], bool> feasible, long seed)
{
    /// <param name="rerate">
    /// For an evaluator that changes as it goes (Supernet Shifting moves the supernet after rating a generation): rates
    /// the would-be parents again, so parents are chosen by what they score now, not by a score from before the move.
    /// </param>
    public EvolutionResult Run(Func<int, IReadOnlyList<int[]>, IReadOnlyList<double>> evaluate, IProgress<GenerationReport>? progress = null,
        CancellationToken cancel = default, Func<IReadOnlyList<int[]>, IReadOnlyList<double>>? rerate = null)
    {
        settings.Validate();
        var rng = StableRandom.For(seed, 0x45564F4C); // "EVOL"
        var seen = new HashSet<string>();
        var evaluated = new List<Individual>();
        var reports = new List<GenerationReport>();
        var population = new List<int[]>();
        Fill(population, rng, seen, settings.Population);

        for (int generation = 0; generation < settings.Generations; generation++)
        {
            cancel.ThrowIfCancellationRequested();
            if (population.Count == 0) break; // the feasible space is exhausted
            var fitness = evaluate(generation, population);
            if (fitness.Count != population.Count)
                throw new InvalidOperationException($"the evaluator returned {fitness.Count} fitness values for {population.Count} individuals");
            for (int i = 0; i < population.Count; i++)
            {
                if (double.IsNaN(fitness[i])) throw new InvalidOperationException("the evaluator returned NaN");
                evaluated.Add(new Individual(population[i], fitness[i], generation));
            }
            if (rerate is not null) Rerate(evaluated, rerate);
            var parents = Ranked(evaluated).Take(settings.Parents).ToList();
            var report = new GenerationReport(generation, evaluated.Count, parents[0], parents.Average(p => p.Fitness));
            reports.Add(report);
            progress?.Report(report);
            if (generation == settings.Generations - 1) break;

            population = [];
            Children(population, rng, seen, settings.Mutations, () => Mutate(parents[rng.Next(parents.Count)].Genes, rng));
            Children(population, rng, seen, settings.Crossovers, () => Cross(parents[rng.Next(parents.Count)].Genes, parents[rng.Next(parents.Count)].Genes, rng));
            Fill(population, rng, seen, settings.Population);
        }
        return new EvolutionResult(evaluated, Ranked(evaluated).Take(Math.Max(settings.Parents, 1)).ToList(), reports);
    }

    /// <summary>The best individuals so far get their fitness measured again (one pass: the rest keep their scores).</summary>
    private void Rerate(List<Individual> evaluated, Func<IReadOnlyList<int[]>, IReadOnlyList<double>> rerate)
    {
        var top = Ranked(evaluated).Take(settings.Parents).ToList();
        var fresh = rerate(top.Select(i => i.Genes).ToList());
        for (int i = 0; i < top.Count; i++)
        {
            if (double.IsNaN(fresh[i])) throw new InvalidOperationException("the evaluator returned NaN");
            int at = evaluated.IndexOf(top[i]);
            evaluated[at] = top[i] with { Fitness = fresh[i] };
        }
    }

    /// <summary>Best first; among equals the earlier-evaluated one, so the order is deterministic.</summary>
    private static IEnumerable<Individual> Ranked(List<Individual> evaluated) =>
        evaluated.Select((individual, index) => (individual, index))
            .OrderByDescending(p => p.individual.Fitness).ThenBy(p => p.index).Select(p => p.individual);

    private void Children(List<int[]> into, StableRandom rng, HashSet<string> seen, int wanted, Func<int[]> make)
    {
        int added = 0;
        for (int tries = 0; added < wanted && tries < wanted * settings.TriesPerChild; tries++)
            if (TryAdd(into, seen, space.Canonical(make()))) added++;
    }

    private void Fill(List<int[]> into, StableRandom rng, HashSet<string> seen, int size)
    {
        for (int tries = 0; into.Count < size && tries < size * settings.TriesPerChild * 10; tries++)
            TryAdd(into, seen, space.Random(rng));
    }

    private bool TryAdd(List<int[]> into, HashSet<string> seen, int[] genes)
    {
        if (!feasible(genes) || !seen.Add(string.Join(',', genes))) return false;
        into.Add(genes);
        return true;
    }

    private int[] Mutate(int[] parent, StableRandom rng)
    {
        var child = (int[])parent.Clone();
        for (int i = 0; i < child.Length; i++)
            if (rng.NextDouble() < settings.MutationProbability) child[i] = rng.Next(space.Cardinalities[i]);
        return child;
    }

    private static int[] Cross(int[] a, int[] b, StableRandom rng) =>
        a.Select((gene, i) => rng.Next(2) == 0 ? gene : b[i]).ToArray();
}
