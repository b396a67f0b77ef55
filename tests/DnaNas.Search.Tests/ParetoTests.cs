using DnaNas.Randomness;
using DnaNas.Search.Evolution;
using DnaNas.Search.MultiObjective;

namespace DnaNas.Search.Tests;

public class ParetoTests
{
    [Fact]
    public void Non_dominated_sorting_peels_fronts_and_crowding_keeps_the_extremes()
    {
        double[][] points = [[1, 5], [2, 3], [4, 1], [3, 4], [5, 5], [2, 3.5], [6, 6]];
        var fronts = Pareto.Fronts(points);
        Assert.Equal([0, 1, 2], fronts[0]);
        Assert.Equal([5], fronts[1]);
        Assert.Equal([3], fronts[2]);
        Assert.Equal([4], fronts[3]);
        Assert.Equal([6], fronts[4]);
        Assert.True(Pareto.Dominates([1, 1], [1, 2]));
        Assert.False(Pareto.Dominates([1, 2], [1, 2]));
        Assert.False(Pareto.Dominates([0, 3], [1, 2]));

        var crowding = Pareto.Crowding([[1, 5], [2, 3], [4, 1]]);
        Assert.True(double.IsPositiveInfinity(crowding[0]) && double.IsPositiveInfinity(crowding[2]));
        // Neighbours of (2, 3): 1 to 4 of a range of 3 in x, 5 to 1 of a range of 4 in y.
        Assert.Equal(3.0 / 3 + 4.0 / 4, crowding[1], 12);
    }

    /// <summary>
    /// Three competing additive objectives over 5 genes of 6 options (7,776 points, few enough to know the true
    /// front): NSGA-II, seeing under a tenth of them, returns most of the true front and little else, reaches the best value
    /// of every objective, and gives the same front from the same seed.
    /// </summary>
    [Fact]
    public void Nsga2_finds_points_of_the_true_front_of_a_space_small_enough_to_enumerate()
    {
        var space = new GeneSpace(Enumerable.Repeat(6, 5).ToArray());
        var rng = StableRandom.For(11, 1);
        var costs = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 6).Select(_ => rng.NextDouble()).ToArray()).ToArray()).ToArray();
        IReadOnlyList<double> Objectives(int[] g) => costs.Select(c => g.Select((v, i) => c[i][v]).Sum()).ToArray();

        var all = Enumerable.Range(0, 7_776).Select(n => Enumerable.Range(0, 5).Select(i => n / (int)Math.Pow(6, i) % 6).ToArray()).ToList();
        var values = all.Select(Objectives).ToList();
        var trueFront = Pareto.Fronts(values)[0].Select(i => string.Join(',', all[i])).ToHashSet();

        var settings = new Nsga2Settings { Population = 32, Generations = 20 };
        var result = new Nsga2(space, settings, _ => true, seed: 3).Run(pop => pop.Select(Objectives).ToList());
        Assert.True(result.Evaluated.Count <= 32 * 20);
        double onTrueFront = result.Front.Count(p => trueFront.Contains(string.Join(',', p.Genes))) / (double)result.Front.Count;
        // Measured: all 77 returned points on the true front of 90. A random sample of as many points would hold
        // about 8% of the true front, and much of its own front would be dominated.
        Assert.True(onTrueFront >= 0.9, $"{onTrueFront:P0} of {result.Front.Count} returned points are on the true front of {trueFront.Count}");
        Assert.True(result.Front.Count >= trueFront.Count / 2, $"{result.Front.Count} points returned of a true front of {trueFront.Count}");
        for (int m = 0; m < 3; m++)
            Assert.Equal(values.Min(v => v[m]), result.Front.Min(p => p.Objectives[m]), 9);

        var again = new Nsga2(space, settings, _ => true, seed: 3).Run(pop => pop.Select(Objectives).ToList());
        Assert.Equal(result.Front.Select(p => string.Join(',', p.Genes)), again.Front.Select(p => string.Join(',', p.Genes)));
    }

    [Fact]
    public void Nsga2_keeps_to_its_constraint_and_refuses_one_nothing_meets()
    {
        var space = new GeneSpace([5, 5, 5]);
        IReadOnlyList<double> Objectives(int[] g) => [g.Sum(), -g.Sum() + g[0] * 0.1];
        var result = new Nsga2(space, new Nsga2Settings { Population = 16, Generations = 10 }, g => g.Sum() <= 6, seed: 1).Run(pop => pop.Select(Objectives).ToList());
        Assert.All(result.Evaluated, e => Assert.True(e.Genes.Sum() <= 6));
        var none = Assert.Throws<ArgumentException>(() => new Nsga2(space, new Nsga2Settings { Population = 8 }, _ => false, seed: 1).Run(pop => pop.Select(Objectives).ToList()));
        Assert.Contains("no feasible individual", none.Message);
    }
}
