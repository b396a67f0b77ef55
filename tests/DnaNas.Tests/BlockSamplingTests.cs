using System.Text.Json;
using DnaNas.Data;
using DnaNas.Methods.Dna;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>Depth-first candidate sampling for block training: an option that leaves existing runs as they were.</summary>
[Collection(Lanes.A)]
public class BlockSamplingTests
{
    private static DnaConfig Quick => DnaConfig.Preset("quick", new DatasetRequest(DatasetKind.FashionMnist, null, 28, 1));

    [Fact]
    public void Uniform_sampling_keeps_the_fingerprints_of_runs_written_before_the_option_and_depth_first_makes_another_run()
    {
        var uniform = Quick;
        var depthFirst = Quick with { BlockRecipe = Quick.BlockRecipe with { Sampling = CandidateSampling.DepthFirst } };

        Assert.DoesNotContain("ampling", JsonSerializer.Serialize(uniform, JsonOptions.Compact));
        Assert.Contains("\"sampling\":\"depth-first\"", JsonSerializer.Serialize(depthFirst, JsonOptions.Compact));
        Assert.NotEqual(new DnaRun("a", uniform).Fingerprint(), new DnaRun("a", depthFirst).Fingerprint());
        // A configuration read back keeps its rule.
        var back = JsonSerializer.Deserialize<DnaConfig>(JsonSerializer.Serialize(depthFirst, JsonOptions.Compact), JsonOptions.Compact)!;
        Assert.Equal(CandidateSampling.DepthFirst, back.BlockRecipe.Sampling);
    }
}
