using DnaNas.Training;

namespace DnaNas.Tests;

[Collection(Lanes.A)]
public class PairedDifferenceTests
{
    [Fact]
    public void Three_seeds_give_the_student_t_interval_of_the_paired_differences()
    {
        // Differences 0.4, 0.1, 0.7: mean 0.4, sd 0.3; t(0.975, 2 df) = 4.302653 gives a half-width of 0.745.
        var d = PairedDifference.Of([92.0, 91.5, 91.8], [91.6, 91.4, 91.1]);
        Assert.Equal(3, d.Seeds);
        Assert.Equal(0.4, d.MeanDifference, 9);
        Assert.Equal(0.4 - 4.302653 * 0.3 / Math.Sqrt(3), d.Low, 5);
        Assert.Equal(0.4 + 4.302653 * 0.3 / Math.Sqrt(3), d.High, 5);
        Assert.Equal(91.7667, d.MeanA, 4);
        Assert.Equal(0, d.Verdict); // the interval holds 0: three seeds cannot tell these apart

        // The same mean difference with steadier seeds is a verdict.
        Assert.Equal(1, PairedDifference.Of([92.0, 92.1, 91.9], [91.0, 91.0, 91.0]).Verdict);
        Assert.Equal(-1, PairedDifference.Of([91.0, 91.0, 91.0], [92.0, 92.1, 91.9]).Verdict);
    }

    [Fact]
    public void Unpaired_or_single_seed_comparisons_are_refused()
    {
        Assert.Contains("same seeds", Assert.Throws<ArgumentException>(() => PairedDifference.Of([1.0, 2.0], [1.0])).Message);
        Assert.Contains("at least 2 seeds", Assert.Throws<ArgumentException>(() => PairedDifference.Of([1.0], [1.0])).Message);
    }
}
