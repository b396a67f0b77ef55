using DnaNas.Randomness;
namespace DnaNas.Space.Tests;

public class ArchitectureGenesTests
{
    [Theory]
    [InlineData("fmnist-mbconv")]
    [InlineData("imagenet-dna")]
    public void Genes_round_trip_every_random_architecture(string name)
    {
        var space = BuiltinSpaces.Resolve(name);
        var genes = new ArchitectureGenes(space);
        var rng = new StableRandom(3);
        for (int i = 0; i < 300; i++)
        {
            var a = space.Sample(rng);
            var encoded = genes.Encode(a);
            Assert.Equal(genes.Cardinalities.Count, encoded.Length);
            Assert.Equal(a, genes.Decode(encoded));
            Assert.Equal(encoded, genes.Canonical(encoded));
        }
    }

    [Fact]
    public void Ops_past_a_blocks_depth_do_not_matter()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        var genes = new ArchitectureGenes(space);
        // Block 1 (2 layers, depth 1..2): depth gene 0 = one layer; the second op gene is ignored.
        var a = genes.Encode(Architecture.Parse("k3e3/k3e3/k3e3/k3e3", space));
        var b = (int[])a.Clone();
        b[2] = 5;
        Assert.Equal(genes.Decode(a), genes.Decode(b));
        Assert.Equal(a, genes.Canonical(b));
    }

    [Fact]
    public void A_gene_out_of_range_is_refused_with_its_index()
    {
        var genes = new ArchitectureGenes(BuiltinSpaces.FmnistMbconv);
        var bad = new int[genes.Cardinalities.Count];
        bad[1] = 6;
        var e = Assert.Throws<ArgumentException>(() => genes.Decode(bad));
        Assert.Contains("gene 1", e.Message);
    }

    [Fact]
    public void A_cost_stratified_sample_spans_the_cost_range_evenly_with_distinct_architectures()
    {
        var space = BuiltinSpaces.FmnistMbconv;
        long Params(Architecture a) => CostModel.Of(space, a).Params;
        var sample = CostStratifiedSampler.Sample(space, 30, Params, seed: 5);
        Assert.Equal(30, sample.Count);
        Assert.Equal(30, sample.Select(a => a.ToString()).Distinct().Count());
        var costs = sample.Select(Params).ToArray();
        var range = CostModel.SpaceRange(space);
        // Sorted cheapest first, and the ends of the sample near the ends of the space.
        Assert.Equal(costs.OrderBy(c => c), costs);
        Assert.True(costs[0] < range.Min.Params + 0.05 * (range.Max.Params - range.Min.Params));
        Assert.True(costs[^1] > range.Max.Params - 0.15 * (range.Max.Params - range.Min.Params));
        // Even spacing: no gap much wider than the mean gap (uniform sampling would leave the tails empty).
        double meanGap = (double)(costs[^1] - costs[0]) / 29;
        for (int i = 1; i < 30; i++) Assert.True(costs[i] - costs[i - 1] < 2.5 * meanGap, $"gap {i}: {costs[i] - costs[i - 1]} vs mean {meanGap:F0}");
        Assert.Equal(sample, CostStratifiedSampler.Sample(space, 30, Params, seed: 5));
    }
}
