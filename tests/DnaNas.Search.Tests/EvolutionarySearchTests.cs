using DnaNas.Search.Evolution;

namespace DnaNas.Search.Tests;

public class EvolutionarySearchTests
{
    // 6 genes of 4 options: 4,096 points, few enough to know the optimum.
    private static readonly GeneSpace Space = new(Enumerable.Repeat(4, 6).ToArray());
    private static readonly double[] Weights = [3, -1, 2, 0.5, -2, 1];

    /// <summary>Separable: gene i contributes Weights[i] * (value - 1.5); best picks 3 where the weight is positive, else 0.</summary>
    private static double Fitness(int[] genes) => genes.Select((g, i) => Weights[i] * (g - 1.5)).Sum();

    private static EvolutionSettings Small => new() { Population = 20, Generations = 12, Parents = 5, Mutations = 8, Crossovers = 8 };

    [Fact]
    public void Finds_the_best_point_of_a_small_separable_space()
    {
        var result = new EvolutionarySearch(Space, Small, _ => true, seed: 1).Run((_, pop) => pop.Select(Fitness).ToList());
        Assert.Equal([3, 0, 3, 3, 0, 3], result.Best.Genes);
        Assert.True(result.Evaluated.Count < 4096 / 10, "it should not need to enumerate the space");
    }

    [Fact]
    public void Never_evaluates_a_duplicate_or_an_infeasible_point_and_hands_over_one_population_per_generation()
    {
        bool Feasible(int[] g) => g.Sum() <= 10;
        var calls = new List<int>();
        var result = new EvolutionarySearch(Space, Small, Feasible, seed: 2).Run((generation, pop) =>
        {
            calls.Add(generation);
            Assert.InRange(pop.Count, 1, Small.Population);
            Assert.All(pop, g => Assert.True(Feasible(g)));
            return pop.Select(Fitness).ToList();
        });
        Assert.Equal(Enumerable.Range(0, Small.Generations), calls);
        var keys = result.Evaluated.Select(i => string.Join(',', i.Genes)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.True(Feasible(result.Best.Genes));
        Assert.Equal(result.Evaluated.Max(i => i.Fitness), result.Best.Fitness);
    }

    [Fact]
    public void The_same_seed_gives_the_same_search_and_another_seed_another()
    {
        IReadOnlyList<string> Run(int seed) => new EvolutionarySearch(Space, Small, _ => true, seed)
            .Run((_, pop) => pop.Select(Fitness).ToList()).Evaluated.Select(i => string.Join(',', i.Genes)).ToList();
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }

    [Fact]
    public void Parents_improve_over_generations()
    {
        var result = new EvolutionarySearch(Space, Small, _ => true, seed: 3).Run((_, pop) => pop.Select(Fitness).ToList());
        Assert.True(result.Generations[^1].ParentMean > result.Generations[0].ParentMean);
        for (int g = 1; g < result.Generations.Count; g++)
            Assert.True(result.Generations[g].Best.Fitness >= result.Generations[g - 1].Best.Fitness);
    }

    [Fact]
    public void Canonical_genes_make_equivalent_points_one_point()
    {
        // Gene 1 means nothing when gene 0 is 0: canonicalise it to 0, so at most 1 + 3*4 = 13 distinct points exist.
        var space = new GeneSpace([4, 4], g => g[0] == 0 ? [0, 0] : g);
        var settings = new EvolutionSettings { Population = 30, Generations = 5, Parents = 3, Mutations = 10, Crossovers = 10 };
        var result = new EvolutionarySearch(space, settings, _ => true, seed: 4).Run((_, pop) => pop.Select(g => (double)g[0] + g[1]).ToList());
        Assert.True(result.Evaluated.Count <= 13);
        Assert.DoesNotContain(result.Evaluated, i => i.Genes[0] == 0 && i.Genes[1] != 0);
        Assert.Equal([3, 3], result.Best.Genes);
    }

    [Theory]
    [InlineData(0, 5, 1, 0.1)]
    [InlineData(10, 0, 1, 0.1)]
    [InlineData(10, 5, 0, 0.1)]
    [InlineData(10, 5, 1, 1.5)]
    public void Bad_settings_are_refused(int population, int generations, int parents, double mutation)
    {
        var settings = new EvolutionSettings { Population = population, Generations = generations, Parents = parents, MutationProbability = mutation };
        Assert.Throws<ArgumentException>(() => new EvolutionarySearch(Space, settings, _ => true, 0).Run((_, pop) => pop.Select(Fitness).ToList()));
    }

    [Fact]
    public void Parents_scored_before_the_evaluator_moved_are_rated_again_before_they_are_chosen()
    {
        // Generation 0's scores are inflated by 100 (as a supernet rates before it is shifted); rerating gives the true ones.
        double Score(int generation, int[] genes) => Fitness(genes) + (generation == 0 ? 100 : 0);
        var stale = new EvolutionarySearch(Space, Small, _ => true, seed: 4).Run((g, pop) => pop.Select(x => Score(g, x)).ToList());
        Assert.True(stale.Best.Fitness > 50, "without rerating, an inflated first generation stays on top");

        var rerated = new EvolutionarySearch(Space, Small, _ => true, seed: 4)
            .Run((g, pop) => pop.Select(x => Score(g, x)).ToList(), rerate: parents => parents.Select(Fitness).ToList());
        Assert.All(rerated.Top, i => Assert.Equal(Fitness(i.Genes), i.Fitness));
        Assert.Equal([3, 0, 3, 3, 0, 3], rerated.Best.Genes);
    }
}
