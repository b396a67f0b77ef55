using DnaNas.Randomness;
using DnaNas.Space;
using DnaNas.Training;

namespace DnaNas.Tests;

/// <summary>A rating source written by a user: the depth of an architecture (deeper scores higher), nothing trained.</summary>
public sealed class DepthRatingSource : IRatingSource
{
    public string Name => "toy-depth";
    public bool IsReady(RatingContext context) => true;

    public IReadOnlyDictionary<string, double> Score(RatingContext context, IReadOnlyList<Architecture> architectures) =>
        architectures.ToDictionary(a => a.ToString(), a => (double)a.Blocks.Sum(b => b.Depth));
}

[Collection(Lanes.A)]
public class ToyRatingSourceTests
{
    private static readonly DepthRatingSource Registered = Register(new DepthRatingSource());

    private static DepthRatingSource Register(DepthRatingSource source)
    {
        RatingSources.Register(source);
        return source;
    }

    [Fact]
    public void A_registered_source_is_found_by_name_listed_before_the_cost_proxies_and_scores_architectures()
    {
        Assert.Same(Registered, RatingSources.Find("toy-depth"));
        Assert.True(RatingSources.IsBuiltIn("toy-depth"));
        Assert.True(RatingSources.Order("toy-depth") < RatingSources.Order("params"));
        var space = BuiltinSpaces.FmnistMbconv;
        var rng = new StableRandom(9);
        var archs = Enumerable.Range(0, 20).Select(_ => space.Sample(rng)).DistinctBy(a => a.ToString()).ToList();
        var context = new RatingContext(space, Path.GetTempPath(), () => throw new InvalidOperationException("no data needed"), Seed: 0);
        var scores = RatingSources.Find("toy-depth")!.Score(context, archs);
        Assert.All(archs, a => Assert.Equal(a.Blocks.Sum(b => b.Depth), scores[a.ToString()]));
        var byParams = RatingSources.Find("params")!.Score(context, archs);
        Assert.All(archs, a => Assert.Equal(CostModel.Of(space, a).Params, byParams[a.ToString()]));
    }

    [Fact]
    public void A_second_source_of_the_same_name_is_refused() =>
        Assert.Throws<ArgumentException>(() => RatingSources.Register(new DepthRatingSource()));
}
